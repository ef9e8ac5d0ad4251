"""The desk a process works on: its settings and its store, opened the same way by the CLI,
the Prefect tasks and the web app (tasks/ and flows/ never reach into the store themselves)."""

from __future__ import annotations

from dataclasses import dataclass

from newsdesk.config import Settings, load_settings
from newsdesk.store.db import Database, open_database


@dataclass(frozen=True, eq=False)  # hashed by identity: a reopened desk is a new key
class Desk:
    settings: Settings
    db: Database

    def close(self) -> None:
        self.db.dispose()


def open_store(settings: Settings, *, upgrade: bool = True) -> Database:
    """The desk's database, migrated to the newest schema unless ``upgrade`` is false."""
    return open_database(settings.resolved_database_url, upgrade=upgrade)


def open_desk(settings: Settings | None = None) -> Desk:
    """The desk of ``settings`` (default: desk.yaml and ``NEWSDESK_*``, as ``load_settings``)."""
    settings = settings or load_settings()
    return Desk(settings, open_store(settings))
