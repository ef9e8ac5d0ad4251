"""background jobs (breaking news, rewrites) and named API tokens

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 12:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from newsdesk.store.types import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_used_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("user_id", "name"),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])
    # Each user's one token so far keeps working, under the name "default". Read before the
    # users table is rebuilt (SQLite drops and recreates it, which would cascade to api_tokens).
    users = sa.table(
        "users",
        sa.column("id", sa.Integer),
        sa.column("token_hash", sa.String),
        sa.column("created_at", UTCDateTime()),
    )
    bind = op.get_bind()
    kept = bind.execute(
        sa.select(users.c.id, users.c.token_hash, users.c.created_at).where(
            users.c.token_hash.is_not(None)
        )
    ).all()
    with op.batch_alter_table("users") as batch:
        batch.drop_column("token_hash")
    tokens = sa.table(
        "api_tokens",
        sa.column("user_id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("token_hash", sa.String),
        sa.column("created_at", UTCDateTime()),
    )
    if kept:
        op.bulk_insert(
            tokens,
            [
                {"user_id": i, "name": "default", "token_hash": h, "created_at": c}
                for i, h, c in kept
            ],
        )
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column(
            "draft_id", sa.Integer(), sa.ForeignKey("drafts.id", ondelete="CASCADE"), nullable=True
        ),
        sa.Column("runner", sa.String(16), nullable=False),
        sa.Column("external_id", sa.String(64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_jobs_draft_id", "jobs", ["draft_id"])


def downgrade() -> None:
    op.drop_index("ix_jobs_draft_id", "jobs")
    op.drop_table("jobs")
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("token_hash", sa.String(64), nullable=True))
    op.drop_index("ix_api_tokens_user_id", "api_tokens")
    op.drop_table("api_tokens")
