"""Interactive API documentation at ``/v1/docs`` from the vendored Swagger UI (no CDN)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

router = APIRouter(tags=["health"])

_VENDOR = "/static/vendor/swagger-ui"


@router.get("/v1/docs", include_in_schema=False)
def get_api_docs(request: Request) -> HTMLResponse:
    """Swagger UI for the Open API, loading its scripts from this server only."""
    page = get_swagger_ui_html(
        openapi_url=request.app.openapi_url or "/v1/openapi.json",
        title="ilteo Open API — 문서 / docs",
        swagger_js_url=f"{_VENDOR}/swagger-ui-bundle.js",
        swagger_css_url=f"{_VENDOR}/swagger-ui.css",
        swagger_favicon_url=f"{_VENDOR}/favicon-32x32.png",
    )
    # The loader is an inline script: it runs under the CSP only with this request's nonce.
    nonce = getattr(request.state, "csp_nonce", "")
    body = bytes(page.body).replace(b"<script>", f'<script nonce="{nonce}">'.encode())
    return HTMLResponse(body, status_code=page.status_code)
