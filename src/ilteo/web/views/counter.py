"""Web pages of counter-issued codes, in-person proofing and account recovery.

Three audiences:

* **Citizens** sign in with a login name and one code of their sheet (``/sign-in/code``), recover
  a forgotten password with a recovery code (``/recover``, which also explains the in-person and
  phone paths), make recovery codes (``/account/recovery-codes``) and set a password
  (``/account/password``). Every refusal shows the same plain message; the domain layer keeps
  the reason in the audit log.
* **Counsellors** (``require_staff("counsellor")``) work under ``/counter``: find an account by
  login name or open one for a person who has none, proof the person in person (ID card or a
  registered social worker's voucher), optionally type the resident registration number once to
  link the account to the lake's master person, then issue a sheet of codes or, for a person who
  lost access, reset the account and issue a new sheet. A lost sheet is revoked.
* Anyone else signed in who opens a counter page gets 403 and an audit entry
  (``counter.refused``): a route-level dependency runs before the role guard for that.

Each counter step is one form POST so that no proofing state travels between requests: the
proofing, the lake link and the sheet happen in one transaction, and the printable sheet is the
answer of that POST only (``Cache-Control: no-store``; the clear codes are never stored). The
resident registration number is a plain form field validated here, so a validation error can
never echo it; it is never put back into a page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ilteo.api.routers.identity import CurrentAccount, client_of, require_account, require_staff
from ilteo.identity.accounts import AccountPublic
from ilteo.web.views.identity import (
    csrf_ok,
    forbidden,
    funnel_started,
    identity_page,
    safe_next,
    secret_of,
    settings_of,
    signed_in_response,
)

if TYPE_CHECKING:
    from ilteo.identity.counter_codes import IssuedSheet
    from ilteo.identity.proofing import LakeLink

router = APIRouter(include_in_schema=False)

SignedInPage = Annotated[AccountPublic, Depends(require_account)]
Counsellor = Annotated[AccountPublic, Depends(require_staff("counsellor"))]
_METHODS = ("id_card", "social_worker_voucher")
_PURPOSES = ("issue", "reset")


def _audit_non_counsellor(request: Request, account: CurrentAccount) -> None:
    """Refuse a signed-in account without the counsellor role, with an audit entry (403)."""
    if account is not None and "counsellor" not in account.roles:
        from ilteo.core.db import session_scope
        from ilteo.identity.accounts import record_audit

        with session_scope(settings_of(request)) as session:
            record_audit(
                session,
                "counter.refused",
                account_id=account.id,
                client=client_of(request),
                path=request.url.path,
            )
        raise HTTPException(403, "상담사만 쓸 수 있습니다 / counsellors only")


_COUNTER_ONLY = [Depends(_audit_non_counsellor)]


# --- citizens: sign in with a code -----------------------------------------------------------


@router.get("/sign-in/code", response_class=HTMLResponse, name="web_sign_in_code")
def code_sign_in_form(
    request: Request, account: CurrentAccount, next: str = "/account"
) -> Response:
    """The large, plain form: login name and one code from the paper sheet."""
    if account is None:
        funnel_started(request, "sign_in.counter_code")
    return identity_page(
        request,
        "identity/code_sign_in.html",
        title_key="counter.code_sign_in.title",
        next_path=safe_next(next),
        login="",
        failed=False,
    )


@router.post("/sign-in/code", response_class=HTMLResponse)
def code_sign_in(
    request: Request,
    login: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/account",
) -> Response:
    """Check the code; sign in, or show the one refusal message for every failure."""
    if not csrf_ok(request, csrf):
        return forbidden(request)
    from ilteo.core.db import session_scope
    from ilteo.identity.counter_codes import check_counter_code

    with session_scope(settings_of(request)) as session:
        result = check_counter_code(
            session, login[:120], code[:32], key=secret_of(request), client=client_of(request)
        )
    if result.outcome == "ok" and result.account_id:
        return signed_in_response(request, result.account_id, next, method="counter_code")
    return identity_page(
        request,
        "identity/code_sign_in.html",
        title_key="counter.code_sign_in.title",
        status_code=401,
        next_path=safe_next(next),
        login=login[:120],
        failed=True,
    )


# --- citizens: recovery ----------------------------------------------------------------------


def _recover_page(
    request: Request,
    *,
    status_code: int = 200,
    error: str = "",
    login: str = "",
    done: bool = False,
) -> Response:
    return identity_page(
        request,
        "identity/recover.html",
        title_key="counter.recover.title",
        status_code=status_code,
        error=error,
        login=login,
        done=done,
    )


@router.get("/recover", response_class=HTMLResponse, name="web_recover")
def recover_form(request: Request) -> Response:
    """The recovery page: a recovery code form, and the in-person and phone paths explained."""
    funnel_started(request, "recovery.recovery_code")
    return _recover_page(request)


@router.post("/recover", response_class=HTMLResponse)
def recover(
    request: Request,
    login: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
    new_password: Annotated[str, Form()] = "",
    repeat_password: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Replace the password with a login name, one recovery code and the new password twice."""
    if not csrf_ok(request, csrf):
        return forbidden(request)
    from ilteo.core.db import session_scope
    from ilteo.identity.funnel import record_funnel
    from ilteo.identity.recovery import PasswordPolicyError, check_new_password, recover_with_code

    login = login[:120]
    try:
        check_new_password(new_password[:1024], repeat_password[:1024])
    except PasswordPolicyError:
        key = "mismatch" if new_password != repeat_password else "too_short"
        return _recover_page(request, status_code=422, error=key, login=login)
    with session_scope(settings_of(request)) as session:
        result = recover_with_code(
            session,
            login,
            code[:64],
            new_password[:1024],
            key=secret_of(request),
            client=client_of(request),
        )
        if result.outcome == "ok":
            record_funnel(
                session,
                "recovery.recovery_code",
                "finished",
                account_id=result.account_id,
                client=client_of(request),
            )
    if result.outcome != "ok":
        return _recover_page(request, status_code=401, error="failed", login=login)
    return _recover_page(request, done=True)


