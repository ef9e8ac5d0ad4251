"""The checks run with the cyclic collector paused (``newsdesk.heap.collector_paused``): they
make no reference cycles, so it has nothing to free while they run, and the process's own
choice (collector off) is left as it was."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsdesk.checks.report import run_checks
from newsdesk.config import Settings
from newsdesk.heap import collector_paused

CHINESE_SET = Path(__file__).resolve().parents[1] / "bench" / "data" / "checks_zh.json"


@pytest.fixture
def eager_collector() -> Iterator[list[int]]:
    """A young collection every 10 allocations (the default is 700), each one recorded."""
    collections: list[int] = []

    def record(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    was_enabled, threshold = gc.isenabled(), gc.get_threshold()
    gc.enable()
    gc.set_threshold(10)
    gc.callbacks.append(record)
    try:
        yield collections
    finally:
        gc.callbacks.remove(record)
        gc.set_threshold(*threshold)
        if not was_enabled:
            gc.disable()


def _set() -> tuple[list[str], list[str]]:
    data = json.loads(CHINESE_SET.read_text(encoding="utf-8"))
    return [d["text"] for d in data["drafts"]], list(data["sources"].values())


def test_no_collection_runs_inside_the_checks(eager_collector: list[int]) -> None:
    drafts, sources = _set()
    settings = Settings()
    run_checks(drafts[0], sources, settings, channel="outbox")  # loads what a process loads once
    eager_collector.clear()
    for draft in drafts[1:6]:
        run_checks(draft, sources, settings, channel="outbox")
    # the one put off by each check, at the first allocation after it (unpaused: hundreds)
    assert len(eager_collector) <= 5
    assert gc.isenabled()


def test_a_process_that_turned_the_collector_off_keeps_it_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_collector_comes_back_when_the_work_fails() -> None:
    with pytest.raises(ZeroDivisionError), collector_paused():
        raise ZeroDivisionError
    assert gc.isenabled()


def test_the_checks_make_no_reference_cycles() -> None:
    """What the pause rests on: garbage the checks make is freed by refcounting alone."""
    drafts, sources = _set()
    settings = Settings()
    gc.collect()
    with collector_paused():
        for draft in drafts:
            run_checks(draft, sources, settings, channel="outbox", day_drafts=drafts[:3])
        run_checks("", [], settings)
        run_checks("标题\n\n" + "营收5亿元[9]。" * 2000, sources[:1], settings, channel="outbox")
        assert gc.collect() == 0
