"""The checks run with the cyclic collector paused (``newsdesk.heap.collector_paused``): they
make no reference cycles, so it has nothing to free while they run, and the process's own
choice (collector off) is left as it was."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest

from newsdesk.heap import collector_paused

CHINESE_SET = Path(__file__).resolve().parents[1] / "bench" / "data" / "checks_zh.json"


# Run in a process of their own: the collector is the process's, and the suite's other
# threads (a Prefect test server, HTTP servers) make collections and garbage of their own.
_CHECKED = """
import gc, json, sys
from newsdesk.checks.report import run_checks
from newsdesk.config import Settings
data = json.loads(open(sys.argv[1], encoding="utf-8").read())
drafts, sources = [d["text"] for d in data["drafts"]], list(data["sources"].values())
settings = Settings()
run_checks(drafts[0], sources, settings, channel="outbox")  # what a process loads once
collections = []
gc.callbacks.append(lambda phase, info: collections.append(1) if phase == "start" else None)
gc.set_threshold(10)  # a young collection every 10 allocations (the default is 700)
for draft in drafts[1:6]:
    run_checks(draft, sources, settings, channel="outbox")
during = len(collections)
gc.set_threshold(700)
gc.collect()
gc.disable()
for draft in drafts:
    run_checks(draft, sources, settings, channel="outbox", day_drafts=drafts[:3])
run_checks("", [], settings)
run_checks("标题\\n\\n" + "营收5亿元[9]。" * 2000, sources[:1], settings, channel="outbox")
print(json.dumps({"during": during, "cycles": gc.collect()}))
"""


def _checked_alone() -> dict[str, int]:
    done = subprocess.run(
        [sys.executable, "-c", _CHECKED, str(CHINESE_SET)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


def test_no_collection_runs_inside_the_checks() -> None:
    # the one put off by each of the five checks, at the first allocation after it, and one
    # between them at most (unpaused: hundreds)
    assert _checked_alone()["during"] <= 10


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
    """What the pause rests on: garbage the checks make is freed by refcounting alone (the
    Chinese set, an empty draft and a 20,000-character one, the collector off)."""
    assert _checked_alone()["cycles"] == 0