# --- citizens: my recovery codes and my password ---------------------------------------------


@router.get("/account/recovery-codes", response_class=HTMLResponse, name="web_recovery_codes")
def recovery_codes_page(request: Request, account: SignedInPage) -> Response:
    """How many recovery codes are left, and a button to make a new set."""
    from ilteo.core.db import session_scope
    from ilteo.identity.recovery import count_unused_recovery_codes

    with session_scope(settings_of(request)) as session:
        unused = count_unused_recovery_codes(session, account.id)
    return identity_page(
        request,
        "identity/recover_codes.html",
        title_key="counter.recovery_codes.title",
        unused=unused,
        codes=(),
    )


@router.post("/account/recovery-codes", response_class=HTMLResponse)
def recovery_codes_make(
    request: Request, account: SignedInPage, csrf: Annotated[str, Form()] = ""
) -> Response:
    """Make a new set (the old one stops working) and show it this once."""
    if not csrf_ok(request, csrf):
        return forbidden(request)
    from ilteo.core.db import session_scope
    from ilteo.identity.recovery import generate_recovery_codes

    with session_scope(settings_of(request)) as session:
        codes = generate_recovery_codes(session, account.id, key=secret_of(request))
    return identity_page(
        request,
        "identity/recover_codes.html",
        title_key="counter.recovery_codes.title",
        unused=len(codes),
        codes=codes,
    )


def _password_page(
    request: Request,
    account_id: str,
    *,
    status_code: int = 200,
    error: str = "",
    done: bool = False,
) -> Response:
    from ilteo.core.db import session_scope
    from ilteo.identity.accounts import get_account
    from ilteo.identity.recovery import may_skip_current_password

    with session_scope(settings_of(request)) as session:
        skip = may_skip_current_password(session, get_account(session, account_id))
    return identity_page(
        request,
        "identity/recover_password.html",
        title_key="counter.password.title",
        status_code=status_code,
        need_current=not skip,
        error=error,
        done=done,
    )


