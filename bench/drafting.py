"""Drafting throughput: drafts through the real openai client under the Prefect ``llm`` limit.

    python bench/drafting.py [--drafts 48] [--limit 8] [--latency 0.3] [--quick]

A fake OpenAI-compatible server on 127.0.0.1, in a process of its own as a
real provider would be, answers every chat completion after ``latency``
seconds and records how many requests it holds at once. A
temporary local Prefect server (SQLite, as ``newsdesk up`` runs it) holds the
global concurrency limit ``llm`` (size ``limit``). Each flow maps a task per
draft, as ``flows/slot.py`` maps ``tasks/drafting.py``'s ``draft_segment``,
and every provider call holds one slot around its HTTP request only. Two ways
of holding it:

- **the product's**: ``tasks.llm_limit.slot_pool``, the process's slot pool
  (``newsdesk/slot_pool.py``), open for the flow run, what ``tasks/drafting.py``
  gives the provider;
- **the peer**, Prefect's plain way: ``concurrency("llm", occupy=1)`` per call.

Measured three ways: one worker drafting all of them; two workers (two
processes, each with its own Prefect client, half the drafts each, started
together) sharing the one limit, only with ``--prefect-db`` (a scaled-out desk
runs its Prefect server on PostgreSQL; two workers writing task states into
the embedded SQLite server lock its database, and Prefect's client then waits
2 s per retry); and the peer in one worker. Each run starts
after a pause of ``--pause`` seconds, so the Prefect server has recorded the
previous run's task states, as it has before a scheduled slot run. The figure is the
fan-out's wall time (first task submitted to last result back, across both
workers for the two-worker case) against the ideal ``drafts / limit *
latency``; targets <= 1.25x for one worker and <= 1.5x for two. Each flow
run's whole time is printed too: Prefect adds its flow-run start and, at the
end, waits up to 1 s for its heartbeat thread, the same for every variant.
Also prints the peak concurrency the fake server saw (must not exceed the
limit) and the offline composer's drafts per second, on a thin synthetic brief and on the
demo day as ``newsdesk demo`` drafts it (:func:`demo_day_drafting`). ``--quick`` (the test
suite): 8 drafts, limit 4, one run of each variant after a short pause.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.request import urlopen

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.scratch, as other benches

from newsdesk.config import LLMConfig  # noqa: E402
from newsdesk.drafting.brief import Brief, BriefSource  # noqa: E402
from newsdesk.drafting.llm import DraftRequest, OpenAIProvider  # noqa: E402


class FakeServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, latency: float) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.latency = latency
        self.active = 0
        self.peak = 0
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    server: FakeServer

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        self.rfile.read(int(self.headers.get("content-length", 0)))
        with self.server.lock:
            self.server.active += 1
            self.server.peak = max(self.server.peak, self.server.active)
        time.sleep(self.server.latency)
        with self.server.lock:
            self.server.active -= 1
        body = json.dumps(
            {
                "id": "x",
                "object": "chat.completion",
                "created": 0,
                "model": "fake",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "稿件正文。"},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
            }
        ).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        body = json.dumps({"peak": self.server.peak}).encode()
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        """Quiet."""


def serve_fake_provider(latency: float) -> None:
    """The fake provider in its own process (a real provider is not in ours): print the port."""
    server = FakeServer(latency)
    print(server.server_address[1], flush=True)
    server.serve_forever()


def start_fake_provider(latency: float) -> tuple[str, subprocess.Popen[str]]:
    command = [sys.executable, str(Path(__file__).resolve()), "--fake-provider"]
    process = subprocess.Popen(
        [*command, "--latency", str(latency)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    port = int(process.stdout.readline())
    return f"http://127.0.0.1:{port}/v1", process


def brief() -> Brief:
    sources = [
        BriefSource(i, i, f"标题{i}：低空经济政策落地", "正文" * 80, "演示媒体", None, None)
        for i in range(1, 9)
    ]
    return Brief(
        "morning_report",
        "morning_report",
        "早报",
        "2026-11-23",
        "入门",
        "时效性内容",
        "",
        "",
        [],
        sources,
    )


def _limiter(kind: str) -> Callable[[], AbstractContextManager[Any]]:
    from prefect.concurrency.sync import concurrency

    if kind == "pool":
        return pool_slot
    return lambda: concurrency("llm", occupy=1, strict=True)


def slot_pool(name: str) -> Any:
    """The product's pool for the limit, with the desk's default lease and poll, open for a block."""
    from newsdesk.config import OrchestrationConfig
    from tasks.llm_limit import slot_pool as pool

    conf = OrchestrationConfig()
    return pool(name, conf.slot_lease_seconds, conf.slot_poll_seconds)


@contextmanager
def pool_slot() -> Iterator[None]:
    """One call's slot from the pool the fan-out holds open."""
    with slot_pool("llm") as pool, pool.slot():
        yield


