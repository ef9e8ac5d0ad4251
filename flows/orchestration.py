"""The Prefect server side of the desk, made by ``newsdesk prefect setup`` (safe to re-run).

- the process work pool, whose flow runs send a heartbeat every
  ``orchestration.heartbeat_seconds`` (``PREFECT_FLOWS_HEARTBEAT_FREQUENCY`` in
  the pool's job environment, so no worker has to remember it);
- the global concurrency limit ``llm.concurrency_limit`` of ``llm.concurrency`` slots;
- an automation that marks a desk run ``Crashed`` when its heartbeats stop for
  ``orchestration.crash_after_seconds`` (its worker machine is gone), and one
  for a run still ``Pending`` after ``orchestration.pending_crash_seconds`` (a
  worker that died between taking a run and starting it: no heartbeat ever).
  The state change releases the run's deployment concurrency slot; ``llm``
  slots the run held come back when their lease runs out (``tasks/llm_limit.py``).

The automations match runs tagged ``newsdesk`` (every deployment in
prefect.yaml carries the tag), so runs of other teams' flows on the same server,
whose heartbeats may be minutes apart, are never crashed by them.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import timedelta
from typing import Any

from newsdesk.config import Settings

DESK_TAG = "newsdesk"
HEARTBEAT_ENV = "PREFECT_FLOWS_HEARTBEAT_FREQUENCY"
CRASH_AUTOMATION = "newsdesk: crash runs whose heartbeats stopped"
PENDING_AUTOMATION = "newsdesk: crash runs that never started"
TERMINAL_EVENTS = ("Completed", "Failed", "Cancelled", "Crashed")


def api_url() -> str | None:
    """The Prefect server this process talks to (``PREFECT_API_URL``), if one is set."""
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value()


def setup(settings: Settings) -> list[tuple[str, str]]:
    """Create or update the work pool, the ``llm`` limit and the crash automation; say what changed."""
    conf = settings.orchestration
    return [
        ("work pool", ensure_pool(conf.work_pool, conf.heartbeat_seconds)),
        (
            "concurrency limit",
            ensure_limit(settings.llm.concurrency_limit, settings.llm.concurrency),
        ),
        ("automation", ensure_automation(crash_automation(conf.crash_after_seconds))),
        ("automation", ensure_automation(pending_automation(conf.pending_crash_seconds))),
    ]


def ensure_pool(name: str, heartbeat_seconds: int) -> str:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate, WorkPoolUpdate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
    from prefect.workers.process import ProcessWorker

    with get_client(sync_client=True) as client:
        try:
            pool = client.read_work_pool(name)
        except ObjectNotFound:
            template = ProcessWorker.get_default_base_job_template()
            _set_heartbeat(template, heartbeat_seconds)
            with suppress(ObjectAlreadyExists):
                client.create_work_pool(
                    WorkPoolCreate(name=name, type="process", base_job_template=template)
                )
            return f"{name}: created (process, heartbeat every {heartbeat_seconds} s)"
        if pool.type != "process":
            return (
                f"{name}: exists with type {pool.type!r}, left alone (the desk expects 'process')"
            )
        template = pool.base_job_template
        if not _set_heartbeat(template, heartbeat_seconds):
            return f"{name}: unchanged"
        client.update_work_pool(name, WorkPoolUpdate(base_job_template=template))
        return f"{name}: heartbeat set to every {heartbeat_seconds} s"


def _set_heartbeat(template: dict[str, Any], seconds: int) -> bool:
    """Put the heartbeat interval in the pool's default job environment; False if already there."""
    env = template["variables"]["properties"]["env"]
    default = dict(env.get("default") or {})
    if default.get(HEARTBEAT_ENV) == str(seconds):
        return False
    env["default"] = default | {HEARTBEAT_ENV: str(seconds)}
    return True


