"""The operational store migrates and answers on SQLite and on PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect, text

from ilteo.core.db import current_revision, engine_for, session_scope, upgrade
from ilteo.core.settings import Settings


def test_upgrade_creates_the_schema(db_settings: Settings) -> None:
    assert current_revision(db_settings) is None
    upgrade(db_settings)
    head = current_revision(db_settings)
    assert head is not None
    tables = set(inspect(engine_for(db_settings)).get_table_names())
    assert "alembic_version" in tables
    assert "reference_events" in tables
    upgrade(db_settings)  # idempotent
    assert current_revision(db_settings) == head


def test_session_rolls_back_on_error(db_settings: Settings) -> None:
    upgrade(db_settings)
    with session_scope(db_settings) as session:
        session.execute(text("CREATE TABLE scratch (id INTEGER PRIMARY KEY)"))
    try:
        with session_scope(db_settings) as session:
            session.execute(text("INSERT INTO scratch (id) VALUES (1)"))
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with session_scope(db_settings) as session:
        assert session.execute(text("SELECT count(*) FROM scratch")).scalar_one() == 0
