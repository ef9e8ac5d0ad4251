"""Ingest tasks: a fetch and a parse per source, so the Prefect UI shows where a source
failed, then one store for them all.

Feed errors are recorded on the source and returned, not raised: retries
here are for infrastructure trouble (a locked database, a dropped
connection), not for a feed that is down, which has its own backoff. The
store records a source's failure against that source and goes on with the
others; a source whose store failed is fetched again in full at the next
run (its validators are saved only with its items).
"""

from __future__ import annotations

from datetime import UTC, datetime

from prefect import task
from prefect.cache_policies import NO_CACHE

from newsdesk.feeds.ingest import (
    SourceRun,
    fetch_step,
    parse_step,
    register_sources,
    store_steps,
)
from newsdesk.feeds.run import error_run
from tasks.desk import desk


@task(retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
def register_all() -> None:
    """desk.yaml's sources in the store once per flow, before the fetch fan-out."""
    d = desk()
    register_sources(d.db, d.settings)


# No Prefect timeouts on the fan-out tasks: they run in worker threads, where Prefect
# cannot interrupt a blocking call and only logs a warning per run. The real limits
# are in newsdesk: fetch.total_timeout (a wall-clock deadline per fetch), llm.timeout.
@task(
    retries=2,
    retry_delay_seconds=[2, 10],
    cache_policy=NO_CACHE,
    task_run_name="fetch-{name}",
)
def fetch_source(name: str, force: bool = False) -> SourceRun:
    d = desk()
    return fetch_step(d.db, d.settings, name, force=force)


@task(retries=1, cache_policy=NO_CACHE, task_run_name="parse-{run.name}")
def parse_source(run: SourceRun) -> SourceRun:
    d = desk()
    return parse_step(d.db, d.settings, run)


@task(retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
def store_sources(names: list[str], runs: list[object]) -> list[SourceRun]:
    """The parsed runs of ``names`` stored together (``store_steps``): the small ones up to a
    batch of entries per transaction, a big one in batches of its own. One task and one
    transaction per source cost three times as much (3.2-3.9 s CPU against 1.3-1.5 s for 200
    feeds). ``runs`` holds, for a source whose fetch or parse task failed after its retries,
    what Prefect gives for it (the exception, or nothing): that source ends failed, the
    others are stored."""
    d = desk()
    now = datetime.now(UTC)
    parsed = [(run, now) for run in runs if isinstance(run, SourceRun)]
    stored = {run.name: run for run in store_steps(d.db, d.settings, parsed)}
    return [
        stored.get(name) or error_run(name, _task_error(run))
        for name, run in zip(names, runs, strict=True)
    ]


def _task_error(outcome: object) -> BaseException:
    if isinstance(outcome, BaseException):
        return outcome
    return RuntimeError("its fetch or parse task did not finish")
