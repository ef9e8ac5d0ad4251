"""audit indexes for the metrics: by action, and by arrival state per draft

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 17:45:00
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_action", "audit", ["action"])
    op.create_index("ix_audit_to_state_draft", "audit", ["to_state", "draft_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_audit_to_state_draft", table_name="audit")
    op.drop_index("ix_audit_action", table_name="audit")
