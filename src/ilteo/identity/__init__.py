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
from ilteo.identity.counter_codes import (
    InPersonProofing,
    IssuedSheet,
    check_counter_code,
    issue_code_sheet,
    proof_in_person,
    revoke_code_sheet,
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
    "InPersonProofing",
    "IssuedSheet",
    "PersonReadPublic",
    "SignInResult",
    "TotpEnrolment",
    "activate_totp",
    "audit_person_read",
    "check_counter_code",
    "check_csrf",
    "check_password",
    "check_totp",
    "create_account",
    "create_session",
    "csrf_token",
    "enrol_totp",
    "get_account",
    "issue_code_sheet",
    "list_accounts",
    "list_reads_of",
    "proof_in_person",
    "record_audit",
    "resolve_session",
    "revoke_code_sheet",
    "revoke_session",
    "roles_of",
    "set_proofed_rrn",
    "unlock_account",
]
