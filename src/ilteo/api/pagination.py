"""Cursor pagination for every ``/v1`` list: ``limit``, an opaque signed ``cursor``, ``next``.

A list answers ``{"items": [...], "next_cursor": ..., "next": ...}`` and, when there is more, a
``Link: <next>; rel="next"`` header. The cursor is the base64url of the position after the last
item and a fingerprint of the query it belongs to, HMAC-signed with the secret key: a garbled or
tampered cursor, or one reused with other filters, is a 422 problem.
"""

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar
from urllib.parse import urlencode

from fastapi import Query, Request, Response
from pydantic import BaseModel, Field

from ilteo.core.errors import InvalidInputError

T = TypeVar("T")

#: Default and largest page size of the lake's and other plain lists.
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
_SIG_BYTES = 16


class Page(BaseModel, Generic[T]):
    """One page of a list, and how to get the next one."""

    items: list[T] = Field(description="이 페이지의 항목 / The items of this page.")
    next_cursor: str | None = Field(
        description="다음 페이지 커서, 마지막이면 null / Cursor of the next page; null on the last."
    )
    next: str | None = Field(
        description="다음 페이지 URL, 마지막이면 null / URL of the next page; null on the last."
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _scope(request: Request) -> str:
    """What a cursor is bound to: the path and every query parameter but the cursor and limit."""
    kept = sorted(
        (k, v) for k, v in request.query_params.multi_items() if k not in ("cursor", "limit")
    )
    digest = hashlib.sha256(f"{request.url.path}?{urlencode(kept)}".encode()).digest()
    return _b64(digest[:12])


def _key(request: Request) -> bytes:
    secret = request.app.state.settings.secret_key
    return (secret.get_secret_value() if secret else "").encode()


def encode_cursor(key: bytes, offset: int, scope: str) -> str:
    """Sign the position ``offset`` of the query ``scope`` as an opaque cursor."""
    payload = _b64(json.dumps({"o": offset, "s": scope}, separators=(",", ":")).encode())
    signature = hmac.new(key, payload.encode(), hashlib.sha256).digest()[:_SIG_BYTES]
    return f"{payload}.{_b64(signature)}"


def decode_cursor(key: bytes, cursor: str, scope: str) -> int:
    """The position a cursor stands for.

    Raises:
        InvalidInputError: The cursor is garbled, tampered with, or from another query.
    """
    bad = InvalidInputError(
        "cursor가 올바르지 않습니다: 이전 응답의 next_cursor를 그대로 쓰세요. / The cursor is "
        "invalid: pass the next_cursor of the previous answer unchanged.",
        parameter="cursor",
    )
    payload, _, signature = cursor.partition(".")
    try:
        given = _unb64(signature)
        data = json.loads(_unb64(payload))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise bad from None
    expected = hmac.new(key, payload.encode(), hashlib.sha256).digest()[:_SIG_BYTES]
    if not hmac.compare_digest(given, expected) or not isinstance(data, dict):
        raise bad
    offset = data.get("o")
    if data.get("s") != scope or not isinstance(offset, int) or offset < 0:
        raise bad
    return offset


@dataclass(frozen=True, slots=True)
class PageRequest:
    """The page a client asked for: ``offset`` (from the cursor) and ``limit``."""

    offset: int
    limit: int
    request: Request
    response: Response
    scope: str
    key: bytes

    @property
    def stop(self) -> int:
        """One past the last position worth fetching (one more than the page, to see if more)."""
        return self.offset + self.limit + 1

    def window(self, items: Sequence[T]) -> Page[T]:
        """The page out of the full list ``items``."""
        return self.page(items[self.offset : self.stop])

    def page(self, fetched: Sequence[T]) -> Page[T]:
        """The page out of ``fetched``: items from ``offset``, up to ``limit + 1`` of them.

        Sets the ``Link: rel="next"`` header when there is a next page.
        """
        items = list(fetched[: self.limit])
        if len(fetched) <= self.limit:
            return Page[T](items=items, next_cursor=None, next=None)
        cursor = encode_cursor(self.key, self.offset + self.limit, self.scope)
        url = self.request.url.include_query_params(cursor=cursor, limit=self.limit)
        self.response.headers.append("Link", f'<{url}>; rel="next"')
        return Page[T](items=items, next_cursor=cursor, next=str(url))


def page_params(
    default: int = DEFAULT_LIMIT, maximum: int = MAX_LIMIT
) -> Callable[..., PageRequest]:
    """A dependency reading ``limit`` (1..``maximum``, default ``default``) and ``cursor``."""

    def dependency(
        request: Request,
        response: Response,
        limit: Annotated[
            int,
            Query(
                ge=1,
                le=maximum,
                description=f"페이지 크기 / Items per page (1-{maximum}, default {default}).",
            ),
        ] = default,
        cursor: Annotated[
            str | None,
            Query(
                min_length=1,
                max_length=512,
                description="다음 페이지 커서: 이전 응답의 `next_cursor` / The previous answer's "
                "`next_cursor`; the first page when omitted.",
            ),
        ] = None,
    ) -> PageRequest:
        scope = _scope(request)
        key = _key(request)
        offset = decode_cursor(key, cursor, scope) if cursor is not None else 0
        return PageRequest(offset, limit, request, response, scope, key)

    return dependency
