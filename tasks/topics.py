"""Topic detection task."""

from __future__ import annotations

from datetime import date

from prefect import task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from newsdesk.topics.service import StoredTopic, compute_topics
from tasks.desk import desk


@task(retries=1, retry_delay_seconds=5, timeout_seconds=300, cache_policy=NO_CACHE)
def detect_topics(day: date | None = None) -> list[StoredTopic]:
    """Rank the day's hot topics, store them, and leave a table artifact."""
    d = desk()
    topics = compute_topics(d.db, d.settings, day=day)
    create_table_artifact(
        key="hot-topics",
        table=[
            {
                "topic": t.label,
                "score": round(t.score, 2),
                "stories": t.stories,
                "sources": t.sources,
            }
            for t in topics
        ],
        description="热点话题: today's ranking (topic, score, stories, sources)",
    )
    return topics
