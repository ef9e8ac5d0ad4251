"""Drafting tasks: one per audience segment, provider calls under the global ``llm`` limit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import date
from functools import cache

from prefect import Task, task
from prefect.blocks.system import Secret
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import TaskRun
from prefect.runtime import task_run as this_run
from prefect.states import State

from newsdesk.drafting.llm import Provider
from newsdesk.drafting.service import DraftOutcome, make_provider, write_draft
from newsdesk.errors import ProviderUnavailable
from tasks.desk import Desk, desk
from tasks.llm_limit import llm_slot, llm_slots


def _secret(block: str) -> str:
    return Secret.load(block).get()


@cache
def provider_for(d: Desk, name: str | None) -> Provider:
    """One provider per desk and process: its HTTP connection pool serves every task."""
    return make_provider(d.settings, name=name, secret=_secret, limiter=_llm_slot)


def _llm_slot() -> AbstractContextManager[None]:
    return llm_slot(desk().settings)


@contextmanager
def llm_calls(calls: int, provider: str | None) -> Iterator[None]:
    """Around a flow's provider calls: the process's llm slot pool is open for the block, and
    takes free slots for the first ``calls`` calls before they start.

    Only a provider that calls out holds slots (the offline composer does not).
    """
    settings = desk().settings
    if (provider or settings.llm.provider) != "openai":
        yield
        return
    with llm_slots(settings) as pool, pool.expecting(calls):
        yield


def provider_down(task: Task[..., object], run: TaskRun, state: State[object]) -> bool:
    """Retry only a provider that did not answer this time; anything else is not transient."""
    try:
        state.result()
    except ProviderUnavailable:
        return True
    except Exception:
        return False
    return False


# Mapped, so in a worker thread: no Prefect timeout (it cannot interrupt a provider call);
# each call is bounded by llm.timeout and llm.retries in newsdesk/drafting/llm.py.
@task(
    retries=1,
    retry_delay_seconds=10,
    retry_condition_fn=provider_down,
    cache_policy=NO_CACHE,
    task_run_name="draft-{slot}-{segment}",
)
def draft_segment(
    slot: str, day: date, segment: str = "", provider: str | None = None, new_version: bool = False
) -> DraftOutcome:
    """One segment's draft. While retries are left a provider that is down fails the task run,
    so Prefect retries it; the last attempt puts the draft in the queue flagged instead."""
    d = desk()
    return write_draft(
        d.db,
        d.settings,
        d.settings.slot(slot),
        day,
        provider_for(d, provider),
        segment=segment,
        new_version=new_version,
        raise_unavailable=this_run.run_count <= (draft_segment.retries or 0),
    )
