"""status room: request logs, real-user timings, rollups, incidents, usability events, counters

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-21 11:05:12
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "status_counters",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("count", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.PrimaryKeyConstraint("day", "name", name=op.f("pk_status_counters")),
    )
    op.create_table(
        "status_incidents",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("menu", sa.String(length=48), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cause", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("peak_error_rate", sa.Float(), nullable=True),
        sa.Column("public_note_ko", sa.Text(), nullable=False),
        sa.Column("public_note_en", sa.Text(), nullable=False),
        sa.Column("postmortem", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_incidents")),
    )
    with op.batch_alter_table("status_incidents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_status_incidents_menu"), ["menu"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_status_incidents_opened_at"), ["opened_at"], unique=False
        )

    op.create_table(
        "status_requests",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("menu", sa.String(length=48), nullable=False),
        sa.Column("route", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("bytes", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("client", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("failed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_requests")),
    )
    with op.batch_alter_table("status_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_status_requests_at"), ["at"], unique=False)
        batch_op.create_index("ix_status_requests_menu_at", ["menu", "at"], unique=False)

    op.create_table(
        "status_rollups",
        sa.Column("menu", sa.String(length=48), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("grain", sa.String(length=4), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("timeouts", sa.Integer(), nullable=False),
        sa.Column("sum_ms", sa.Float(), nullable=False),
        sa.Column("hist", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("menu", "kind", "grain", "start", name=op.f("pk_status_rollups")),
    )
    op.create_table(
        "status_rum",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("menu", sa.String(length=48), nullable=False),
        sa.Column("route", sa.String(length=200), nullable=False),
        sa.Column("navigation", sa.String(length=16), nullable=False),
        sa.Column("ttfb_ms", sa.Float(), nullable=True),
        sa.Column("fcp_ms", sa.Float(), nullable=True),
        sa.Column("dcl_ms", sa.Float(), nullable=True),
        sa.Column("load_ms", sa.Float(), nullable=False),
        sa.Column("client", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_rum")),
    )
    with op.batch_alter_table("status_rum", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_status_rum_at"), ["at"], unique=False)
        batch_op.create_index("ix_status_rum_menu_at", ["menu", "at"], unique=False)

    op.create_table(
        "status_usability_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("task", sa.String(length=48), nullable=False),
        sa.Column("step", sa.String(length=48), nullable=False),
        sa.Column("visit", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_usability_events")),
    )
    with op.batch_alter_table("status_usability_events", schema=None) as batch_op:
        batch_op.create_index("ix_status_usability_task_at", ["task", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("status_usability_events", schema=None) as batch_op:
        batch_op.drop_index("ix_status_usability_task_at")

    op.drop_table("status_usability_events")
    with op.batch_alter_table("status_rum", schema=None) as batch_op:
        batch_op.drop_index("ix_status_rum_menu_at")
        batch_op.drop_index(batch_op.f("ix_status_rum_at"))

    op.drop_table("status_rum")
    op.drop_table("status_rollups")
    with op.batch_alter_table("status_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_status_requests_menu_at")
        batch_op.drop_index(batch_op.f("ix_status_requests_at"))

    op.drop_table("status_requests")
    with op.batch_alter_table("status_incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_status_incidents_opened_at"))
        batch_op.drop_index(batch_op.f("ix_status_incidents_menu"))

    op.drop_table("status_incidents")
    op.drop_table("status_counters")
