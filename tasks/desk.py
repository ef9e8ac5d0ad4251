"""The desk a worker process runs: settings and database, loaded once per process.

Workers read the same desk.yaml and ``NEWSDESK_*`` environment as the CLI, so
a flow run and ``newsdesk ingest`` on the same machine see the same store.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from newsdesk.config import Settings, load_settings
from newsdesk.store.db import Database, open_database


@dataclass(frozen=True, eq=False)  # hashed by identity: a reset desk is a new key
class Desk:
    settings: Settings
    db: Database


@cache
def desk() -> Desk:
    settings = load_settings()
    return Desk(settings, open_database(settings.resolved_database_url))


def reset_desk() -> None:
    """Forget the cached desk (tests switch config and database between runs)."""
    if desk.cache_info().currsize:
        desk().db.dispose()
    desk.cache_clear()
