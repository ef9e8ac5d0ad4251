"""The Prefect server side of a scaled-out desk: ``newsdesk prefect setup``, prefect.yaml's pull steps."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from newsdesk.config import load_settings
from newsdesk.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def prefect_yaml() -> dict[str, object]:
    return yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))


@pytest.fixture
def restore_cwd() -> Iterator[None]:
    before = os.getcwd()
    yield
    os.chdir(before)


def run_pull_steps(home: str | None, monkeypatch: pytest.MonkeyPatch) -> str:
    """prefect.yaml's pull steps as a worker runs them, with NEWSDESK_HOME=home; returns the cwd."""
    from prefect.deployments.steps.core import run_steps

    if home is None:
        monkeypatch.delenv("NEWSDESK_HOME", raising=False)
    else:
        monkeypatch.setenv("NEWSDESK_HOME", home)
    asyncio.run(run_steps(prefect_yaml()["pull"]))  # type: ignore[arg-type]
    return os.getcwd()


def test_pull_steps_take_the_checkout_from_the_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, restore_cwd: None
) -> None:
    text = yaml.safe_dump(prefect_yaml()["pull"])
    # Nothing a deploying shell could fill in: no env placeholder, no absolute path.
    assert "{{ $" not in text and str(ROOT) not in text
    for checkout in (tmp_path / "a", tmp_path / "b"):
        checkout.mkdir()
        assert run_pull_steps(str(checkout), monkeypatch) == str(checkout)


@pytest.mark.parametrize("home", [None, "/no/such/checkout"])
def test_a_worker_without_its_checkout_gets_a_clear_error(
    home: str | None, monkeypatch: pytest.MonkeyPatch, restore_cwd: None
) -> None:
    from prefect.deployments.steps.core import StepExecutionError

    with pytest.raises(StepExecutionError) as raised:
        run_pull_steps(home, monkeypatch)
    assert "NEWSDESK_HOME is not set to this worker's newsdesk checkout" in str(
        raised.value.__cause__
    )


def test_every_deployment_carries_the_tag_the_crash_automation_watches() -> None:
    from flows.orchestration import DESK_TAG

    pools = {d["work_pool"]["name"] for d in prefect_yaml()["deployments"]}  # type: ignore[index]
    assert pools == {load_settings(ROOT / "config" / "desk.yaml").orchestration.work_pool}

    untagged = [
        d["name"] for d in prefect_yaml()["deployments"] if DESK_TAG not in d.get("tags", [])
    ]  # type: ignore[union-attr]
    assert untagged == []


def test_setup_creates_then_leaves_alone(prefect_harness: None) -> None:
    from prefect.client.orchestration import get_client

    from flows.orchestration import CRASH_AUTOMATION, HEARTBEAT_ENV, PENDING_AUTOMATION, setup

    settings = load_settings(ROOT / "config" / "desk.yaml")
    settings.llm.concurrency_limit = "llm-setup-test"
    settings.orchestration.work_pool = "newsdesk-setup-test"
    first = setup(settings)
    assert [what for what, _ in first] == ["work pool", "concurrency limit"] + ["automation"] * 2
    assert all("created" in result for _, result in first), first
    assert f"created ({settings.llm.concurrency} slots)" in first[1][1]
    again = setup(settings)
    assert all("unchanged" in result for _, result in again), again
    settings.orchestration.crash_after_seconds = 120
    before, settings.llm.concurrency = settings.llm.concurrency, 3
    changed = [result for _, result in setup(settings)]
    assert f"set to 3 slots (was {before}" in changed[1]
    assert "updated (Crashed after 120 s)" in changed[2] and "unchanged" in changed[3]
    with get_client(sync_client=True) as client:
        pool = client.read_work_pool("newsdesk-setup-test")
        env = pool.base_job_template["variables"]["properties"]["env"]["default"]
        assert env == {HEARTBEAT_ENV: "30"} and pool.type == "process"
        (automation,) = client.read_automations_by_name(CRASH_AUTOMATION)
        assert automation.trigger.within.total_seconds() == 120
        assert automation.actions[0].state.value == "CRASHED"
        (pending,) = client.read_automations_by_name(PENDING_AUTOMATION)
        assert (
            pending.trigger.within.total_seconds() == settings.orchestration.pending_crash_seconds
        )
        assert pending.trigger.after == {"prefect.flow-run.Pending"}
        assert client.read_global_concurrency_limit_by_name("llm-setup-test").limit == 3


def test_drafting_refuses_when_the_llm_limit_is_missing(prefect_harness: None) -> None:
    from tasks.llm_limit import slot_pool

    with slot_pool("no-such-limit") as pool:
        with pytest.raises(ConfigError, match="newsdesk prefect setup"), pool.slot():
            pass
        # The next call asks again (the operator may have created it meanwhile).
        with pytest.raises(ConfigError, match="'no-such-limit' does not exist"), pool.slot():
            pass


def active_llm_slots() -> int:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return client.read_global_concurrency_limit_by_name("llm").active_slots


