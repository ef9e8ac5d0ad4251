"""fetch attempts: each fetch's outcome, for feed errors per period

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 17:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import newsdesk.store.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fetch_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("at", newsdesk.store.types.UTCDateTime(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_fetch_attempts_at", "fetch_attempts", ["at"])
    op.create_index("ix_fetch_attempts_source_id", "fetch_attempts", ["source_id"])


def downgrade() -> None:
    op.drop_index("ix_fetch_attempts_source_id", table_name="fetch_attempts")
    op.drop_index("ix_fetch_attempts_at", table_name="fetch_attempts")
    op.drop_table("fetch_attempts")
