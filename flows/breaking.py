"""Breaking-news flow: the same service the CLI, the web form and POST /api/breaking call."""

from __future__ import annotations

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from newsdesk.drafting.breaking import interpret_breaking
from newsdesk.drafting.service import DraftOutcome
from tasks.desk import desk
from tasks.drafting import llm_calls, provider_for


@task(retries=1, retry_delay_seconds=10, timeout_seconds=900, cache_policy=NO_CACHE)
def interpret(request: str, note: str | None, provider: str | None) -> DraftOutcome:
    d = desk()
    return interpret_breaking(d.db, d.settings, request, provider_for(d, provider), note=note)


@flow(name="breaking-news", log_prints=True)
def breaking_news(
    request: str, note: str | None = None, provider: str | None = None
) -> dict[str, object]:
    """突发事件解读 for a headline or URL; the draft goes first in the review queue."""
    with llm_calls(1, provider):  # the process's llm slot pool, open for the run
        outcome = interpret(request, note, provider)
    print(
        f"breaking news draft {outcome.draft_id}: {'flagged' if outcome.flagged else 'ready for review'}"
    )
    return outcome.__dict__
