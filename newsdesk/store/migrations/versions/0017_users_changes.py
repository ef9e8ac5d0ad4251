"""store_changes 'users': a counter the database bumps in every transaction that changes users or
API tokens, so the web app can keep who a session cookie or a token signs in and look them up
again only after a change (a disabled account, a logout everywhere, a revoked token)

Counted as 0016 counts drafts: by triggers, whoever writes; on PostgreSQL once per transaction at
commit (a deferred constraint trigger), on SQLite per row.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 12:20:00
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

COUNTED = ("users", "api_tokens")
BUMP = "UPDATE store_changes SET count = count + 1 WHERE name = 'users'"
# search_path as it is now: the function finds store_changes in this schema whoever writes.
PG_FUNCTION = f"""
CREATE FUNCTION store_changes_users() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    IF current_setting('newsdesk.users_counted', true) IS DISTINCT FROM 'on' THEN
        {BUMP};
        PERFORM set_config('newsdesk.users_counted', 'on', true);
    END IF;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    op.execute("INSERT INTO store_changes (name, count) VALUES ('users', 0)")
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute(PG_FUNCTION)
    for table in COUNTED:
        if postgres:
            op.execute(
                f"CREATE CONSTRAINT TRIGGER {table}_changes AFTER INSERT OR UPDATE OR DELETE "
                f"ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                "EXECUTE FUNCTION store_changes_users()"
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
        op.execute("DROP FUNCTION store_changes_users()")
    op.execute("DELETE FROM store_changes WHERE name = 'users'")
