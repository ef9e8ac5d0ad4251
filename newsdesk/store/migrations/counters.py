"""Change counters: a ``store_changes`` row that the database's triggers bump in every transaction
changing some tables, so a page made from them is served again while its count stands
(``newsdesk.web.changes``). Created by migrations 0016 (drafts) and 0017 (users, metrics).

The triggers count every writer (the review service, the flows, another process, a hand-written
UPDATE), so a reader needs no promise from the code that writes. PostgreSQL bumps a counter once
per transaction, at commit (a deferred constraint trigger): the counter row is then the last
lock a transaction takes, so it adds no lock-order deadlock to writers that hold rows
(``with_for_update``), and concurrent writers queue on it only while they commit. SQLite has
one writer at a time: a plain trigger per row.

This module is part of the migrations' history: what it writes for a counter must stay what
those migrations wrote.
"""

from __future__ import annotations

from alembic import op

EVENTS = ("insert", "update", "delete")


def _bump(name: str) -> str:
    return f"UPDATE store_changes SET count = count + 1 WHERE name = '{name}'"


def _pg_triggers(table: str, condition: str | None) -> dict[str, tuple[str, str | None]]:
    """PostgreSQL's triggers on ``table`` by name: their events and condition."""
    if condition is None:
        return {f"{table}_changes": ("INSERT OR UPDATE OR DELETE", None)}
    return {
        f"{table}_changes": ("INSERT OR DELETE", None),
        f"{table}_update_changes": ("UPDATE", condition),
    }


def add_counter(name: str, tables: dict[str, str | None]) -> None:
    """The counter ``name``, bumped by any change to ``tables``; a table's condition (on ``OLD``
    and ``NEW``), when it has one, limits the updates that count to those it holds for."""
    op.execute(f"INSERT INTO store_changes (name, count) VALUES ('{name}', 0)")
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        # search_path as it is now: the function finds store_changes in this schema whoever writes.
        op.execute(
            f"""
CREATE FUNCTION store_changes_{name}() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    IF current_setting('newsdesk.{name}_counted', true) IS DISTINCT FROM 'on' THEN
        {_bump(name)};
        PERFORM set_config('newsdesk.{name}_counted', 'on', true);
    END IF;
    RETURN NULL;
END $$
"""
        )
    for table, condition in tables.items():
        if postgres:
            for trigger, (events, when) in _pg_triggers(table, condition).items():
                op.execute(
                    f"CREATE CONSTRAINT TRIGGER {trigger} AFTER {events} ON {table} "
                    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                    f"{f'WHEN ({when}) ' if when else ''}"
                    f"EXECUTE FUNCTION store_changes_{name}()"
                )
            continue
        for event in EVENTS:
            when = f"WHEN {condition} " if condition and event == "update" else ""
            op.execute(
                f"CREATE TRIGGER {table}_{event}_changes AFTER {event.upper()} ON {table} "
                f"{when}BEGIN {_bump(name)}; END"
            )


def drop_counter(name: str, tables: dict[str, str | None]) -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, condition in tables.items():
        if postgres:
            for trigger in _pg_triggers(table, condition):
                op.execute(f"DROP TRIGGER {trigger} ON {table}")
            continue
        for event in EVENTS:
            op.execute(f"DROP TRIGGER {table}_{event}_changes")
    if postgres:
        op.execute(f"DROP FUNCTION store_changes_{name}()")
    op.execute(f"DELETE FROM store_changes WHERE name = '{name}'")