@contextmanager
def announced(drafts: int) -> Iterator[None]:
    """As flows/slot.py does through tasks/drafting.py's llm_calls."""
    with slot_pool("llm") as pool, pool.expecting(drafts):
        yield


def fan_out_flow(base_url: str, limiter: str, drafts: int) -> Callable[[], dict[str, float]]:
    """A flow drafting ``drafts`` in a task each, timed from the first submit to the last result."""
    from prefect import flow, task
    from prefect.cache_policies import NO_CACHE
    from prefect.task_runners import ThreadPoolTaskRunner

    conf = LLMConfig(provider="openai", base_url=base_url, model="fake", retries=0, timeout=30)
    request = DraftRequest([{"role": "user", "content": "写早报"}], brief(), "投资有风险")
    # One provider (one HTTP connection pool) per process, as tasks/drafting.py keeps it.
    provider = OpenAIProvider(conf, "key", limiter=_limiter(limiter))

    @task(retries=1, cache_policy=NO_CACHE)
    def one_draft(number: int) -> str:
        return provider.complete(request).text

    @flow(task_runner=ThreadPoolTaskRunner(max_workers=drafts))
    def fan_out() -> dict[str, float]:
        started = time.time()
        announce = announced(drafts) if limiter == "pool" else nullcontext()
        with announce:
            results = one_draft.map(range(drafts)).result()
        assert len(results) == drafts
        return {"start": started, "end": time.time()}

    def timed() -> dict[str, float]:
        flow_started = time.time()
        times = fan_out()
        return times | {"flow": time.time() - flow_started}

    return timed


def worker(args: argparse.Namespace) -> None:
    """A second process: warm up, say ready, then draft at every "go", printing timings as JSON."""
    run = fan_out_flow(args.base_url, "pool", args.drafts)
    run()  # warm-up: task registration, client connections, the pool's keeper
    print("ready", flush=True)
    while sys.stdin.readline().strip() == "go":
        print(json.dumps(run()), flush=True)


