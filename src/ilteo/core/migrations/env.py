"""Alembic environment: the URL comes from ilteo settings or the caller, never an ini file."""

from __future__ import annotations

from alembic import context

from ilteo.core.db import Base, get_engine
from ilteo.core.models import import_all_models
from ilteo.core.settings import get_settings

import_all_models()
config = context.config
url = config.attributes.get("url") or get_settings().sqlalchemy_url


def run_offline() -> None:
    """Emit SQL without a connection (``alembic upgrade --sql``)."""
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Apply migrations on a live connection."""
    with get_engine(url).connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
