"""store_changes 'users' and 'metrics': counters the database bumps in every transaction that
changes users or API tokens (who a session cookie or token signs in: a disabled account, a logout
everywhere, a revoked token), or what a closed period's metrics page shows besides its drafts (the
daily snapshots, the sources and their runs of failures), so the web app keeps them while they
stand (how it is counted: ``newsdesk/store/migrations/counters.py``)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 12:20:00
"""

from __future__ import annotations

from newsdesk.store.migrations.counters import add_counter, drop_counter

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

USERS: dict[str, str | None] = {"users": None, "api_tokens": None}
# A source's fetch state is written on every fetch; the page shows only its run of failures.
METRICS: dict[str, str | None] = {
    "daily_metrics": None,
    "sources": None,
    "fetch_state": "OLD.error_count <> NEW.error_count",
}


def upgrade() -> None:
    add_counter("users", USERS)
    add_counter("metrics", METRICS)


def downgrade() -> None:
    drop_counter("metrics", METRICS)
    drop_counter("users", USERS)
