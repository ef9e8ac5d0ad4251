"""items.story_id: the story an item belongs to (its lead item's id), stored by topic detection

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 13:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (SQLite too): no table rebuild of a large items table.
    op.add_column("items", sa.Column("story_id", sa.Integer(), nullable=True))
    op.create_index("ix_items_story_id", "items", ["story_id"])


def downgrade() -> None:
    op.drop_index("ix_items_story_id", table_name="items")
    with op.batch_alter_table("items") as batch:
        batch.drop_column("story_id")
