"""posts per (draft, version, channel): stored text, parts delivered, claim, correction link

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import newsdesk.store.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# 0005 left the old unique constraint unnamed: this names it on SQLite, where batch
# mode reflects it; PostgreSQL named it posts_draft_id_channel_key.
NAMING = {"uq": "%(table_name)s_%(column_0_N_name)s_key"}


def upgrade() -> None:
    with op.batch_alter_table("posts", naming_convention=NAMING) as batch_op:
        batch_op.drop_constraint("posts_draft_id_channel_key", type_="unique")
        batch_op.add_column(sa.Column("body", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("parts", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(
            sa.Column("parts_sent", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("corrects_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("claim", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("claimed_at", newsdesk.store.types.UTCDateTime(), nullable=True)
        )
        batch_op.create_foreign_key(
            "fk_posts_corrects_id", "posts", ["corrects_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_unique_constraint(
            "uq_posts_draft_version_channel", ["draft_id", "version", "channel"]
        )
    # Posts sent before parts were counted went out whole.
    op.execute("UPDATE posts SET parts_sent = parts WHERE state = 'sent'")


def downgrade() -> None:
    # Posts of later versions cannot be kept under the old (draft, channel) key.
    op.execute(
        "DELETE FROM posts WHERE version < (SELECT MAX(p.version) FROM posts p "
        "WHERE p.draft_id = posts.draft_id AND p.channel = posts.channel)"
    )
    with op.batch_alter_table("posts", naming_convention=NAMING) as batch_op:
        batch_op.drop_constraint("uq_posts_draft_version_channel", type_="unique")
        batch_op.drop_constraint("fk_posts_corrects_id", type_="foreignkey")
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("claim")
        batch_op.drop_column("corrects_id")
        batch_op.drop_column("parts_sent")
        batch_op.drop_column("parts")
        batch_op.drop_column("body")
        batch_op.create_unique_constraint("posts_draft_id_channel_key", ["draft_id", "channel"])
