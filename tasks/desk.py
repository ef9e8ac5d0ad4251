"""The desk a worker process runs: settings and database, loaded once per process.

Workers read the same desk.yaml and ``NEWSDESK_*`` environment as the CLI, so
a flow run and ``newsdesk ingest`` on the same machine see the same store.
"""

from __future__ import annotations

from functools import cache

from newsdesk.desk import Desk, open_desk

__all__ = ["Desk", "desk", "reset_desk"]


@cache
def desk() -> Desk:
    return open_desk()


def reset_desk() -> None:
    """Forget the cached desk (tests switch config and database between runs)."""
    if desk.cache_info().currsize:
        desk().close()
    desk.cache_clear()
