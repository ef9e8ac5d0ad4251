"""store_changes: a counter the database bumps in every transaction that changes drafts or their
versions, so a page rendered once (the review queue) is served again while it stands

The triggers count every writer (the review service, the drafting flows, another process, a
hand-written UPDATE), so a reader needs no promise from the code that writes. PostgreSQL bumps
the counter once per transaction, at commit (a deferred constraint trigger): the counter row is
then the last lock a transaction takes, so it adds no lock-order deadlock to writers that hold
draft rows (``with_for_update``), and concurrent writers queue on it only while they commit.
SQLite has one writer at a time: a plain trigger per row.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 11:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

COUNTED = ("drafts", "draft_versions")
BUMP = "UPDATE store_changes SET count = count + 1 WHERE name = 'drafts'"
# search_path as it is now: the function finds store_changes in this schema whoever writes.
PG_FUNCTION = f"""
CREATE FUNCTION store_changes_drafts() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    IF current_setting('newsdesk.drafts_counted', true) IS DISTINCT FROM 'on' THEN
        {BUMP};
        PERFORM set_config('newsdesk.drafts_counted', 'on', true);
    END IF;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    op.create_table(
        "store_changes",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("count", sa.BigInteger(), nullable=False, server_default="0"),
    )
    op.execute("INSERT INTO store_changes (name, count) VALUES ('drafts', 0)")
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute(PG_FUNCTION)
    for table in COUNTED:
        if postgres:
            op.execute(
                f"CREATE CONSTRAINT TRIGGER {table}_changes AFTER INSERT OR UPDATE OR DELETE "
                f"ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                "EXECUTE FUNCTION store_changes_drafts()"
            )
            continue
        for event in ("insert", "update", "delete"):
            op.execute(
                f"CREATE TRIGGER {table}_{event}_changes AFTER {event.upper()} ON {table} "
                f"BEGIN {BUMP}; END"
            )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in COUNTED:
        if postgres:
            op.execute(f"DROP TRIGGER {table}_changes ON {table}")
            continue
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER {table}_{event}_changes")
    if postgres:
        op.execute("DROP FUNCTION store_changes_drafts()")
    op.drop_table("store_changes")
