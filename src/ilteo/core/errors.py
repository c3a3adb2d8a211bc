"""Errors every room raises and every door translates (HTTP problem+json, CLI messages, MCP errors).

Each error has a stable ``code`` (part of the API: it becomes the problem ``type`` URI) and a Korean
and English title.
"""

from __future__ import annotations

from typing import Any, ClassVar


class IlteoError(Exception):
    """Base of all expected errors: a user can act on the message; no traceback is shown."""

    code: ClassVar[str] = "error"
    status: ClassVar[int] = 500
    title_ko: ClassVar[str] = "처리 중 오류가 발생했습니다"
    title_en: ClassVar[str] = "Something went wrong"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class ConfigurationError(IlteoError):
    """A setting is missing or invalid."""

    code = "configuration"
    status = 500
    title_ko = "설정 오류"
    title_en = "Configuration error"


class NotFoundError(IlteoError):
    """The requested thing does not exist."""

    code = "not-found"
    status = 404
    title_ko = "찾을 수 없습니다"
    title_en = "Not found"


class InvalidInputError(IlteoError):
    """The caller's input is malformed or out of range."""

    code = "invalid-input"
    status = 422
    title_ko = "입력값이 올바르지 않습니다"
    title_en = "Invalid input"


class DataUnavailableError(IlteoError):
    """A dataset is missing, corrupt or not yet loaded."""

    code = "data-unavailable"
    status = 503
    title_ko = "데이터를 사용할 수 없습니다"
    title_en = "Data unavailable"
