"""The global ``llm`` concurrency limit, without paying Prefect's slot hand-off per request.

Measured on Prefect 3.8.8 (bench/drafting.py): with each request acquiring
one slot of a limit of 8, 48 requests of 300 ms took 18.1 s against an ideal
of 1.8 s, because a waiting acquirer learns about a freed slot only on its
next poll, about 2 s later. So a fan-out takes its share of the limit once —
``llm_slots`` acquires ``n`` slots for the whole fan-out — and hands them to
its own threads through a local semaphore, which passes a slot on in
microseconds. Across workers the global limit still holds: every process
counts against it for the slots it took. A provider call made outside a
fan-out takes a single global slot, as before.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from prefect.client.orchestration import get_client
from prefect.concurrency.sync import concurrency
from prefect.exceptions import ObjectNotFound

_local: threading.BoundedSemaphore | None = None


def limit_size(name: str) -> int | None:
    """The limit's size on the Prefect server, or None when no such limit exists."""
    with get_client(sync_client=True) as client:
        try:
            return client.read_global_concurrency_limit_by_name(name).limit
        except ObjectNotFound:
            return None


@contextmanager
def llm_slots(name: str, wanted: int) -> Iterator[int]:
    """Hold up to ``wanted`` slots of the global limit for a fan-out; yields how many."""
    global _local
    size = limit_size(name)
    count = max(1, min(wanted, size)) if size else max(1, wanted)
    with concurrency(name, occupy=count):
        previous, _local = _local, threading.BoundedSemaphore(count)
        try:
            yield count
        finally:
            _local = previous


def llm_slot(name: str) -> AbstractContextManager[object]:
    """What one provider request holds: a local slot inside a fan-out, else one global slot."""
    if _local is not None:
        return _local
    return concurrency(name, occupy=1)
