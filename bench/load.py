"""Load for the web benches (bench/review_ui.py, bench/metrics.py): servers in processes of their
own, a floor serving the product's own bytes from memory on the same stack, and a client light
enough not to be what is measured.

The client is one asyncio process (uvloop when installed) holding one keep-alive connection per
simulated client and sending the same request bytes (path, cookie, bearer token) to the product
and to its floor, so both sides get equal work from it. It was a thread per client on
``requests``: ~1 ms of the bench's own CPU per request, under one GIL, on the same 2 cores as
the servers, so the floor it measured was mostly itself (p95 47-140 ms for bytes from memory).
Each run prints the client's CPU per request beside the servers' so that can be checked.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]

# The floor: a bare ASGI app answering each GET with the bytes the product answered it with
# (looked up by path and query), so it pays for the server and the sockets, none of the desk's
# work. FLOOR_PAGES names a JSON file: {"/path?query": ["body file", "content type"]}.
FLOOR_APP = """
import json, os
PAGES = {}
for target, (name, kind) in json.load(open(os.environ["FLOOR_PAGES"])).items():
    body = open(name, "rb").read()
    PAGES[target.encode()] = (body, [(b"content-type", kind.encode()),
                                     (b"content-length", str(len(body)).encode())])

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    target = scope["raw_path"]
    if scope["query_string"]:
        target += b"?" + scope["query_string"]
    body, headers = PAGES[target]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # type: ignore[no-any-return]


class Server:
    """A server in a process of its own (its workers its children), stopped on exit."""

    def __init__(self, args: list[str], env: dict[str, str], probe: str = "/login") -> None:
        self.port = free_port()
        # A file, not a pipe: a server logging errors into a pipe nobody reads blocks when it
        # fills, and then never stops. Printed when the server fails to start.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in __exit__
        self.process = subprocess.Popen(
            [*args, "--port", str(self.port)],
            env=os.environ | env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        # Each worker process imports the whole app: minutes on a machine shared by many.
        deadline = time.monotonic() + 600
        while True:
            try:
                requests.get(f"{self.url}{probe}", timeout=30)
                break
            except requests.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.process.kill()
                    raise RuntimeError(self.errors()) from None
                time.sleep(0.2)

    def errors(self) -> str:
        """The end of what the server wrote to stderr."""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-2000:]

    def cpu_seconds(self) -> float:
        """User + system CPU of the server and its worker processes so far."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in [self.process.pid, *_children(self.process.pid)]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue
            total += int(fields[11]) + int(fields[12])
        return total / ticks

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


class Floor(Server):
    """FLOOR_APP under uvicorn in ``workers`` processes, serving ``pages`` ({path: (body,
    content type)}) as the product served them."""

    def __init__(self, pages: dict[str, tuple[bytes, str]], workers: int) -> None:
        self.folder = tempfile.TemporaryDirectory()  # noqa: SIM115 - closed in __exit__
        folder = Path(self.folder.name)
        (folder / "floor_app.py").write_text(FLOOR_APP)
        index = {}
        for n, (target, (body, kind)) in enumerate(pages.items()):
            (folder / f"page{n}.body").write_bytes(body)
            index[target] = [str(folder / f"page{n}.body"), kind]
        (folder / "pages.json").write_text(json.dumps(index))
        code = (
            "import sys, uvicorn; uvicorn.run('floor_app:app', host='127.0.0.1', "
            f"port=int(sys.argv[2]), workers={workers}, log_level='warning')"
        )
        env = {
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(folder), os.environ.get("PYTHONPATH")])
            ),
            "FLOOR_PAGES": str(folder / "pages.json"),
        }
        super().__init__([sys.executable, "-c", code], env, probe=next(iter(pages)))

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        self.folder.cleanup()


def server_stack() -> str:
    """What uvicorn runs on here, for the newsdesk server and the floor alike: its C parser and
    loop (httptools, uvloop) when installed, else pure-Python h11 on asyncio's loop."""
    http = "httptools" if find_spec("httptools") else "h11"
    loop = "uvloop" if find_spec("uvloop") else "asyncio"
    return f"uvicorn on {http} + {loop}"


