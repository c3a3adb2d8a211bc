"""``ilteo identity``: staff accounts (create, list, unlock) and counter-issued code sheets."""

from __future__ import annotations

import sys

import typer

from ilteo.cli._output import JSON_OPTION, console, print_json

app = typer.Typer(
    help="계정과 직원 역할 / Accounts and staff roles (one ID).",
    no_args_is_help=True,
)


@app.command("create-staff")
def create_staff(
    name: str = typer.Option(..., "--name", help="표시 이름 / Display name."),
    role: list[str] = typer.Option(  # noqa: B008 - Typer declares options as defaults
        ..., "--role", help="직원 역할, 여러 번 가능 / Staff role (repeatable)."
    ),
    login: str | None = typer.Option(
        None, "--login", help="로그인 이름 (기본: 이름) / Login name (default: the name)."
    ),
    password_stdin: bool = typer.Option(
        False,
        "--password-stdin",
        help="표준입력에서 비밀번호를 읽습니다 / Read the password from standard input.",
    ),
    json_out: bool = JSON_OPTION,
) -> None:
    """직원 계정을 만듭니다 / Create a staff account."""
    from ilteo.core.db import session_scope
    from ilteo.core.settings import get_settings
    from ilteo.identity.accounts import create_account, to_public

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt(
            "비밀번호 / password", hide_input=True, confirmation_prompt=True, err=True
        )
    with session_scope(get_settings()) as session:
        account = create_account(
            session,
            login=login or name,
            display_name=name,
            password=password,
            roles=tuple(role),
        )
        public = to_public(session, account)
    if json_out:
        print_json(public.__dict__)
    else:
        console.print(f"계정을 만들었습니다 / created: [bold]{public.id}[/] ({public.login})")


@app.command("list")
def list_(json_out: bool = JSON_OPTION) -> None:
    """계정 목록 / List accounts (never hashes or secrets)."""
    from rich.table import Table

    from ilteo.core.db import session_scope
    from ilteo.core.settings import get_settings
    from ilteo.identity.accounts import list_accounts

    with session_scope(get_settings()) as session:
        accounts = list_accounts(session)
    if json_out:
        print_json([account.__dict__ for account in accounts])
        return
    table = Table("id", "login", "name", "status", "roles", "TOTP", "locked until")
    for a in accounts:
        locked = a.locked_until.isoformat() if a.locked_until else ""
        table.add_row(
            a.id, a.login, a.display_name, a.status, ", ".join(a.roles), str(a.totp_active), locked
        )
    console.print(table)


@app.command("unlock")
def unlock(
    account_id: str = typer.Argument(..., help="계정 id / Account id."),
    json_out: bool = JSON_OPTION,
) -> None:
    """잠긴 계정을 풉니다 / Unlock a locked account (audited)."""
    from ilteo.core.db import session_scope
    from ilteo.core.settings import get_settings
    from ilteo.identity.accounts import unlock_account

    with session_scope(get_settings()) as session:
        unlock_account(session, account_id)  # an unknown id exits 1 with the room's message
    if json_out:
        print_json({"id": account_id, "unlocked": True})
    else:
        console.print(f"잠금을 풀었습니다 / unlocked: {account_id}")


@app.command("issue-codes")
def issue_codes(
    account_id: str = typer.Argument(..., help="받는 사람의 계정 id / The person's account id."),
    counsellor: str = typer.Option(
        ..., "--counsellor", help="상담사 계정 id / The counsellor's account id."
    ),
    method: str = typer.Option(
        ...,
        "--method",
        help="대면 확인 방법: id_card, social_worker_voucher / In-person proofing method.",
    ),
    note: str = typer.Option(
        ..., "--note", help="확인 근거 (번호는 적지 않음) / Evidence seen (no card numbers)."
    ),
    voucher_name: str | None = typer.Option(
        None,
        "--voucher-name",
        help="보증한 사회복지사 이름·등록번호 / Vouching social worker's name and registration.",
    ),
    count: int = typer.Option(10, "--count", help="코드 수 / Number of codes."),
    json_out: bool = JSON_OPTION,
) -> None:
    """대면 확인 후 일회용 코드표를 발급합니다 / Proof in person and issue one-time codes.

    The codes are printed once, here; only their keyed digests are stored.
    """
    from ilteo.core.db import session_scope
    from ilteo.core.settings import get_settings
    from ilteo.identity.counter_codes import issue_code_sheet, proof_in_person

    settings = get_settings()
    key = settings.secret_key.get_secret_value() if settings.secret_key else ""
    with session_scope(settings) as session:
        proofing = proof_in_person(session, counsellor, account_id, method, note, voucher_name)
        sheet = issue_code_sheet(session, proofing, key=key, count=count)
    if json_out:
        print_json(sheet.__dict__)
        return
    console.print(f"코드표 / sheet [bold]{sheet.sheet_id}[/] — {sheet.login}")
    for number, code in enumerate(sheet.codes, start=1):
        console.print(f"{number:>2}. {code}")
    console.print(f"유효기간 / valid until: {sheet.expires_at.isoformat()}")


@app.command("revoke-codes")
def revoke_codes(
    sheet_id: str = typer.Argument(..., help="코드표 id / Code sheet id."),
    by: str = typer.Option(..., "--by", help="취소하는 계정 id / Account revoking it."),
    json_out: bool = JSON_OPTION,
) -> None:
    """잃어버린 코드표를 취소합니다 / Revoke a lost code sheet (its unused codes die)."""
    from ilteo.core.db import session_scope
    from ilteo.core.settings import get_settings
    from ilteo.identity.counter_codes import revoke_code_sheet

    with session_scope(get_settings()) as session:
        unused = revoke_code_sheet(session, sheet_id, by=by)
    if json_out:
        print_json({"sheet_id": sheet_id, "revoked": True, "unused_codes": unused})
    else:
        console.print(f"코드표를 취소했습니다 / revoked {sheet_id}: {unused} unused codes")


@app.command("outbox")
def outbox(
    limit: int = typer.Option(20, "--limit", min=1, max=500, help="보여 줄 수 / How many."),
    json_out: bool = JSON_OPTION,
) -> None:
    """개발용 발송함: 보낸 문자·음성 안내 / The development outbox of texts and voice calls.

    What the ``outbox`` sender (``ILTEO_PHONE_SENDER=outbox``) "sent", newest first, with the
    recipient masked; for demos and for counsellors testing phone sign-in. Codes expire in 5 min.
    """
    from rich.table import Table

    from ilteo.core.db import session_scope
    from ilteo.core.settings import get_settings
    from ilteo.identity.senders import list_outbox

    settings = get_settings()
    key = settings.secret_key.get_secret_value() if settings.secret_key else ""
    with session_scope(settings) as session:
        entries = list_outbox(session, key=key, limit=limit)
    if json_out:
        print_json([entry.__dict__ for entry in entries])
        return
    table = Table("id", "at (UTC)", "channel", "to", "text")
    for e in entries:
        table.add_row(
            str(e.id), e.created_at.strftime("%Y-%m-%d %H:%M:%S"), e.channel, e.recipient, e.text
        )
    console.print(table)
