"""The operational store: SQLAlchemy 2 engines and sessions, SQLite by default, PostgreSQL by URL.

Engines are created on first use and cached per URL; nothing connects at import time. The schema is
owned by Alembic (:func:`upgrade`); tests and the demo call it instead of ``create_all``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from ilteo.core.settings import Settings, get_settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every operational-store table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]  # DB-API connection object
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


@lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    """Return the engine for ``url`` (one per URL per process)."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True)


def engine_for(settings: Settings | None = None) -> Engine:
    """The engine of the configured operational store."""
    return get_engine((settings or get_settings()).sqlalchemy_url)


@contextmanager
def session_scope(settings: Settings | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    factory = sessionmaker(engine_for(settings), expire_on_commit=False)
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def upgrade(settings: Settings | None = None, revision: str = "head") -> None:
    """Bring the operational store's schema to ``revision`` with Alembic."""
    from alembic import command
    from alembic.config import Config

    settings = settings or get_settings()
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.attributes["url"] = settings.sqlalchemy_url
    command.upgrade(config, revision)


def current_revision(settings: Settings | None = None) -> str | None:
    """The Alembic revision the store is at, or ``None`` if it was never migrated."""
    from alembic.runtime.migration import MigrationContext

    with engine_for(settings).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
