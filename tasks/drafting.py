"""Drafting tasks: one per audience segment, provider calls under the global ``llm`` limit."""

from __future__ import annotations

from datetime import date
from functools import cache

from prefect import task
from prefect.blocks.system import Secret
from prefect.cache_policies import NO_CACHE

from newsdesk.drafting.llm import Provider
from newsdesk.drafting.service import DraftOutcome, make_provider, write_draft
from tasks.desk import Desk, desk
from tasks.llm_limit import llm_slot


def _secret(block: str) -> str:
    return Secret.load(block).get()


@cache
def provider_for(d: Desk, name: str | None) -> Provider:
    """One provider per desk and process: its HTTP connection pool serves every task."""
    return make_provider(d.settings, name=name, secret=_secret, limiter=_llm_slot)


def _llm_slot():  # type: ignore[no-untyped-def]
    settings = desk().settings
    return llm_slot(settings.llm.concurrency_limit, settings.orchestration.slot_lease_seconds)


# Mapped, so in a worker thread: no Prefect timeout (it cannot interrupt a provider call);
# each call is bounded by llm.timeout and llm.retries in newsdesk/drafting/llm.py.
@task(
    retries=1,
    retry_delay_seconds=10,
    cache_policy=NO_CACHE,
    task_run_name="draft-{slot}-{segment}",
)
def draft_segment(
    slot: str, day: date, segment: str = "", provider: str | None = None, new_version: bool = False
) -> DraftOutcome:
    d = desk()
    return write_draft(
        d.db,
        d.settings,
        d.settings.slot(slot),
        day,
        provider_for(d, provider),
        segment=segment,
        new_version=new_version,
    )
