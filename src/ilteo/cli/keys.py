"""``ilteo keys``: API keys for outside developers (create, list, revoke, usage): an admin tool.

``create`` prints the key once. Without ``--account`` it acts for a developer who has no one-ID
account yet: it creates (or reuses) the account ``developer-<name>`` (display name NAME, no
password and no roles, so it cannot sign in on the web and its keys read only public and own
data). Reusing it lets an operator give the same developer a second key by the same name; a
person with a one-ID account should get keys on ``/account/api-keys`` or with ``--account``.
"""

from __future__ import annotations

import re
from typing import Any

import typer

from ilteo.cli._output import JSON_OPTION, console, print_json

app = typer.Typer(
    help="API 키, 범위, 한도와 사용량 / API keys, scopes, limits and usage (admin).",
    no_args_is_help=True,
)

#: Login prefix of accounts made for developers without a one-ID account.
DEVELOPER_PREFIX = "developer-"


def developer_login(name: str) -> str:
    """The login of the developer account for ``name``.

    >>> developer_login("Acme Jobs 앱")
    'developer-acme-jobs-앱'
    """
    slug = re.sub(r"[^\w]+", "-", name.strip().lower()).strip("-_") or "unnamed"
    return DEVELOPER_PREFIX + slug[:100]


def _key_view(key: Any, login: str | None) -> dict[str, Any]:
    return {
        "id": key.id,
        "name": key.name,
        "prefix": key.prefix,
        "account_id": key.account_id,
        "account_login": login,
        "scopes": list(key.scopes),
        "state": key.state(),
        "rate_per_minute": key.rate_per_minute,
        "daily_quota": key.daily_quota,
        "created_at": key.created_at,
        "expires_at": key.expires_at,
        "last_used_at": key.last_used_at,
        "revoked_at": key.revoked_at,
    }


def _account_id(session: Any, login: str) -> str:
    from sqlalchemy import select

    from ilteo.core.errors import NotFoundError
    from ilteo.identity.models import Account

    found = session.scalar(select(Account.id).where(Account.login == login))
    if found is None:
        raise NotFoundError(f"계정이 없습니다 / no account with login {login!r}")
    return str(found)


def _logins(session: Any) -> dict[str, str]:
    from sqlalchemy import select

    from ilteo.identity.models import Account

    return {str(i): str(login) for i, login in session.execute(select(Account.id, Account.login))}


@app.command("create")
def create(
    name: str = typer.Option(..., "--name", help="키 이름 / Name of the key (1-80 chars)."),
    account: str | None = typer.Option(
        None,
        "--account",
        help="키 주인의 로그인 이름 (없으면 developer-NAME 계정) / Owner's login "
        "(default: the developer account developer-NAME, made when missing).",
    ),
    scope: list[str] = typer.Option(  # noqa: B008 - Typer declares options as defaults
        [],
        "--scope",
        help="범위, 여러 번 가능 (기본: 계정이 쓸 수 있는 모든 읽기 범위) / Scope, repeatable "
        "(default: every read scope the account may use): reference:read, lake:read, "
        "identity:read.",
    ),
    expires_days: int = typer.Option(
        365, "--expires-days", help="유효 기간(일, 1~730) / Lifetime in days (1-730)."
    ),
    rate: int | None = typer.Option(
        None, "--rate", help="분당 요청 한도 (기본: 설정) / Requests per minute (default: setting)."
    ),
    daily: int | None = typer.Option(
        None, "--daily", help="일일 할당량 (기본: 설정) / Requests per day (default: setting)."
    ),
    json_out: bool = JSON_OPTION,
) -> None:
    """API 키를 만들고 한 번만 보여 줍니다 / Create an API key and print it once."""
    from datetime import timedelta

    from sqlalchemy import select

    from ilteo.core.db import session_scope
    from ilteo.core.settings import get_settings
    from ilteo.identity.accounts import create_account
    from ilteo.identity.api_keys import create_api_key
    from ilteo.identity.models import Account

    settings = get_settings()
    secret = settings.secret_key.get_secret_value() if settings.secret_key else ""
    with session_scope(settings) as session:
        created_account = False
        if account is not None:
            login = account
            account_id = _account_id(session, login)
        else:
            login = developer_login(name)
            found = session.scalar(select(Account.id).where(Account.login == login))
            if found is None:
                found = create_account(session, login=login, display_name=name.strip()[:120]).id
                created_account = True
            account_id = str(found)
        issued = create_api_key(
            session,
            account_id,
            name=name,
            secret_key=secret,
            lifetime=timedelta(days=expires_days),
            scopes=scope or None,
            rate_per_minute=rate,
            daily_quota=daily,
            client="cli",
        )
        view = _key_view(issued.key, login) | {
            "key": issued.token,
            "account_created": created_account,
        }
    if json_out:
        print_json(view)
        return
    console.print(
        f"API 키를 만들었습니다 / created [bold]{issued.key.id}[/] for {login} "
        f"({', '.join(issued.key.scopes)})"
    )
    console.print("이 키는 다시 볼 수 없습니다 / shown once, store it now:")
    console.print(issued.token, highlight=False, soft_wrap=True)


