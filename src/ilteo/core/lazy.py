"""Lazy public names for a room's ``__init__``: ``import ilteo.<room>`` stays fast.

A room lists its public names and the private module each lives in; the first access imports that
module (and its heavy libraries) and caches the value on the package (PEP 562).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, exports: Mapping[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Return a module ``__getattr__`` and ``__dir__`` serving ``exports`` on first use.

    Args:
        package: The package's ``__name__``.
        exports: Public name → submodule (relative to ``package``) that defines it.
        namespace: The package's ``globals()``, where a loaded value is cached.

    >>> ns: dict[str, Any] = {"__all__": ["JSONEncoder"]}
    >>> getattr_, dir_ = lazy_exports("json", {"JSONEncoder": "encoder"}, ns)
    >>> getattr_("JSONEncoder").__name__, "JSONEncoder" in ns, dir_()
    ('JSONEncoder', True, ['JSONEncoder'])
    """

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return list(namespace.get("__all__", exports))

    return __getattr__, __dir__
