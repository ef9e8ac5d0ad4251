"""drafts without text leave the review queue: pending_review with no version becomes drafting

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_drafts = sa.table("drafts", sa.column("state", sa.String), sa.column("version", sa.Integer))


def _move(old: str, new: str, where: sa.ColumnElement[bool]) -> None:
    # A data repair at upgrade time, not a review transition: no audit row, no version bump.
    op.execute(_drafts.update().where(_drafts.c.state == old, where).values({"state": new}))


def upgrade() -> None:
    # Left by runs killed mid-draft: approvable, and publishing them failed every minute.
    _move("pending_review", "drafting", _drafts.c.version == 0)


def downgrade() -> None:
    _move("drafting", "pending_review", sa.true())
