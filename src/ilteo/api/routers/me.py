"""``GET /v1/identity/me``: who the caller is, and how they were recognised.

A client that holds an API key (or a browser with a session) can check which account it acts
as and with which roles before calling anything else. Nothing secret is returned: no key, no
digest, no session value; for an API key only its public id.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from ilteo.api.routers.identity import SignedIn

router = APIRouter(prefix="/identity", tags=["identity"])


class MePublic(BaseModel):
    """The calling account as the API sees it."""

    id: str = Field(description="계정 ID / account id")
    login: str = Field(description="로그인 이름 / login name")
    display_name: str = Field(description="표시 이름 / display name")
    roles: list[str] = Field(
        description="현재 가진 직원 역할 / staff roles held now (empty for a citizen)"
    )
    authenticated_by: Literal["session", "api_key", "oauth"] = Field(
        description="인증 방법 / how this request was authenticated"
    )
    api_key_id: str | None = Field(
        None, description="API 키의 공개 ID / the public id of the API key used, if any"
    )


@router.get("/me", operation_id="get_my_identity", response_model=MePublic)
def get_my_identity(request: Request, account: SignedIn) -> MePublic:
    """나는 누구인가 / Who am I: the account, its roles now, and how the call was authenticated."""
    method = getattr(request.state, "auth_method", "session")
    return MePublic(
        id=account.id,
        login=account.login,
        display_name=account.display_name,
        roles=list(account.roles),
        authenticated_by=method,
        api_key_id=getattr(request.state, "api_key_id", None) if method == "api_key" else None,
    )
