"""drafts (state, day): the queue's earlier undecided drafts, counted and paged without a scan

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 06:20:00
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_drafts_state_day", "drafts", ["state", "day"])


def downgrade() -> None:
    op.drop_index("ix_drafts_state_day", table_name="drafts")
