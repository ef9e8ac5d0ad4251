"""Provider and fetch work asked for from the web, run outside the request.

A breaking-news interpretation fetches a page and calls the provider; a
rewrite calls the provider, up to ``max_revisions`` + 1 times. Either can take
minutes with a slow provider, so the web form and the API only record a
:class:`~newsdesk.store.models.Job` and hand it to a runner: a Prefect
deployment run (``desk-job``, see ``flows/jobs.py``) when a Prefect API is
configured, else :class:`LocalRunner`, a worker thread in the web process. The
page and ``GET /api/jobs/{id}`` show the job's state
(queued → running → done | failed); :func:`run_job` is the one function every
runner calls.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsdesk.config import JobsConfig, Settings
from newsdesk.errors import NewsdeskError, NotFound, TooManyJobs
from newsdesk.store.db import Database, lock_for_write, lock_key
from newsdesk.store.models import Job
from newsdesk.store.reading import Store, reading
from newsdesk.store.types import utcnow

if TYPE_CHECKING:
    from newsdesk.drafting.llm import Provider

log = logging.getLogger(__name__)
KINDS = ("breaking", "redraft")
LABELS = {"queued": "排队中", "running": "进行中", "done": "已完成", "failed": "失败"}


@dataclass(frozen=True)
class JobView:
    id: str
    kind: str
    state: str
    label: str
    draft_id: int | None
    error: str | None
    requested_by: str
    runner: str
    created_at: datetime
    finished_at: datetime | None

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "kind": self.kind,
            "state": self.state,
            "draft_id": self.draft_id,
            "error": self.error,
            "requested_by": self.requested_by,
            "runner": self.runner,
            "created_at": self.created_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
        }


def _view(job: Job) -> JobView:
    return JobView(
        job.id,
        job.kind,
        job.status,
        LABELS.get(job.status, job.status),
        job.draft_id,
        job.error,
        job.requested_by,
        job.runner,
        job.created_at,
        job.finished_at,
    )


class Runner(Protocol):
    """Starts a recorded job somewhere else than the request that asked for it."""

    name: str

    def submit(self, job_id: str) -> str | None:
        """Start the job; return an external id (a flow run id) if there is one."""


class LocalRunner:
    """Worker threads in this process: the default when no Prefect API is configured.

    Breaking news (a page fetch, then drafting) and rewrites have threads of their own
    (``jobs.fetch_workers``, ``jobs.rewrite_workers``): six breaking URLs on a slow server
    held both shared threads and a rewrite waited 61 s behind them.
    """

    name = "local"

    def __init__(
        self,
        db: Database,
        settings: Settings,
        provider: Callable[[Settings], Provider] | None = None,
    ) -> None:
        self.db, self.settings, self.provider = db, settings, provider
        workers = {
            "breaking": settings.jobs.fetch_workers,
            "redraft": settings.jobs.rewrite_workers,
        }
        self._pools = {
            kind: ThreadPoolExecutor(max_workers=count, thread_name_prefix=f"newsdesk-{kind}")
            for kind, count in workers.items()
        }

    def submit(self, job_id: str) -> str | None:
        pool = self._pools[get_job(self.db, job_id).kind]
        pool.submit(run_job, self.db, self.settings, job_id, self.provider)
        return None

    def shutdown(self) -> None:
        for pool in self._pools.values():
            pool.shutdown(wait=True, cancel_futures=False)


def _within_quota(session: Session, quota: JobsConfig, requested_by: str) -> None:
    """Refuse a job past the account's rate or the queue's bound (one token queued 300 jobs
    in 16 s). Counted under the store's write lock, so concurrent requests cannot both pass."""
    lock_for_write(session, lock_key("newsdesk.jobs"))
    recent = session.scalar(
        select(func.count())
        .select_from(Job)
        .where(Job.requested_by == requested_by, Job.created_at >= utcnow() - timedelta(minutes=1))
    )
    if recent and recent >= quota.per_user_per_minute:
        raise TooManyJobs(
            f"请求过于频繁 / {requested_by} asked for {recent} jobs in the last minute "
            f"(at most {quota.per_user_per_minute}, jobs.per_user_per_minute): try again shortly"
        )
    waiting = session.scalar(select(func.count()).select_from(Job).where(Job.status == "queued"))
    if waiting and waiting >= quota.max_queued:
        raise TooManyJobs(
            f"任务排队已满 / {waiting} jobs are waiting to start (jobs.max_queued): try again later"
        )