class TwoWorkers:
    """Two worker processes drafting half the drafts each, started together on each call."""

    def __init__(self, base_url: str, drafts: int) -> None:
        command = [sys.executable, str(Path(__file__).resolve()), "--worker"]
        command += ["--base-url", base_url, "--drafts", str(drafts // 2)]
        self.workers = [
            subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        for line in self._lines():
            assert line == "ready", line

    def _lines(self) -> list[str]:
        lines = []
        for w in self.workers:
            assert w.stdout is not None
            lines.append(w.stdout.readline().strip())
        return lines

    def __call__(self) -> dict[str, float]:
        for w in self.workers:
            assert w.stdin is not None
            w.stdin.write("go\n")
            w.stdin.flush()
        times = [json.loads(line) for line in self._lines()]
        return {
            "start": min(t["start"] for t in times),
            "end": max(t["end"] for t in times),
            "flow": max(t["flow"] for t in times),
        }

    def close(self) -> None:
        for w in self.workers:
            w.communicate("stop\n")


@contextmanager
def postgres_prefect_server(admin_url: str) -> Iterator[None]:
    """A Prefect server on a fresh PostgreSQL database (as README "Scaling out" runs it)."""
    import tempfile

    import httpx
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from tests.scratch import prefect_database
    from tests.web_support import free_port

    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    with prefect_database(admin_url) as url, tempfile.TemporaryDirectory() as home:
        env = os.environ | {
            "PREFECT_SERVER_DATABASE_CONNECTION_URL": url,
            "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
            "PREFECT_HOME": home,
        }
        command = ["server", "start", "--host", "127.0.0.1", "--port", str(port)]
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "prefect"), *command],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("the PostgreSQL-backed Prefect server did not start")
                time.sleep(0.5)
            os.environ["PREFECT_API_URL"] = api  # for the worker processes
            with temporary_settings({PREFECT_API_URL: api}):
                yield
        finally:
            server.terminate()
            server.wait(30)


def quiet_then(run: Callable[[], dict[str, float]], pause: float) -> dict[str, float]:
    """Let the Prefect server finish recording the last run's task states, then run.

    A scheduled slot run starts on a quiet server; back to back, a run would
    also pay for its predecessor's bookkeeping (hundreds of state writes).
    """
    time.sleep(pause)
    return run()


def run_prefect(
    base_url: str, drafts: int, limit: int, repeat: int, prefect_db: str | None, pause: float
) -> list[tuple[str, list[dict[str, float]]]]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.settings import get_current_settings
    from prefect.testing.utilities import prefect_test_harness

    server = (
        postgres_prefect_server(prefect_db)
        if prefect_db
        else prefect_test_harness(server_startup_timeout=60)
    )
    with server:
        with get_client(sync_client=True) as client:
            client.create_global_concurrency_limit(
                GlobalConcurrencyLimitCreate(name="llm", limit=limit)
            )
        product = fan_out_flow(base_url, "pool", drafts)
        peer = fan_out_flow(base_url, "prefect", drafts)
        product()  # warm-up: task registration, client connections, the pool's keeper
        variants: list[tuple[str, Callable[[], dict[str, float]]]] = [
            ("product, one worker", product)
        ]
        two = None
        if prefect_db:
            os.environ["PREFECT_API_URL"] = str(get_current_settings().api.url)
            two = TwoWorkers(base_url, drafts)
            variants.append(("product, two workers", two))
        variants.append(("peer: concurrency() per call", peer))
        rows = [(label, [quiet_then(run, pause) for _ in range(repeat)]) for label, run in variants]
        if two is not None:
            two.close()
    return rows


def offline_rate(seconds: float) -> float:
    """Drafts per second of the offline composer on :func:`brief`: a thin synthetic brief."""
    from newsdesk.config import Settings
    from newsdesk.drafting.offline import OfflineComposer

    composer = OfflineComposer(Settings())
    the_brief = brief()
    composer.compose(the_brief, "投资有风险，入市需谨慎。")  # warm-up: dictionaries load once
    count = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        composer.compose(the_brief, "投资有风险，入市需谨慎。")
        count += 1
    return count / (time.perf_counter() - started)


def demo_day_drafting() -> tuple[int, float, float]:
    """The offline composer on the demo day, the product's path as ``newsdesk demo`` runs it: on a
    fresh store with the demo feeds ingested and the day's topics ranked (not timed), every slot
    drafted by ``draft_slot`` (brief built from the store, composed, checked, stored). Returns
    the drafts made and the loop's wall and CPU seconds."""
    from bench.scratch import scratch_database
    from newsdesk.config import load_settings
    from newsdesk.demo_server import DemoServer
    from newsdesk.drafting.service import draft_slot, make_provider
    from newsdesk.feeds.ingest import ingest
    from newsdesk.topics.service import compute_topics
    from tests.web_support import free_port

    os.environ["NEWSDESK_DEMO__PORT"] = str(free_port())  # not the desk's 8765
    settings = load_settings(ROOT / "config" / "desk.yaml")
    day = settings.demo.day
    assert day is not None, "the bundled desk names its demo day"
    with (
        scratch_database(None, "drafting-demo-") as db,
        DemoServer(settings.demo_dir, settings.demo.host, settings.demo.port),
    ):
        assert db is not None
        ingest(db, settings, force=True)
        compute_topics(db, settings, day=day)
        writer = make_provider(settings, name="offline")
        wall, cpu = time.perf_counter(), time.process_time()
        drafts = sum(
            len(draft_slot(db, settings, slot.name, day, writer, rank_topics=False))
            for slot in settings.slots
        )
        return drafts, time.perf_counter() - wall, time.process_time() - cpu


def demo_day_process() -> tuple[int, float, float]:
    """:func:`demo_day_drafting` in a process of its own: a second day of the same items in one
    process would find every reading cached (41 drafts/s against 6-9 for the first)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--demo-day"]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    drafts, wall, cpu = json.loads(done.stdout.splitlines()[-1])
    return int(drafts), float(wall), float(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drafts", type=int, default=48)
    parser.add_argument("--limit", type=int, default=8)
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each variant (median)")
    parser.add_argument("--pause", type=float, default=3.0, help="quiet seconds before each run")
    parser.add_argument(
        "--prefect-db",
        metavar="URL",
        help="run the Prefect server on a new database of this PostgreSQL server "
        "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test) instead of SQLite",
    )
    parser.add_argument("--quick", action="store_true", help="8 drafts, one run each: tests")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--demo-day", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--fake-provider", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    if args.demo_day:
        offline_rate(0.1)  # a running desk has its dictionaries loaded
        print(json.dumps(demo_day_drafting()))
        return
    if args.fake_provider:
        serve_fake_provider(args.latency)
        return
    if args.quick:
        args.drafts, args.limit, args.latency, args.repeat, args.pause = 8, 4, 0.3, 1, 0.5
    base_url, provider_process = start_fake_provider(args.latency)
    ideal = args.drafts / args.limit * args.latency
    rows = run_prefect(base_url, args.drafts, args.limit, args.repeat, args.prefect_db, args.pause)
    targets = {"product, one worker": 1.25, "product, two workers": 1.5}
    print(
        f"{args.drafts} drafts, llm limit {args.limit}, provider latency {args.latency}s; "
        f"median of {args.repeat} runs (min-max); Prefect server on "
        f"{'PostgreSQL' if args.prefect_db else 'SQLite'}"
    )
    print(f"{'ideal fan-out':32s}: {ideal:6.2f} s")
    for label, runs in rows:
        took = sorted(t["end"] - t["start"] for t in runs)
        whole = statistics.median(t["flow"] for t in runs)
        target = f" (target <= {targets[label]}x)" if label in targets else ""
        print(
            f"{label:32s}: {statistics.median(took):6.2f} s  ratio "
            f"{statistics.median(took) / ideal:.2f}x ({took[0] / ideal:.2f}-{took[-1] / ideal:.2f})"
            f"{target}   whole flow run {whole:.2f} s"
        )
    peak = json.loads(urlopen(base_url.removesuffix("/v1")).read())["peak"]
    provider_process.terminate()
    print(f"{'peak concurrent calls at server':32s}: {peak} (limit {args.limit})")
    print(
        f"{'offline composer, thin brief':32s}: "
        f"{offline_rate(0.5 if args.quick else 2.0):6.1f} drafts/s"
    )
    days = [demo_day_process() for _ in range(1 if args.quick else args.repeat)]
    drafts, wall, cpu = sorted(days, key=lambda day: day[1])[len(days) // 2]
    print(
        f"{'offline composer, demo day':32s}: {drafts / wall:6.1f} drafts/s "
        f"({drafts} drafts in {wall:.2f} s, {cpu:.2f} s CPU; median of {len(days)} process(es); "
        "brief, compose, checks, store)"
    )


if __name__ == "__main__":
    main()
