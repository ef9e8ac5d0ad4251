"""One source's run through ingest's steps (fetch -> parse -> store): the record each step
takes and returns advanced, and how a run ends in failure."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from newsdesk.config import Settings
from newsdesk.entries import Entry
from newsdesk.errors import FeedError, NewsdeskError
from newsdesk.feeds.fetch import FetchResponse
from newsdesk.store.db import Database
from newsdesk.store.sources import get_source, record_failure

# Terminal states: later steps pass these through unchanged.
SKIPPED, UNCHANGED, FAILED, DONE = "skipped", "unchanged", "failed", "done"


@dataclass(frozen=True)
class SourceRun:
    name: str
    status: str = "pending"
    responses: tuple[FetchResponse, ...] = ()
    entries: tuple[Entry, ...] = ()
    bodies: dict[str, str] = field(default_factory=dict)
    data: dict[str, dict[str, Any]] = field(default_factory=dict)  # guid -> structured figures
    new: int = 0
    duplicates: int = 0
    error: str | None = None
    parser: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in (SKIPPED, UNCHANGED, FAILED, DONE)

    def summary(self) -> dict[str, object]:
        return {
            "source": self.name,
            "status": self.status,
            "new": self.new,
            "duplicates": self.duplicates,
            "error": self.error,
        }


def now_utc() -> datetime:
    return datetime.now(UTC)


def fail(
    db: Database, settings: Settings, run: SourceRun, error: Exception, now: datetime
) -> SourceRun:
    """Record ``error`` against the source (counter, backoff) and end its run.

    Any exception, not only a FeedError: a feed that trips a bug in a parser or
    a library must back off like any failing feed, not fail every run.
    """
    if not isinstance(error, NewsdeskError):
        error = FeedError(f"{type(error).__name__}: {error}")
    with db.session() as session:
        source = get_source(session, run.name)
        if source is not None:
            record_failure(source.state, now, error, settings.fetch)
    return replace(run, status=FAILED, error=str(error), responses=(), entries=())


def error_run(name: str, error: BaseException) -> SourceRun:
    return SourceRun(name, status=FAILED, error=f"{type(error).__name__}: {error}")
