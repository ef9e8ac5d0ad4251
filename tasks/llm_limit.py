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

The limit must exist: without it Prefect only warns and drafting would run
unthrottled, so a missing limit stops the run with a clear error (create it
with ``newsdesk prefect setup``). Slots are held under a lease of
``orchestration.slot_lease_seconds``, renewed while the holder lives: the
slots of a worker that dies come back when the lease runs out.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import partial

from prefect.client.orchestration import get_client
from prefect.concurrency.sync import concurrency
from prefect.exceptions import ObjectNotFound

from newsdesk.errors import ConfigError

_local: threading.BoundedSemaphore | None = None


def limit_size(name: str) -> int | None:
    """The limit's size on the Prefect server, or None when no such limit exists."""
    with get_client(sync_client=True) as client:
        try:
            return client.read_global_concurrency_limit_by_name(name).limit
        except ObjectNotFound:
            return None


def _required_size(name: str) -> int:
    size = limit_size(name)
    if size is None:
        raise ConfigError(
            f"Prefect 服务器上没有全局并发限制 {name!r}，不起草（否则调用不受限）："
            "请先运行 newsdesk prefect setup / "
            f"the global concurrency limit {name!r} does not exist on the Prefect server: "
            "run `newsdesk prefect setup` (or `prefect gcl create`) before drafting"
        )
    return size


# strict: a missing limit is an error, not a warning. A renewal that fails (a server
# restart) must not kill a draft in flight: the lease simply runs out later.
_held = partial(concurrency, strict=True, raise_on_lease_renewal_failure=False)


@contextmanager
def llm_slots(name: str, wanted: int, lease_seconds: float = 60) -> Iterator[int]:
    """Hold up to ``wanted`` slots of the global limit for a fan-out; yields how many."""
    global _local
    count = max(1, min(wanted, _required_size(name)))
    with _held(name, occupy=count, lease_duration=lease_seconds):
        previous, _local = _local, threading.BoundedSemaphore(count)
        try:
            yield count
        finally:
            _local = previous


def llm_slot(name: str, lease_seconds: float = 60) -> AbstractContextManager[object]:
    """What one provider request holds: a local slot inside a fan-out, else one global slot."""
    if _local is not None:
        return _local
    _required_size(name)
    return _held(name, occupy=1, lease_duration=lease_seconds)
