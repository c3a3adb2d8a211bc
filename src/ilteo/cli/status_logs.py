"""``ilteo status prune`` and ``ilteo status menus``: log retention and the service-menu map."""

from __future__ import annotations

import typer

from ilteo.cli._output import JSON_OPTION, console, print_json


def register(app: typer.Typer) -> None:
    """Add the request-log commands to the ``ilteo status`` sub-app."""

    @app.command("prune")
    def prune_command(as_json: bool = JSON_OPTION) -> None:
        """오래된 요청 기록과 집계를 지웁니다 / Delete request logs and rollups past retention."""
        from ilteo.core.settings import get_settings
        from ilteo.status.logs import prune

        result = prune(get_settings())
        if as_json:
            print_json(result)
            return
        for table, count in result["deleted"].items():
            console.print(f"{table}: {count}")

    @app.command("menus")
    def menus_command(as_json: bool = JSON_OPTION) -> None:
        """서비스 메뉴 목록 / List the service menus, their routes and MCP tools."""
        from dataclasses import asdict

        from ilteo.status.menus import MENUS

        if as_json:
            print_json([asdict(menu) for menu in MENUS])
            return
        for menu in MENUS:
            shown = "공개 / public" if menu.public else "비공개 / not shown"
            console.print(
                f"{menu.id}: {menu.name_ko} / {menu.name_en} ({menu.audience}, {shown}, "
                f"{len(menu.routes)} routes, {len(menu.tools)} tools)",
                highlight=False,
            )
