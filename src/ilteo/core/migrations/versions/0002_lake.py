"""lake room: batches, quarantine, quality, master events

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 06:27:53.235877
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "lake_batches",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("origin", sa.Text(), nullable=False),
        sa.Column("file_format", sa.String(length=16), nullable=False),
        sa.Column("encoding", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("received_rows", sa.Integer(), nullable=False),
        sa.Column("accepted_rows", sa.Integer(), nullable=False),
        sa.Column("quarantined_rows", sa.Integer(), nullable=False),
        sa.Column("retry_of", sa.String(length=80), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lake_batches")),
        sa.UniqueConstraint("source", "content_sha256", name=op.f("uq_lake_batches_source")),
    )
    with op.batch_alter_table("lake_batches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lake_batches_source"), ["source"], unique=False)
        batch_op.create_index(batch_op.f("ix_lake_batches_status"), ["status"], unique=False)

    op.create_table(
        "lake_master_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("event", sa.String(length=12), nullable=False),
        sa.Column("master_ids", sa.JSON(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("run_id", sa.String(length=80), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lake_master_events")),
    )
    with op.batch_alter_table("lake_master_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lake_master_events_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_lake_master_events_event"), ["event"], unique=False)
        batch_op.create_index(batch_op.f("ix_lake_master_events_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_lake_master_events_run_id"), ["run_id"], unique=False)

    op.create_table(
        "lake_quality",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.String(length=80), nullable=True),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("field", sa.String(length=120), nullable=True),
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("below_threshold", sa.Boolean(), nullable=False),
        sa.Column("measured_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lake_quality")),
    )
    with op.batch_alter_table("lake_quality", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lake_quality_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_lake_quality_below_threshold"), ["below_threshold"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_lake_quality_measured_at"), ["measured_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_lake_quality_source"), ["source"], unique=False)

    op.create_table(
        "lake_quarantine",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.String(length=80), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=120), nullable=False),
        sa.Column("column", sa.String(length=120), nullable=True),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("resolved_batch_id", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["lake_batches.id"], name=op.f("fk_lake_quarantine_batch_id_lake_batches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lake_quarantine")),
    )
    with op.batch_alter_table("lake_quarantine", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lake_quarantine_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_lake_quarantine_source"), ["source"], unique=False)
        batch_op.create_index(batch_op.f("ix_lake_quarantine_status"), ["status"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("lake_quarantine", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lake_quarantine_status"))
        batch_op.drop_index(batch_op.f("ix_lake_quarantine_source"))
        batch_op.drop_index(batch_op.f("ix_lake_quarantine_batch_id"))

    op.drop_table("lake_quarantine")
    with op.batch_alter_table("lake_quality", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lake_quality_source"))
        batch_op.drop_index(batch_op.f("ix_lake_quality_measured_at"))
        batch_op.drop_index(batch_op.f("ix_lake_quality_below_threshold"))
        batch_op.drop_index(batch_op.f("ix_lake_quality_batch_id"))

    op.drop_table("lake_quality")
    with op.batch_alter_table("lake_master_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lake_master_events_run_id"))
        batch_op.drop_index(batch_op.f("ix_lake_master_events_kind"))
        batch_op.drop_index(batch_op.f("ix_lake_master_events_event"))
        batch_op.drop_index(batch_op.f("ix_lake_master_events_at"))

    op.drop_table("lake_master_events")
    with op.batch_alter_table("lake_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lake_batches_status"))
        batch_op.drop_index(batch_op.f("ix_lake_batches_source"))

    op.drop_table("lake_batches")
