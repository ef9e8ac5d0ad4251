"""Daily metrics flow: yesterday's figures stored, a table artifact and a markdown summary."""

from __future__ import annotations

from datetime import date, timedelta

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from newsdesk.clock import desk_clock
from newsdesk.metrics.compute import Metrics
from newsdesk.metrics.display import summary
from newsdesk.metrics.store import snapshot_day
from newsdesk.metrics.tables import table
from newsdesk.timetable import working_day
from tasks.desk import desk


@task(retries=1, timeout_seconds=300, cache_policy=NO_CACHE)
def compute_day(day: date) -> Metrics:
    d = desk()
    return snapshot_day(d.db, d.settings, day)


@flow(name="daily-metrics", log_prints=True)
def daily_metrics(day: date | None = None) -> dict[str, object]:
    """Figures for ``day`` (default: the day before the desk's working day)."""
    settings = desk().settings
    day = day or working_day(settings, desk_clock(settings).now()) - timedelta(days=1)
    metrics = compute_day(day)
    data = metrics.as_json()
    create_table_artifact(
        key="daily-metrics",
        table=table(metrics, "slots"),
        description=f"日报 {day}: fill rate per slot",
    )
    failures = ", ".join(f"{rule} {n}" for rule, n in data["failures_by_rule"].items())
    create_markdown_artifact(
        key="daily-metrics-summary",
        markdown=f"## 日报 {day}\n\n- {summary(data)}\n- 检查未通过 check failures: {failures or '无'}\n",
    )
    print(f"daily metrics {day}: {summary(data)}")
    return data
