"""The global ``llm`` concurrency limit on the Prefect server, shared by each process's calls.

Every provider request holds one slot of the limit while it waits for the
provider, and only then (``slot_pool(...).slot()``, what ``tasks/drafting.py``
gives the provider). Prefect's own way,
``concurrency(name, occupy=1)`` per request, pays an API call per request and,
while the limit is full, learns of a freed slot only on its next poll, about
2 s later (bench/drafting.py: 48 requests of 300 ms under a limit of 8 took
17–22 s against an ideal of 1.8 s). Here a process's slots sit in a
:class:`~newsdesk.slot_pool.SlotPool`: a freed slot goes straight to the next
waiting call of the same process and back to the server the moment none
waits, so other workers get it on their next short poll
(``orchestration.slot_poll_seconds``).

The limit must exist: without it Prefect would let every call through, so a
missing limit stops the call with a clear error (create it with ``newsdesk
prefect setup``). Each slot is a lease of ``orchestration.slot_lease_seconds``
renewed while the process lives: the slots of a worker that dies come back
when the lease runs out.
"""

from __future__ import annotations

import atexit
import time
from collections.abc import Callable
from typing import Any, cast

import httpx
from prefect.client.base import PrefectHttpxSyncClient
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.exceptions import ObjectNotFound
from prefect.settings import get_current_settings

from newsdesk.errors import ConfigError, SlotsUnavailable
from newsdesk.slot_pool import SlotPool, SourceBusy

# Answers that mean "busy, ask again shortly". 503 is how the Prefect server reports a
# SQLite "database is locked", frequent on the embedded server while runs write their states.
_TRANSIENT = {408, 429, 502, 503}


class PrefectSlots:
    """One slot of a Prefect global concurrency limit per lease (the pool's ``SlotSource``).

    The three slot calls go through the Prefect client's HTTP session (its URL,
    auth and TLS settings) but not through its retry loop: that loop sleeps
    2 s after a 503, longer than most waits for a slot, while the pool simply
    asks again on its next poll. A server that keeps failing for a whole lease
    is reported to the waiting calls.
    """

    def __init__(
        self, name: str, lease_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.name = name
        self.lease_seconds = lease_seconds
        self._clock = clock
        self._client: SyncPrefectClient | None = None
        self._failing_since: float | None = None

    def _api(self) -> SyncPrefectClient:
        # Only the pool's keeper thread calls the source, one call at a time: one client,
        # one connection pool, opened once for the life of the process.
        if self._client is None:
            self._client = get_client(sync_client=True)
            self._client.__enter__()
        return self._client

    def _post(self, path: str, body: dict[str, Any]) -> httpx.Response | None:
        """POST once; None for a transient failure (busy server, dropped connection)."""
        # The configured httpx session (a PrefectHttpxSyncClient), sent past its retry loop.
        http = cast(PrefectHttpxSyncClient, self._api()._client)
        # Short: one hung request must not hold up the keeper's renewals past a lease.
        request = http.build_request("POST", path, json=body, timeout=self.lease_seconds / 6)
        if http.enable_csrf_support:
            http._add_csrf_headers(request)
        try:
            response = httpx.Client.send(http, request)
        except httpx.TransportError as exc:
            self._transient(exc)
            return None
        if response.status_code in _TRANSIENT:
            self._transient(RuntimeError(f"{path}: HTTP {response.status_code}"))
            return None
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
        body = {
            "names": [self.name],
            "slots": 1,
            "mode": "concurrency",
            "lease_duration": self.lease_seconds,
        }
        response = self._post("/v2/concurrency_limits/increment-with-lease", body)
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
        path = f"/v2/concurrency_limits/leases/{lease}/renew"
        response = self._post(path, {"lease_duration": self.lease_seconds})
        if response is None:
            raise RuntimeError(f"renewing slot lease {lease}: server busy")
        if response.status_code in (404, 410):
            return False
        response.raise_for_status()
        return True

    def release(self, lease: str) -> bool:
        response = self._post("/v2/concurrency_limits/decrement-with-lease", {"lease_id": lease})
        if response is None:
            return False
        response.raise_for_status()
        return True


_pools: dict[tuple[Any, ...], SlotPool] = {}


def slot_pool(name: str, lease_seconds: float = 60, poll_seconds: float = 0.25) -> SlotPool:
    """This process's pool for a limit on the current Prefect server."""
    key = (str(get_current_settings().api.url), name, lease_seconds, poll_seconds)
    pool = _pools.get(key)
    if pool is None:
        pool = _pools.setdefault(
            key,
            SlotPool(
                PrefectSlots(name, lease_seconds),
                poll_seconds=poll_seconds,
                # A third of the lease: one failed renewal still leaves time for the next.
                renew_seconds=lease_seconds / 3,
            ),
        )
    return pool


@atexit.register
def _give_back() -> None:
    """A worker's flow-run process exits right after its run: return idle slots first."""
    for pool in list(_pools.values()):
        pool.close()
