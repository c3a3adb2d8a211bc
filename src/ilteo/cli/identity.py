"""``ilteo identity``: staff accounts from the command line (create, list, unlock)."""

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
