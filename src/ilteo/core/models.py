"""Where Alembic finds every room's tables.

Each room that owns tables keeps them in its own ``models`` module; this list names them so that
autogenerate and ``env.py`` see all tables. Adding a room with tables is one line here.
"""

from __future__ import annotations

import importlib

MODEL_MODULES: tuple[str, ...] = (
    "ilteo.reference.models",
    "ilteo.lake.models",
    "ilteo.identity.models",
    "ilteo.identity.code_models",
    "ilteo.identity.passkey_models",
    "ilteo.identity.phone_models",
    "ilteo.identity.recovery_models",
    "ilteo.identity.oidc_models",
    "ilteo.identity.delegation_models",
    "ilteo.identity.apikey_models",
    "ilteo.status.models",
    "ilteo.benefits.models",
    "ilteo.desk.models",
    "ilteo.safety.models",
)


def import_all_models() -> None:
    """Import every room's table definitions onto ``Base.metadata``."""
    for name in MODEL_MODULES:
        importlib.import_module(name)
