"""Topics flow: rank the day's hot topics (after each ingest, and before each slot's brief)."""

from __future__ import annotations

from datetime import date

from prefect import flow

from tasks.topics import detect_topics


@flow(name="topics", log_prints=True)
def topics_flow(day: date | None = None) -> list[dict[str, object]]:
    topics = detect_topics(day)
    print(f"topics: {', '.join(t.label for t in topics[:5]) or 'none'}")
    return [
        {"label": t.label, "score": t.score, "stories": t.stories, "sources": t.sources}
        for t in topics
    ]


if __name__ == "__main__":
    topics_flow()