@dataclass
class Sample:
    """Requests of one page to one server: their latencies and the CPU spent on them."""

    times: list[float] = field(default_factory=list)  # ms
    server_cpu: float = 0.0  # s, all the server's processes
    client_cpu: float = 0.0  # s, this process (the client)
    size: int = 0

    def add(self, other: Sample) -> None:
        self.times += other.times
        self.server_cpu += other.server_cpu
        self.client_cpu += other.client_cpu
        self.size = other.size

    @property
    def p50(self) -> float:
        return statistics.median(self.times) if self.times else 0.0

    @property
    def p95(self) -> float:
        ordered = sorted(self.times)
        return ordered[max(0, int(len(ordered) * 0.95) - 1)] if ordered else 0.0

    @property
    def cpu_ms(self) -> float:
        """The server's CPU per request, ms."""
        return self.server_cpu * 1000 / max(len(self.times), 1)

    @property
    def client_ms(self) -> float:
        return self.client_cpu * 1000 / max(len(self.times), 1)


def request_bytes(
    port: int,
    path: str,
    cookies: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Accept: */*"]
    if cookies:
        lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _response(reader: asyncio.StreamReader) -> tuple[int, int]:
    """One response off the connection: its status and body length."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length, chunked = 0, False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if not chunked:
        await reader.readexactly(length)
        return status, length
    total = 0
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        await reader.readexactly(size + 2)
        total += size
        if size == 0:
            return status, total


async def _clients(port: int, request: bytes, clients: int, each: int) -> tuple[list[float], int]:
    connections = [await asyncio.open_connection("127.0.0.1", port) for _ in range(clients)]
    size = 0

    async def one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> list[float]:
        times = []
        for _ in range(each):
            started = time.perf_counter()
            writer.write(request)
            status, _ = await _response(reader)
            times.append((time.perf_counter() - started) * 1000)
            assert status == 200, (request.split(b"\r\n")[0], status)
        return times

    try:
        for reader, writer in connections:  # warm up: each connection's first request, untimed
            writer.write(request)
            status, size = await _response(reader)
            assert status == 200, (request.split(b"\r\n")[0], status)
        timed = await asyncio.gather(*(one(r, w) for r, w in connections))
    finally:
        for _, writer in connections:
            writer.close()
    return [t for times in timed for t in times], size


def _run(coroutine):  # type: ignore[no-untyped-def]
    if find_spec("uvloop"):
        import uvloop

        return uvloop.run(coroutine)
    return asyncio.run(coroutine)


def hammer(
    server: Server,
    path: str,
    clients: int,
    each: int,
    cookies: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Sample:
    """``clients`` connections at once, each requesting ``path`` ``each`` times in turn."""
    request = request_bytes(server.port, path, cookies, headers)
    cpu, own = server.cpu_seconds(), time.process_time()
    times, size = _run(_clients(server.port, request, clients, each))
    return Sample(times, server.cpu_seconds() - cpu, time.process_time() - own, size)


def side_by_side(
    desk: Server,
    floor: Server,
    path: str,
    clients: int,
    each: int,
    rounds: int,
    cookies: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[Sample, Sample]:
    """The product and its floor hammered in turn, ``rounds`` times each (so a neighbour's
    burst on the shared machine falls on both alike), with the same requests."""
    mine, bare = Sample(), Sample()
    per_round = max(1, each // rounds)
    for _ in range(rounds):
        mine.add(hammer(desk, path, clients, per_round, cookies, headers))
        bare.add(hammer(floor, path, clients, per_round, cookies, headers))
    return mine, bare


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def summed(samples: Iterable[Sample]) -> Sample:
    total = Sample()
    for sample in samples:
        total.add(sample)
    return total
