"""A rich progress bar that rooms can drive through a plain callback (rooms never import rich)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from ilteo.cli._output import err_console

#: ``progress(done, total, label)``: rooms call it with how far they are.
ProgressCallback = Callable[[int, int, str], None]


@contextmanager
def progress_bar(description: str) -> Iterator[ProgressCallback]:
    """Yield a callback that moves one progress bar on standard error."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[label]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=False,
    ) as progress:
        task = progress.add_task(description, total=None, label="")

        def advance(done: int, total: int, label: str = "") -> None:
            progress.update(task, completed=done, total=total, label=label)

        yield advance