def test_llm_calls_hold_prefect_slots_only_while_they_run(prefect_harness: None) -> None:
    """The slot pool on a real Prefect server: at most the limit, given back when idle."""
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    from tasks.llm_limit import slot_pool

    seen: list[int] = []
    running = [0]
    lock = threading.Lock()

    def call(_: int) -> None:
        with pool.slot():
            with lock:
                running[0] += 1
                seen.append(running[0])
            time.sleep(0.05)
            with lock:
                running[0] -= 1

    with slot_pool("llm", poll_seconds=0.05) as pool:
        with pool.expecting(20):
            # Taken before the calls start (a locked SQLite server may delay some), never more.
            wait_until(lambda: active_llm_slots() == 8, 20)
            with ThreadPoolExecutor(20) as threads:
                list(threads.map(call, range(20)))
        assert len(seen) == 20 and max(seen) == 8
    wait_until(lambda: active_llm_slots() == 0, 20)  # the pool closed: every slot is back


def wait_until(check: Callable[[], bool], seconds: float) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not reached in time"
        time.sleep(0.05)


def test_slot_requests_answer_at_once_when_the_prefect_server_is_busy(httpserver: Any) -> None:
    """A 503 ("database is locked" on SQLite) is asked again by the pool, not retried by the
    Prefect client (whose loop sleeps 2 s per 503): each answer is seen once, as given."""
    from prefect.settings import PREFECT_API_URL, temporary_settings
    from werkzeug import Response

    from newsdesk.slot_pool import SourceBusy
    from tasks.llm_limit import PrefectSlots

    answers = iter([Response(status=503), Response(status=423)])
    httpserver.expect_request(
        "/api/v2/concurrency_limits/increment-with-lease"
    ).respond_with_handler(lambda _request: next(answers))
    # As a Prefect server answers with CSRF protection off (its default).
    httpserver.expect_request("/api/csrf-token").respond_with_json(
        {"detail": "CSRF protection is disabled."}, status=422
    )
    lease = "6f1c3a52-0d8e-4c1b-9a57-2f4f0b6c9d10"
    httpserver.expect_request(f"/api/v2/concurrency_limits/leases/{lease}/renew").respond_with_data(
        status=410
    )
    httpserver.expect_request("/api/v2/concurrency_limits/decrement-with-lease").respond_with_data(
        status=503
    )
    with temporary_settings({PREFECT_API_URL: httpserver.url_for("/api")}):
        slots = PrefectSlots("llm", 60)
        with pytest.raises(SourceBusy):
            slots.acquire()
        assert slots.acquire() is None  # full: poll again
        assert slots.renew(lease) is False  # the lease ran out on the server
        assert slots.release(lease) is False  # busy: the pool tries again later
        slots.close()
    asked = [request.path for request, _ in httpserver.log if "csrf" not in request.path]
    assert asked == [
        "/api/v2/concurrency_limits/increment-with-lease",
        "/api/v2/concurrency_limits/increment-with-lease",
        f"/api/v2/concurrency_limits/leases/{lease}/renew",
        "/api/v2/concurrency_limits/decrement-with-lease",
    ]


def test_slot_requests_do_not_rebuild_prefect_settings_per_request(
    httpserver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Retries are off for the pool's requests through settings made once per client: made per
    request (``temporary_settings``), the whole settings model was rebuilt on the keeper thread
    at every acquire and release (36-45 ms of CPU each: the 48-draft fan-out 1.17x -> 1.67x)."""
    from prefect.settings import PREFECT_API_URL, PREFECT_CLIENT_MAX_RETRIES, temporary_settings
    from prefect.settings import Settings as PrefectSettings
    from werkzeug import Response

    from tasks.llm_limit import PrefectSlots

    httpserver.expect_request(
        "/api/v2/concurrency_limits/increment-with-lease"
    ).respond_with_handler(lambda _request: Response(status=423))
    httpserver.expect_request("/api/csrf-token").respond_with_json(
        {"detail": "CSRF protection is disabled."}, status=422
    )
    copies: list[object] = []
    copy_with_update = PrefectSettings.copy_with_update

    def counted(self: PrefectSettings, *args: Any, **kwargs: Any) -> PrefectSettings:
        copies.append(kwargs.get("updates"))
        return copy_with_update(self, *args, **kwargs)

    with temporary_settings({PREFECT_API_URL: httpserver.url_for("/api")}):
        monkeypatch.setattr(PrefectSettings, "copy_with_update", counted)
        slots = PrefectSlots("llm", 60)
        try:
            assert [slots.acquire() for _ in range(20)] == [None] * 20  # full: poll again
        finally:
            slots.close()
    # Once for the client, not once a request (that retries stay off for each request is
    # the busy-server test's: a 503 is asked once).
    assert copies == [{PREFECT_CLIENT_MAX_RETRIES: 0}]


def test_the_lease_calls_against_the_pinned_prefect_server(prefect_harness: None) -> None:
    """What the slot pool relies on from Prefect's public client, on the real server."""
    from tasks.llm_limit import PrefectSlots

    slots = PrefectSlots("llm", 60)
    try:
        assert slots.size() == 8
        lease = slots.acquire()
        assert lease is not None and active_llm_slots() == 1
        assert slots.renew(lease) is True
        assert slots.release(lease) is True and active_llm_slots() == 0
        assert slots.renew(lease) is False  # the server forgot it
    finally:
        slots.close()
