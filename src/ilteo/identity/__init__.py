"""One ID: accounts, staff roles, passwords and TOTP, sessions, audit of sign-ins and reads.

The first slice of the one-ID service. Web, API and CLI doors call these functions; nothing is
read or built at import time.
"""

from __future__ import annotations

from ilteo.identity.accounts import (
    AccountPublic,
    create_account,
    get_account,
    list_accounts,
    record_audit,
    roles_of,
    set_proofed_rrn,
    unlock_account,
)
from ilteo.identity.models import STAFF_ROLES
from ilteo.identity.reads import PersonReadPublic, audit_person_read, list_reads_of
from ilteo.identity.sessions import (
    COOKIE_NAME,
    check_csrf,
    create_session,
    csrf_token,
    resolve_session,
    revoke_session,
)
from ilteo.identity.signin import (
    SignInResult,
    TotpEnrolment,
    activate_totp,
    check_password,
    check_totp,
    enrol_totp,
)

__all__ = [
    "COOKIE_NAME",
    "STAFF_ROLES",
    "AccountPublic",
    "PersonReadPublic",
    "SignInResult",
    "TotpEnrolment",
    "activate_totp",
    "audit_person_read",
    "check_csrf",
    "check_password",
    "check_totp",
    "create_account",
    "create_session",
    "csrf_token",
    "enrol_totp",
    "get_account",
    "list_accounts",
    "list_reads_of",
    "record_audit",
    "resolve_session",
    "revoke_session",
    "roles_of",
    "set_proofed_rrn",
    "unlock_account",
]