@app.command("list")
def list_(
    account: str | None = typer.Option(
        None, "--account", help="이 계정의 키만 / Only this login's keys."
    ),
    json_out: bool = JSON_OPTION,
) -> None:
    """API 키 목록 (비밀값 없이) / List API keys (never the secret)."""
    from ilteo.core.db import session_scope
    from ilteo.core.settings import get_settings
    from ilteo.identity.api_keys import list_all_api_keys, list_api_keys

    with session_scope(get_settings()) as session:
        logins = _logins(session)
        if account is not None:
            keys = list_api_keys(session, _account_id(session, account))
        else:
            keys = list_all_api_keys(session)
        rows = [_key_view(key, logins.get(key.account_id)) for key in keys]
    if json_out:
        print_json(rows)
        return
    from rich.table import Table

    table = Table("id", "name", "account", "scopes", "state", "rate/min", "daily", "expires")
    for row in rows:
        table.add_row(
            row["id"],
            row["name"],
            row["account_login"] or "",
            " ".join(row["scopes"]),
            row["state"],
            str(row["rate_per_minute"] or "default"),
            str(row["daily_quota"] or "default"),
            row["expires_at"].date().isoformat(),
        )
    console.print(table)


@app.command("revoke")
def revoke(
    key_id: str = typer.Argument(..., help="키의 공개 ID / The key's public id."),
    json_out: bool = JSON_OPTION,
) -> None:
    """API 키를 폐기합니다 (다시 해도 무해) / Revoke a key (revoking twice is harmless)."""
    from ilteo.core.db import session_scope
    from ilteo.core.settings import get_settings
    from ilteo.identity.api_keys import get_api_key, revoke_api_key

    with session_scope(get_settings()) as session:
        owner = get_api_key(session, key_id).account_id
        key = revoke_api_key(session, owner, key_id, client="cli")
        view = _key_view(key, _logins(session).get(owner))
    if json_out:
        print_json(view)
    else:
        console.print(f"폐기했습니다 / revoked: [bold]{key_id}[/]")


@app.command("usage")
def usage(
    key_id: str | None = typer.Option(None, "--key", help="이 키만 / Only this key."),
    account: str | None = typer.Option(
        None, "--account", help="이 계정의 키만 / Only this login's keys."
    ),
    days: int = typer.Option(30, "--days", help="최근 며칠 (1~366) / Last N days (1-366)."),
    json_out: bool = JSON_OPTION,
) -> None:
    """키별·일별 사용량 (한국 시간 기준) / Usage per key per day (Asia/Seoul days)."""
    from ilteo.core.db import session_scope
    from ilteo.core.settings import get_settings
    from ilteo.identity.api_keys import get_api_key, list_api_keys, usage_of

    with session_scope(get_settings()) as session:
        keys: list[str] | None = None
        if key_id is not None:
            keys = [get_api_key(session, key_id).id]
        elif account is not None:
            keys = [k.id for k in list_api_keys(session, _account_id(session, account))]
        rows: list[dict[str, Any]] = [
            {
                "key_id": u.key_id,
                "day": u.day,
                "requests": u.requests,
                "rejected": u.rejected,
            }
            for u in usage_of(session, keys, days=days)
        ]
    if json_out:
        print_json(rows)
        return
    from rich.table import Table

    table = Table("day (KST)", "key", "requests", "rejected (429)")
    for row in rows:
        table.add_row(
            row["day"].isoformat(), row["key_id"], str(row["requests"]), str(row["rejected"])
        )
    console.print(table)
