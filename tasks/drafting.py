"""Drafting tasks: one per audience segment, provider calls under the global ``llm`` limit."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from datetime import date
from functools import cache

from prefect import task
from prefect.blocks.system import Secret
from prefect.cache_policies import NO_CACHE

from newsdesk.drafting.llm import Provider
from newsdesk.drafting.service import DraftOutcome, make_provider, write_draft
from newsdesk.slot_pool import SlotPool
from tasks.desk import Desk, desk
from tasks.llm_limit import slot_pool


def _secret(block: str) -> str:
    return Secret.load(block).get()


@cache
def provider_for(d: Desk, name: str | None) -> Provider:
    """One provider per desk and process: its HTTP connection pool serves every task."""
    return make_provider(d.settings, name=name, secret=_secret, limiter=_llm_slot)


def _llm_pool() -> SlotPool:
    settings = desk().settings
    conf = settings.orchestration
    return slot_pool(
        settings.llm.concurrency_limit, conf.slot_lease_seconds, conf.slot_poll_seconds
    )


def _llm_slot() -> AbstractContextManager[None]:
    return _llm_pool().slot()


def expecting_llm_calls(calls: int, provider: str | None) -> AbstractContextManager[None]:
    """Before a fan-out: the process takes free llm slots for its drafts' first calls.

    Only a provider that calls out holds slots (the offline composer does not).
    """
    if (provider or desk().settings.llm.provider) != "openai":
        return nullcontext()
    return _llm_pool().expecting(calls)


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
