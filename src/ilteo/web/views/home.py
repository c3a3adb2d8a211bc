"""The home page: what ilteo is and where to start (reference browser, Open API, MCP)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ilteo.web.rendering import render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse, name="web_home")
def home(request: Request) -> HTMLResponse:
    """Render the home page."""
    mcp_url = str(request.base_url).rstrip("/") + "/mcp"
    return render(request, "home.html", title_key="home.title", mcp_url=mcp_url)