@router.get("/account/password", response_class=HTMLResponse, name="web_account_password")
def password_form(request: Request, account: SignedInPage) -> Response:
    """Set a new password (the current one is asked for unless the rules let it go)."""
    return _password_page(request, account.id)


@router.post("/account/password", response_class=HTMLResponse)
def password_change(
    request: Request,
    account: SignedInPage,
    current_password: Annotated[str, Form()] = "",
    new_password: Annotated[str, Form()] = "",
    repeat_password: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Check and set the new password."""
    if not csrf_ok(request, csrf):
        return forbidden(request)
    from ilteo.core.db import session_scope
    from ilteo.identity.recovery import PasswordPolicyError, change_password

    try:
        with session_scope(settings_of(request)) as session:
            changed = change_password(
                session,
                account.id,
                current_password[:1024],
                new_password[:1024],
                repeat_password[:1024],
                client=client_of(request),
            )
    except PasswordPolicyError:
        key = "mismatch" if new_password != repeat_password else "too_short"
        return _password_page(request, account.id, status_code=422, error=key)
    if not changed:
        return _password_page(request, account.id, status_code=401, error="wrong")
    return _password_page(request, account.id, done=True)


# --- counsellors -----------------------------------------------------------------------------


@router.get("/counter", response_class=HTMLResponse, dependencies=_COUNTER_ONLY)
def counter_home(request: Request, staff: Counsellor, login: str = "") -> Response:
    """Find a person's account by login name, or open a new one."""
    from sqlalchemy import select

    from ilteo.core.db import session_scope
    from ilteo.identity.accounts import record_audit
    from ilteo.identity.models import Account

    login = login.strip()[:120]
    if login:
        with session_scope(settings_of(request)) as session:
            found = session.scalar(select(Account.id).where(Account.login == login))
            record_audit(
                session,
                "counter.looked_up",
                account_id=found,
                client=client_of(request),
                counsellor=staff.id,
                found=found is not None,
            )
        if found:
            return RedirectResponse(f"/counter/accounts/{found}", status_code=303)
    return identity_page(
        request,
        "identity/counter_home.html",
        title_key="counter.home.title",
        login=login,
        not_found=bool(login),
        error="",
        display_name="",
    )


@router.post("/counter/accounts", response_class=HTMLResponse, dependencies=_COUNTER_ONLY)
def counter_new_account(
    request: Request,
    staff: Counsellor,
    login: Annotated[str, Form()] = "",
    display_name: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Open a citizen account (no password: the person gets a code sheet after proofing)."""
    if not csrf_ok(request, csrf):
        return forbidden(request)
    from ilteo.core.db import session_scope
    from ilteo.core.errors import InvalidInputError
    from ilteo.identity.accounts import create_account, record_audit

    login, display_name = login.strip()[:120], display_name.strip()[:120]
    error = "" if login and display_name else "missing"
    account_id = ""
    if not error:
        with session_scope(settings_of(request)) as session:
            try:
                account = create_account(session, login=login, display_name=display_name)
            except InvalidInputError:
                error = "login_taken"
            else:
                account_id = account.id
                record_audit(
                    session,
                    "counter.account_opened",
                    account_id=account.id,
                    client=client_of(request),
                    counsellor=staff.id,
                )
    if error:
        return identity_page(
            request,
            "identity/counter_home.html",
            title_key="counter.home.title",
            status_code=422,
            login=login,
            not_found=False,
            error=error,
            display_name=display_name,
        )
    return RedirectResponse(f"/counter/accounts/{account_id}", status_code=303)


def _person_context(request: Request, account_id: str) -> dict[str, Any]:
    from sqlalchemy import select

    from ilteo.core.db import session_scope
    from ilteo.identity.accounts import as_utc, get_account
    from ilteo.identity.code_models import CodeSheet
    from ilteo.identity.counter_codes import count_unused_codes

    with session_scope(settings_of(request)) as session:
        person = get_account(session, account_id)
        rows = session.scalars(
            select(CodeSheet)
            .where(CodeSheet.account_id == person.id)
            .order_by(CodeSheet.created_at.desc())
        ).all()
        sheets = [
            {
                "id": sheet.id,
                "created_at": as_utc(sheet.created_at),
                "expires_at": as_utc(sheet.expires_at),
                "revoked": sheet.revoked_at is not None,
                "unused": count_unused_codes(session, sheet.id),
                "method": sheet.method,
            }
            for sheet in rows
        ]
        return {
            "person": {
                "id": person.id,
                "login": person.login,
                "display_name": person.display_name,
                "status": person.status,
                "proofed": person.rrn_hash is not None,
                "master_person_id": person.master_person_id,
                "has_password": person.password_hash is not None,
            },
            "sheets": sheets,
        }


@router.get(
    "/counter/accounts/{account_id}", response_class=HTMLResponse, dependencies=_COUNTER_ONLY
)
def counter_person(
    request: Request, staff: Counsellor, account_id: str, revoked: int = 0
) -> Response:
    """One person's account: proofing state, code sheets, and the next steps (audited)."""
    from ilteo.core.db import session_scope
    from ilteo.identity.accounts import record_audit

    context = _person_context(request, account_id[:32])
    with session_scope(settings_of(request)) as session:
        record_audit(
            session,
            "counter.viewed",
            account_id=context["person"]["id"],
            client=client_of(request),
            counsellor=staff.id,
        )
    return identity_page(
        request,
        "identity/counter_person.html",
        title_key="counter.person.title",
        revoked=bool(revoked),
        **context,
    )


def _proof_page(
    request: Request,
    account_id: str,
    method: str,
    purpose: str,
    *,
    status_code: int = 200,
    error: str = "",
    evidence_note: str = "",
    voucher_name: str = "",
) -> Response:
    context = _person_context(request, account_id)
    return identity_page(
        request,
        "identity/counter_proof.html",
        title_key=f"counter.proof.title_{purpose}",
        status_code=status_code,
        method=method,
        purpose=purpose,
        error=error,
        evidence_note=evidence_note,
        voucher_name=voucher_name,
        **context,
    )


@router.get(
    "/counter/accounts/{account_id}/proof",
    response_class=HTMLResponse,
    dependencies=_COUNTER_ONLY,
)
def counter_proof_form(
    request: Request,
    staff: Counsellor,
    account_id: str,
    method: str = "id_card",
    purpose: str = "issue",
) -> Response:
    """The proofing form (ID card or voucher), for a first sheet or for an in-person reset."""
    method = method if method in _METHODS else "id_card"
    purpose = purpose if purpose in _PURPOSES else "issue"
    page = _proof_page(request, account_id[:32], method, purpose)
    funnel_started(request, f"proofing.{method}")
    if purpose == "reset":
        funnel_started(request, "recovery.in_person")
    return page


@dataclass(frozen=True)
class _Visit:
    """What the counsellor typed on the proofing form (the RRN is not kept here)."""

    counsellor_id: str
    account_id: str
    method: str
    purpose: str
    evidence_note: str
    voucher_name: str


def _proof_and_issue(
    request: Request, visit: _Visit, typed_rrn: str
) -> tuple[str, IssuedSheet | None, LakeLink | None]:
    """Proofing, lake link and sheet in one transaction: ``(error key, sheet, link)``.

    A refused number (bad check digit, another account's, a different one) stops before any sheet
    is made; the refusal and the proofing itself stay in the audit log.
    """
    from ilteo.core.db import session_scope
    from ilteo.core.errors import InvalidInputError
    from ilteo.identity.counter_codes import issue_code_sheet, proof_in_person
    from ilteo.identity.funnel import record_funnel
    from ilteo.identity.proofing import (
        RrnMismatchError,
        RrnTakenError,
        link_to_lake,
        refresh_lake_link,
    )
    from ilteo.identity.recovery import reset_in_person
    from ilteo.lake.layout import LakePaths

    paths = LakePaths.of(settings_of(request))
    key, client = secret_of(request), client_of(request)
    with session_scope(settings_of(request)) as session:
        proofing = proof_in_person(
            session,
            visit.counsellor_id,
            visit.account_id,
            visit.method,
            visit.evidence_note,
            visit.voucher_name or None,
        )
        link: LakeLink | None
        try:
            if typed_rrn:
                link = link_to_lake(
                    session,
                    visit.account_id,
                    typed_rrn,
                    key=key,
                    paths=paths,
                    counsellor_id=visit.counsellor_id,
                )
            else:
                link = refresh_lake_link(session, visit.account_id, paths=paths)
        except RrnTakenError:
            return "rrn_taken", None, None
        except RrnMismatchError:
            return "rrn_mismatch", None, None
        except InvalidInputError:
            return "rrn_invalid", None, None
        if visit.purpose == "reset":
            sheet = reset_in_person(session, proofing, key=key)
            record_funnel(
                session,
                "recovery.in_person",
                "finished",
                account_id=visit.account_id,
                client=client,
            )
        else:
            sheet = issue_code_sheet(session, proofing, key=key)
        record_funnel(
            session,
            f"proofing.{visit.method}",
            "finished",
            account_id=visit.account_id,
            client=client,
        )
    return "", sheet, link


@router.post(
    "/counter/accounts/{account_id}/proof",
    response_class=HTMLResponse,
    dependencies=_COUNTER_ONLY,
)
def counter_proof(
    request: Request,
    staff: Counsellor,
    account_id: str,
    method: Annotated[str, Form()] = "id_card",
    purpose: Annotated[str, Form()] = "issue",
    evidence_note: Annotated[str, Form()] = "",
    voucher_name: Annotated[str, Form()] = "",
    rrn: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Proof the person, link the lake when a number is typed, then issue (or reset) a sheet."""
    if not csrf_ok(request, csrf):
        return forbidden(request)
    visit = _Visit(
        counsellor_id=staff.id,
        account_id=account_id[:32],
        method=method if method in _METHODS else "id_card",
        purpose=purpose if purpose in _PURPOSES else "issue",
        evidence_note=evidence_note.strip()[:500],
        voucher_name=voucher_name.strip()[:200],
    )
    error, sheet, link = "", None, None
    if not visit.evidence_note:
        error = "evidence"
    elif visit.method == "social_worker_voucher" and not visit.voucher_name:
        error = "voucher"
    else:
        error, sheet, link = _proof_and_issue(request, visit, rrn.strip()[:20])
    del rrn  # the clear number goes no further than the proofing step
    if error or sheet is None:
        return _proof_page(
            request,
            visit.account_id,
            visit.method,
            visit.purpose,
            status_code=422,
            error=error,
            evidence_note=visit.evidence_note,
            voucher_name=visit.voucher_name,
        )
    return identity_page(
        request,
        "identity/code_sheet.html",
        title_key="counter.sheet.title",
        sheet=sheet,
        link=link,
        purpose=visit.purpose,
        **_person_context(request, visit.account_id),
    )


@router.post(
    "/counter/sheets/{sheet_id}/revoke", response_class=HTMLResponse, dependencies=_COUNTER_ONLY
)
def counter_revoke(
    request: Request, staff: Counsellor, sheet_id: str, csrf: Annotated[str, Form()] = ""
) -> Response:
    """Revoke a lost sheet: its unused codes stop working at once."""
    if not csrf_ok(request, csrf):
        return forbidden(request)
    from ilteo.core.db import session_scope
    from ilteo.identity.code_models import CodeSheet
    from ilteo.identity.counter_codes import revoke_code_sheet

    with session_scope(settings_of(request)) as session:
        sheet = session.get(CodeSheet, sheet_id[:32])
        if sheet is None:
            raise HTTPException(404, "코드표가 없습니다 / no such sheet")
        revoke_code_sheet(session, sheet.id, by=staff.id)
        account_id = sheet.account_id
    return RedirectResponse(f"/counter/accounts/{account_id}?revoked=1", status_code=303)
