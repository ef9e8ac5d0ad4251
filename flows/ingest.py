"""Ingest flow: every enabled source through fetch -> parse -> store, a few at a time."""

from __future__ import annotations

from prefect import allow_failure, flow, unmapped
from prefect.artifacts import create_table_artifact
from prefect.task_runners import ThreadPoolTaskRunner

from tasks.desk import desk
from tasks.ingest import fetch_source, parse_source, register_all, store_sources
from tasks.topics import detect_topics


class FetchThreads(ThreadPoolTaskRunner):
    """``fetch.concurrency`` threads, read from the desk when a run starts (Prefect makes each
    run's task runner with ``duplicate()``), not when the module is imported: a worker that
    stays up sees desk.yaml as it is at each run."""

    def duplicate(self) -> ThreadPoolTaskRunner:
        return ThreadPoolTaskRunner(max_workers=desk().settings.fetch.concurrency)


@flow(name="ingest", task_runner=FetchThreads(), log_prints=True)
def ingest_flow(sources: list[str] | None = None, force: bool = False) -> list[dict[str, object]]:
    """Fetch the named sources (default: all enabled), store new items, re-rank today's topics."""
    settings = desk().settings
    names = sources or [s.name for s in settings.sources if s.enabled]
    for name in names:
        settings.source(name)
    register_all()
    fetched = fetch_source.map(names, force=unmapped(force))
    parsed = parse_source.map(fetched)
    # Fetched and parsed a source at a time (the UI shows which one failed), stored together:
    # a few short transactions for all of them. A source whose task failed does not stop the
    # others' store (allow_failure); it ends failed in the summary.
    stored = store_sources(names, [allow_failure(future) for future in parsed])
    summary = [run.summary() for run in stored]
    create_table_artifact(
        key="ingest-summary", table=summary, description="new / duplicate items per source"
    )
    print(f"ingest: {sum(int(s['new']) for s in summary)} new items from {len(summary)} sources")
    detect_topics()
    return summary


if __name__ == "__main__":
    ingest_flow()
