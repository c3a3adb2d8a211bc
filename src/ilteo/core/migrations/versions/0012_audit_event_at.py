"""identity room: index the audit log by (event, at) for per-week reports

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-21 11:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("identity_audit", schema=None) as batch_op:
        batch_op.create_index("ix_identity_audit_event_at", ["event", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("identity_audit", schema=None) as batch_op:
        batch_op.drop_index("ix_identity_audit_event_at")
