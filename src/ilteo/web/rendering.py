"""Render pages: one Jinja environment, the page language, and the shared page context.

Views call :func:`render` with a template name and their own context; the language, translator,
language-switch link and whether the vendored KRDS stylesheet is present are added here.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ilteo.web.i18n import LANG_COOKIE, Translator, pick_language

TEMPLATES_DIR: Final = Path(__file__).parent / "templates"
STATIC_DIR: Final = Path(__file__).parent / "static"
STATIC_URL: Final = "/static/"
#: The stylesheet ``scripts/vendor_krds.py`` writes; pages fall back to ``ilteo.css`` alone.
KRDS_CSS: Final = STATIC_DIR / "vendor" / "krds" / "krds.css"
#: One year: the language choice outlives a browser session.
LANG_COOKIE_MAX_AGE: Final = 365 * 24 * 3600


def static_url(path: str) -> str:
    """URL of a file under ``static/``.

    >>> static_url("ilteo.css")
    '/static/ilteo.css'
    """
    return STATIC_URL + path.lstrip("/")


@lru_cache(maxsize=1)
def get_environment() -> Environment:
    """The Jinja environment of every page (built on first use, then shared)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["static"] = static_url
    return env


def krds_available() -> bool:
    """Whether the vendored KRDS stylesheet is present (``scripts/vendor_krds.py`` was run)."""
    return KRDS_CSS.is_file()


def request_language(request: Request) -> str:
    """The page language of a request: ``?lang=``, then the cookie, then Korean."""
    return pick_language(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE))


def switch_language_url(request: Request, lang: str) -> str:
    """The current page's path and query with ``lang`` set (a same-site relative link).

    The path is re-encoded and starts with exactly one ``/``, so a request for ``//host`` cannot
    turn the link into a protocol-relative one to another site.
    """
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    params.append(("lang", lang))
    path = "/" + quote(request.url.path.lstrip("/"), safe="/")
    return f"{path}?{urlencode(params)}"


def render(
    request: Request,
    template: str,
    *,
    title_key: str | None = None,
    page_title: str | None = None,
    status_code: int = 200,
    current: str = "",
    **context: Any,
) -> HTMLResponse:
    """Render ``template`` in the request's language.

    Args:
        request: The incoming request (language, links).
        template: Template name under ``templates/``.
        title_key: Catalogue key of the page title (used when ``page_title`` is not given).
        page_title: The page title text, for titles built from data.
        status_code: HTTP status of the response.
        current: The navigation section to mark with ``aria-current``.
        **context: Template variables of the view.

    Returns:
        The HTML response; it sets the language cookie when ``?lang=`` chose the language.
    """
    lang = request_language(request)
    t = Translator(lang)
    if page_title is None:
        page_title = t(title_key) if title_key else t("site.name")
    html = (
        get_environment()
        .get_template(template)
        .render(
            request=request,
            lang=lang,
            other_lang=t.other,
            t=t,
            page_title=page_title,
            current=current,
            krds=krds_available(),
            lang_switch_url=switch_language_url(request, t.other),
            **context,
        )
    )
    response = HTMLResponse(html, status_code=status_code)
    if request.query_params.get("lang") == lang and request.cookies.get(LANG_COOKIE) != lang:
        response.set_cookie(
            LANG_COOKIE, lang, max_age=LANG_COOKIE_MAX_AGE, samesite="lax", httponly=True
        )
    return response
