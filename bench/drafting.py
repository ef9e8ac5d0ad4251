"""Drafting throughput: 48 drafts through the real openai client under the Prefect ``llm`` limit.

    python bench/drafting.py [--drafts 48] [--limit 8] [--latency 0.3]

A fake OpenAI-compatible server on 127.0.0.1 answers every chat completion
after ``latency`` seconds and records how many requests it holds at once. A
Prefect flow (temporary local Prefect server) drafts them three ways; the
provider holds one slot of the global concurrency limit ``llm`` (set to
``limit``) around the HTTP request only:

- a task per draft, each call acquiring its global slot (Prefect's plain way);
- a task per draft, the fan-out taking its slots once (``llm_slots``): **the
  product's path** — ``flows/slot.py`` maps ``tasks/drafting.py``'s
  ``draft_segment`` over a slot's segments inside ``llm_slots``;
- one task drafting in threads, slots taken once (not used by the product).

Prints the wall time against the ideal ``drafts / limit * latency`` (target
<= 1.25x, judged on the product's path), the peak concurrency the server saw
(must not exceed the limit), and the offline composer's drafts per second on
the demo desk's morning-report brief.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

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

    def log_message(self, *args: object) -> None:
        """Quiet."""


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


def run_prefect(base_url: str, drafts: int, limit: int) -> tuple[float, float, float]:
    from prefect import flow, task
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.task_runners import ThreadPoolTaskRunner
    from prefect.testing.utilities import prefect_test_harness

    from tasks.llm_limit import llm_slot, llm_slots

    conf = LLMConfig(provider="openai", base_url=base_url, model="fake", retries=0, timeout=30)
    request = DraftRequest([{"role": "user", "content": "写早报"}], brief(), "投资有风险")
    # One provider (one HTTP connection pool) per process, as tasks/drafting.py keeps it.
    provider = OpenAIProvider(conf, "key", limiter=lambda: llm_slot("llm"))

    @task
    def one_draft(number: int) -> str:
        return provider.complete(request).text

    @task
    def all_drafts() -> list[str]:
        with ThreadPoolExecutor(max_workers=drafts) as pool:
            return list(pool.map(lambda _: provider.complete(request).text, range(drafts)))

    @flow(task_runner=ThreadPoolTaskRunner(max_workers=drafts))
    def fan_out(mode: str) -> list[str]:
        if mode == "per-request":
            return one_draft.map(range(drafts)).result()
        with llm_slots("llm", drafts):
            if mode == "tasks":
                return one_draft.map(range(drafts)).result()
            return all_drafts()

    with prefect_test_harness(server_startup_timeout=60):
        with get_client(sync_client=True) as client:
            client.create_global_concurrency_limit(
                GlobalConcurrencyLimitCreate(name="llm", limit=limit)
            )
        fan_out("tasks")  # warm-up: task registration, client connections
        timings = []
        for mode in ("per-request", "tasks", "threads"):
            started = time.perf_counter()
            results = fan_out(mode)
            timings.append(time.perf_counter() - started)
            assert len(results) == drafts
    return timings[0], timings[1], timings[2]


def offline_rate(seconds: float = 2.0) -> float:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drafts", type=int, default=48)
    parser.add_argument("--limit", type=int, default=8)
    parser.add_argument("--latency", type=float, default=0.3)
    args = parser.parse_args()
    server = FakeServer(args.latency)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    ideal = args.drafts / args.limit * args.latency
    per_request, tasks, threads = run_prefect(base_url, args.drafts, args.limit)
    rows = [
        ("ideal wall time", ideal, ""),
        ("a task per draft, a global slot per call", per_request, ""),
        ("product: a task per draft, slots once", tasks, " (target <= 1.25x)"),
        ("one task, drafts in threads (not product)", threads, ""),
    ]
    print(f"{args.drafts} drafts, llm limit {args.limit}, provider latency {args.latency}s")
    for label, seconds, note in rows:
        print(f"{label:42s}: {seconds:6.2f} s  ratio {seconds / ideal:.2f}x{note}")
    print(f"{'peak concurrent calls at the server':42s}: {server.peak} (limit {args.limit})")
    print(f"{'offline composer':42s}: {offline_rate():6.1f} drafts/s")
    server.shutdown()


if __name__ == "__main__":
    main()