def check_quota(db: Database, settings: Settings, requested_by: str) -> None:
    """Raise TooManyJobs now if ``requested_by`` could not have a job: for an action (asking for a
    rewrite) that changes a draft before its job is recorded, so it is refused whole."""
    with db.session() as session:
        _within_quota(session, settings.jobs, requested_by)


def create_job(
    db: Database,
    runner: Runner,
    kind: str,
    params: Mapping[str, object],
    requested_by: str,
    draft_id: int | None = None,
    *,
    settings: Settings,
) -> JobView:
    """Record a job and start it; a runner that cannot start it leaves the job failed, not lost.

    TooManyJobs (429) when the account or the queue is over ``settings.jobs``' bounds."""
    if kind not in KINDS:
        raise NotFound(f"no job kind {kind!r}")
    job_id = str(uuid.uuid4())
    with db.session() as session:
        _within_quota(session, settings.jobs, requested_by)
        session.add(
            Job(
                id=job_id,
                kind=kind,
                params=dict(params),
                status="queued",
                requested_by=requested_by,
                draft_id=draft_id,
                runner=runner.name,
            )
        )
    try:
        external = runner.submit(job_id)
    except Exception as exc:  # any failure to start: the job says so instead of hanging queued
        _finish(
            db, job_id, "failed", error=f"无法启动 could not start: {type(exc).__name__}: {exc}"
        )
    else:
        if external:
            with db.session() as session:
                session.get_one(Job, job_id).external_id = external
    return get_job(db, job_id)


def get_job(db: Store, job_id: str) -> JobView:
    with reading(db) as session:
        job = session.get(Job, job_id)
        if job is None:
            raise NotFound(f"no job {job_id}")
        return _view(job)


def draft_jobs(db: Store, draft_id: int, limit: int = 5) -> list[JobView]:
    """The draft's newest jobs (a rewrite in progress is shown on its page)."""
    with reading(db) as session:
        jobs = session.scalars(
            select(Job).where(Job.draft_id == draft_id).order_by(Job.created_at.desc()).limit(limit)
        )
        return [_view(j) for j in jobs]


def _finish(
    db: Database, job_id: str, status: str, *, error: str | None = None, draft_id: int | None = None
) -> None:
    with db.session() as session:
        job = session.get_one(Job, job_id)
        job.status, job.error, job.finished_at = status, error, utcnow()
        if draft_id is not None:
            job.draft_id = draft_id


def run_job(
    db: Database,
    settings: Settings,
    job_id: str,
    provider: Callable[[Settings], Provider] | None = None,
) -> JobView:
    """Do the job's work (any runner calls this); a job already started is not run twice.
    ``provider``: the desk's writer by default (``drafting.service.make_provider``)."""
    # Drafting (jieba, openai: seconds) is imported by the run, not by the web app that imports
    # this module for its routes, so the review UI of `newsdesk up` answers sooner.
    from newsdesk.drafting.breaking import interpret_breaking
    from newsdesk.drafting.service import make_provider, redraft

    writer = provider or make_provider
    with db.session() as session:
        job = session.get(Job, job_id)
        if job is None:
            raise NotFound(f"no job {job_id}")
        if job.status != "queued":
            return _view(job)
        job.status, job.started_at = "running", utcnow()
        kind, params, draft_id = job.kind, dict(job.params), job.draft_id
    try:
        if kind == "breaking":
            outcome = interpret_breaking(
                db,
                settings,
                str(params["request"]),
                writer(settings),
                note=_text(params.get("note")),
            )
            draft_id = outcome.draft_id
        else:
            assert draft_id is not None
            redraft(db, settings, draft_id, writer(settings), _text(params.get("note")))
    except NewsdeskError as exc:
        _finish(db, job_id, "failed", error=str(exc), draft_id=draft_id)
    except Exception as exc:  # a bug must not leave the job "running" for ever
        log.exception("job %s failed", job_id)
        _finish(db, job_id, "failed", error=f"{type(exc).__name__}: {exc}", draft_id=draft_id)
    else:
        _finish(db, job_id, "done", draft_id=draft_id)
    return get_job(db, job_id)


def _text(value: object) -> str | None:
    return str(value) if value else None