def ensure_limit(name: str, size: int) -> str:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import (
        GlobalConcurrencyLimitCreate,
        GlobalConcurrencyLimitUpdate,
    )
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            limit = client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            with suppress(ObjectAlreadyExists):
                client.create_global_concurrency_limit(
                    GlobalConcurrencyLimitCreate(name=name, limit=size)
                )
            return f"{name}: created ({size} slots)"
        if limit.limit == size and limit.active:
            return f"{name}: unchanged ({size} slots)"
        client.update_global_concurrency_limit(
            name, GlobalConcurrencyLimitUpdate(limit=size, active=True)
        )
        return (
            f"{name}: set to {size} slots (was {limit.limit}{'' if limit.active else ', inactive'})"
        )


def _crash_when_silent(
    name: str, after: str, expect: set[str], seconds: int, why: str, description: str
) -> Any:
    """An automation that marks a desk run Crashed when ``after`` is not followed by ``expect``."""
    from prefect.client.schemas.objects import StateType
    from prefect.events.actions import ChangeFlowRunState
    from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture
    from prefect.events.schemas.events import ResourceSpecification

    return AutomationCore(
        name=name,
        description=description,
        trigger=EventTrigger(
            after={after},
            expect=expect | {f"prefect.flow-run.{state}" for state in TERMINAL_EVENTS},
            match=ResourceSpecification({"prefect.resource.id": "prefect.flow-run.*"}),
            match_related=ResourceSpecification(
                {"prefect.resource.role": "tag", "prefect.resource.id": f"prefect.tag.{DESK_TAG}"}
            ),
            for_each={"prefect.resource.id"},
            posture=Posture.Proactive,
            threshold=1,
            within=timedelta(seconds=seconds),
        ),
        actions=[ChangeFlowRunState(state=StateType.CRASHED, message=why)],
    )


def crash_automation(crash_after_seconds: int) -> Any:
    """Prefect's zombie-run recipe, limited to the desk's runs (``docs/v3/advanced/detect-zombie-flows``)."""
    return _crash_when_silent(
        CRASH_AUTOMATION,
        "prefect.flow-run.heartbeat",
        {"prefect.flow-run.heartbeat"},
        crash_after_seconds,
        f"没有心跳超过 {crash_after_seconds} 秒，工作机已失联 / no heartbeat for "
        f"{crash_after_seconds} s: the worker running this flow run is gone",
        f"A newsdesk flow run with no heartbeat for {crash_after_seconds} s lost its worker: "
        "mark it Crashed so its concurrency slot is released and the next run can repair it.",
    )


def pending_automation(pending_seconds: int) -> Any:
    """A run a worker took but never started (the worker died in between) sends no heartbeat."""
    return _crash_when_silent(
        PENDING_AUTOMATION,
        "prefect.flow-run.Pending",
        {"prefect.flow-run.Running", "prefect.flow-run.Scheduled"},
        pending_seconds,
        f"已提交 {pending_seconds} 秒仍未启动，工作机已失联 / pending for {pending_seconds} s: "
        "the worker that took this flow run never started it",
        f"A newsdesk flow run still Pending after {pending_seconds} s was taken by a worker that "
        "is gone: mark it Crashed so its concurrency slot is released.",
    )


def ensure_automation(wanted: Any) -> str:
    """Create ``wanted`` or bring the automation of that name in line with it."""
    from prefect.client.orchestration import get_client

    summary = f"{wanted.trigger.within.total_seconds():.0f} s"
    with get_client(sync_client=True) as client:
        existing = client.read_automations_by_name(wanted.name)
        for extra in existing[1:]:  # two setups racing: keep one
            client.delete_automation(extra.id)
        if not existing:
            client.create_automation(wanted)
            return f"{wanted.name!r}: created (Crashed after {summary})"
        current = existing[0]
        same = (
            current.enabled
            and current.trigger.model_dump(exclude={"id"})
            == wanted.trigger.model_dump(exclude={"id"})
            and [a.model_dump() for a in current.actions]
            == [a.model_dump() for a in wanted.actions]
        )
        if same:
            return f"{wanted.name!r}: unchanged"
        client.update_automation(current.id, wanted)
        return f"{wanted.name!r}: updated (Crashed after {summary})"
