"""Keep long-lived objects out of the cyclic garbage collector's way, and give them back at exit.

A server holds hundreds of thousands of objects for its whole life (reference indexes, the app,
its models). Each full collection would walk all of them: tens of milliseconds that show as a
latency tail under load. :func:`freeze_long_lived` moves every object alive now to the permanent
generation (:func:`gc.freeze`); reference counting still frees them, only the cycle finder skips
them. At exit they are unfrozen so the interpreter's last collections release native objects
cleanly (DuckDB's bindings report "leaked instances" otherwise).
"""

from __future__ import annotations

import atexit
import gc

_unfreeze_at_exit = False


def freeze_long_lived() -> None:
    """Move every object alive now out of the cyclic collector's generations (until exit)."""
    global _unfreeze_at_exit  # one registration per process
    if not _unfreeze_at_exit:
        atexit.register(gc.unfreeze)
        _unfreeze_at_exit = True
    gc.freeze()
