"""The global ``llm`` concurrency limit on the Prefect server, shared by each process's calls.

Every provider request holds one slot of the limit while it waits for the
provider, and only then (``llm_slot()``, what ``tasks/drafting.py`` gives the
provider). Prefect's own way, ``concurrency(name, occupy=1)`` per request,
pays an API call per request and, while the limit is full, learns of a freed
slot only on its next poll, about 2 s later (bench/drafting.py: 48 requests
of 300 ms under a limit of 8 took 17–22 s against an ideal of 1.8 s). Here a
process's slots sit in a :class:`~newsdesk.slot_pool.SlotPool`: a freed slot
goes straight to the next waiting call of the same process and back to the
server the moment none waits, so other workers get it on their next short
poll (``orchestration.slot_poll_seconds``).

The slots are leases taken, renewed and released through the Prefect
client's public concurrency-lease methods
(``increment_concurrency_slots_with_lease``, ``renew_concurrency_lease``,
``release_concurrency_slots_with_lease``), with the client's retries turned
off through its settings (``PREFECT_CLIENT_MAX_RETRIES``): its retry loop
sleeps 2 s after a 503, longer than most waits for a slot, while the pool
simply asks again on its next poll.

The limit must exist: without it Prefect would let every call through, so a
missing limit stops the call with a clear error (create it with ``newsdesk
prefect setup``). Each slot is a lease of ``orchestration.slot_lease_seconds``
renewed while the process lives: the slots of a worker that dies come back
when the lease runs out.

A pool lives as long as the flow run that opened it (:func:`slot_pool`, a
context manager): at its end the pool gives its idle slots back and closes its
client. A provider call outside any open pool gets one for the call.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any
from uuid import UUID

import httpx
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.context import SettingsContext, get_settings_context
from prefect.exceptions import ObjectNotFound
from prefect.settings import PREFECT_CLIENT_MAX_RETRIES, Profile, get_current_settings
from prefect.settings import Settings as PrefectSettings

from newsdesk.config import Settings
from newsdesk.errors import ConfigError, SlotsUnavailable
from newsdesk.slot_pool import SlotPool, SourceBusy

# Answers that mean "busy, ask again shortly". 503 is how the Prefect server reports a
# SQLite "database is locked", frequent on the embedded server while runs write their states.
_TRANSIENT = {408, 429, 502, 503}


class PrefectSlots:
    """One slot of a Prefect global concurrency limit per lease (the pool's ``SlotSource``).

    A server that keeps failing for a whole lease is reported to the waiting calls.
    """

    def __init__(
        self, name: str, lease_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.name = name
        self.lease_seconds = lease_seconds
        self._clock = clock
        self._client: SyncPrefectClient | None = None
        self._no_retries: tuple[Profile, PrefectSettings]
        self._failing_since: float | None = None

    def _api(self) -> SyncPrefectClient:
        # Only the pool's keeper thread calls the source, one call at a time: one client,
        # one connection pool, opened once for the life of the pool.
        if self._client is None:
            # Short: one hung request must not hold up the keeper's renewals past a lease.
            client = get_client(
                httpx_settings={"timeout": self.lease_seconds / 6}, sync_client=True
            )
            client.__enter__()
            self._client = client
            # The client's retry loop reads its limit from the settings in force at each
            # request. The settings with retries off are made once, here:
            # ``temporary_settings`` rebuilds the whole settings model, 36-45 ms of CPU per
            # call on the keeper thread (bench/drafting.py: 1.17x -> 1.67x the ideal fan-out).
            context = get_settings_context()
            self._no_retries = (
                context.profile,
                context.settings.copy_with_update(updates={PREFECT_CLIENT_MAX_RETRIES: 0}),
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.__exit__(None, None, None)
            self._client = None

    def _call(self, call: Callable[[SyncPrefectClient], httpx.Response]) -> httpx.Response | None:
        """One request, not retried by the client; None for a transient failure (a busy
        server, a dropped connection). Any other answer is returned, errors included."""
        try:
            api = self._api()
            profile, settings = self._no_retries
            with SettingsContext(profile=profile, settings=settings):
                response = call(api)
        except httpx.TransportError as exc:
            self._transient(exc)
            return None
        except httpx.HTTPStatusError as exc:
            if exc.response.status_code in _TRANSIENT:
                self._transient(exc)
                return None
            response = exc.response
        self._failing_since = None
        return response

    def _transient(self, exc: Exception) -> None:
        """Note a transient failure; one that has lasted a whole lease is an error."""
        now = self._clock()
        if self._failing_since is None:
            self._failing_since = now
        elif now - self._failing_since > self.lease_seconds:
            self._failing_since = None  # the next failure starts a new count
            raise SlotsUnavailable(
                f"Prefect 服务器持续 {self.lease_seconds:.0f} 秒无法分配 {self.name!r} 名额 / "
                f"the Prefect server kept failing slot requests for {self.name!r}: {exc}"
            ) from exc

    def _missing(self, what: str) -> ConfigError:
        return ConfigError(
            f"Prefect 服务器上没有可用的全局并发限制 {self.name!r}，不起草（否则调用不受限）："
            "请先运行 newsdesk prefect setup / "
            f"the global concurrency limit {self.name!r} {what} on the Prefect server: run "
            "`newsdesk prefect setup` (or `prefect gcl create`) before drafting"
        )

    def size(self) -> int:
        try:
            limit = self._api().read_global_concurrency_limit_by_name(self.name)
        except ObjectNotFound:
            raise self._missing("does not exist") from None
        if not limit.active:  # the server would count nothing against it
            raise self._missing("is not active")
        return limit.limit

    def acquire(self) -> str | None:
        response = self._call(
            lambda api: api.increment_concurrency_slots_with_lease(
                [self.name], 1, "concurrency", self.lease_seconds
            )
        )
        if response is None:
            raise SourceBusy(f"{self.name}: the Prefect server is busy")
        if response.status_code == 423:  # full: the pool polls again
            return None
        response.raise_for_status()
        granted = response.json()
        if not granted["limits"]:  # deleted since the keeper started: the lease limits nothing
            self.release(str(granted["lease_id"]))
            raise self._missing("no longer exists")
        return str(granted["lease_id"])

    def renew(self, lease: str) -> bool:
        response = self._call(
            lambda api: api.renew_concurrency_lease(UUID(lease), self.lease_seconds)
        )
        if response is None:
            raise RuntimeError(f"renewing slot lease {lease}: server busy")
        if response.status_code in (404, 410):
            return False
        response.raise_for_status()
        return True

    def release(self, lease: str) -> bool:
        response = self._call(lambda api: api.release_concurrency_slots_with_lease(UUID(lease)))
        if response is None:
            return False
        response.raise_for_status()
        return True


# The pools open in this process, by server, limit and timings, with how many holders each
# has: an entry exists only while some flow run (or single call) holds it open.
_open: dict[tuple[Any, ...], tuple[SlotPool, PrefectSlots, int]] = {}
_open_lock = threading.Lock()


@contextmanager
def slot_pool(
    name: str, lease_seconds: float = 60, poll_seconds: float = 0.25
) -> Iterator[SlotPool]:
    """This process's pool for a limit on the current Prefect server, open for the block.

    Blocks running at once (threads of one flow run, nested runs) share one pool; the
    last to end gives its idle slots back and closes its client.
    """
    key = (str(get_current_settings().api.url), name, lease_seconds, poll_seconds)
    with _open_lock:
        pool, source, holders = _open.get(key) or (None, PrefectSlots(name, lease_seconds), 0)
        if pool is None:
            # A third of the lease: one failed renewal still leaves time for the next.
            pool = SlotPool(source, poll_seconds=poll_seconds, renew_seconds=lease_seconds / 3)
        _open[key] = (pool, source, holders + 1)
    try:
        yield pool
    finally:
        with _open_lock:
            _, _, holders = _open[key]
            last = holders == 1
            if last:
                del _open[key]
            else:
                _open[key] = (pool, source, holders - 1)
        if last:
            pool.close()
            source.close()


def llm_slots(settings: Settings) -> AbstractContextManager[SlotPool]:
    """The desk's ``llm`` pool (``slot_pool`` with its lease and poll), open for the block."""
    conf = settings.orchestration
    return slot_pool(
        settings.llm.concurrency_limit, conf.slot_lease_seconds, conf.slot_poll_seconds
    )


@contextmanager
def llm_slot(settings: Settings) -> Iterator[None]:
    """One slot of the desk's ``llm`` limit around a provider call."""
    with llm_slots(settings) as pool, pool.slot():
        yield
