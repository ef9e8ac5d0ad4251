"""store_changes: a counter the database bumps in every transaction that changes drafts or their
versions, so a page rendered once (the review queue) is served again while it stands
(how it is counted: ``newsdesk/store/migrations/counters.py``)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 11:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from newsdesk.store.migrations.counters import add_counter, drop_counter

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

COUNTED: dict[str, str | None] = {"drafts": None, "draft_versions": None}


def upgrade() -> None:
    op.create_table(
        "store_changes",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("count", sa.BigInteger(), nullable=False, server_default="0"),
    )
    add_counter("drafts", COUNTED)


def downgrade() -> None:
    drop_counter("drafts", COUNTED)
    op.drop_table("store_changes")
