"""The CLI as a user runs it: a subprocess with its own config and database."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml
from pytest_httpserver import HTTPServer

from tests.feeds import rss_bytes
from tests.web_support import free_port

ROOT = Path(__file__).resolve().parent.parent


def run(args: list[str], env: dict[str, str], cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newsdesk.cli", *args],
        capture_output=True,
        text=True,
        env=os.environ | env | {"COLUMNS": "200"},
        cwd=cwd,
        check=False,
        timeout=120,
    )


def desk(tmp_path: Path, sources: list[dict[str, object]]) -> dict[str, str]:
    path = tmp_path / "desk.yaml"
    path.write_text(
        yaml.safe_dump(
            {"fetch": {"allow_private_networks": True, "read_timeout": 2}, "sources": sources}
        ),
        encoding="utf-8",
    )
    return {
        "NEWSDESK_CONFIG": str(path),
        "NEWSDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
    }


def test_ingest_sources_items(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/ok").respond_with_data(
        rss_bytes([("g1", "北向资金净流入", "https://e.com/1")])
    )
    httpserver.expect_request("/down").respond_with_data("nope", status=502)
    env = desk(
        tmp_path,
        [
            {"name": "ok", "url": httpserver.url_for("/ok")},
            {"name": "down", "url": httpserver.url_for("/down")},
        ],
    )
    out = run(["ingest"], env)
    assert out.returncode == 0, out.stderr
    assert (
        "ok" in out.stdout
        and "done" in out.stdout
        and "failed" in out.stdout
        and "HTTP 502" in out.stdout
    )
    only = run(["ingest", "--source", "ok"], env)
    assert only.returncode == 0 and "down" not in only.stdout
    sources = run(["sources"], env)
    assert "backoff" in sources.stdout and "1 (1 total)" in sources.stdout
    items = run(["items", "--json"], env)
    rows = [json.loads(line) for line in items.stdout.splitlines()]
    assert [r["title"] for r in rows] == ["北向资金净流入"]
    reset = run(["sources", "--reset", "down"], env)
    assert "source down reset" in reset.stdout
    unknown = run(["ingest", "--source", "nosuch"], env)
    assert unknown.returncode == 2 and "no source named 'nosuch'" in unknown.stderr
    cut_off = run(["ingest", "--source", "down", "--force"], env)
    assert cut_off.returncode == 1 and "every source failed" in cut_off.stderr


def test_item_add(tmp_path: Path) -> None:
    env = desk(tmp_path, [])
    out = run(
        ["item", "add", "--title", "快讯：翔云航空科技交付首架eVTOL", "--text", "交付时间提前。"],
        env,
    )
    assert out.returncode == 0 and "stored item" in out.stdout
    again = run(
        ["item", "add", "--title", "快讯：翔云航空科技交付首架eVTOL", "--text", "交付时间提前"], env
    )
    assert "already stored" in again.stdout
    bad = run(["item", "add", "--title", "x", "--link", "javascript:alert(1)"], env)
    assert bad.returncode == 2 and "not an http" in bad.stderr


def test_db_upgrade_and_check(tmp_path: Path) -> None:
    env = desk(tmp_path, [])
    fresh = run(["db", "check"], env)
    assert fresh.returncode == 2 and "newsdesk db upgrade" in fresh.stderr
    assert run(["db", "upgrade"], env).returncode == 0
    assert run(["db", "check"], env).returncode == 0


@contextmanager
def desk_port_taken() -> Iterator[None]:
    """Hold the bundled desk's demo port (8765), as a desk running on this machine does."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", 8765))
            sock.listen()
        except OSError:
            pass  # something already holds it: the same situation
        yield


def test_demo_command_ingests_demo_desk(tmp_path: Path) -> None:
    """The README's first command, minus the install: demo feeds served on 127.0.0.1 and ingested."""
    # A free port, not the desk's 8765: the suite must pass while a desk runs on this machine.
    env = {
        "NEWSDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
        "NEWSDESK_CONFIG": str(ROOT / "config" / "desk.yaml"),
        "NEWSDESK_DEMO__PORT": str(free_port()),
    }
    with desk_port_taken():
        out = run(["demo"], env)
    assert out.returncode == 0, out.stderr
    assert "failed" not in out.stdout
    assert "yanjiusuo" in out.stdout and "chanye" in out.stdout
    assert "热点话题" in out.stdout and "drafts for 2026-11-23" in out.stdout
    # Every slot drafted and checked; the offline composer states only figures it is sure of,
    # so a thin slot of the demo day is queued flagged (with why), never dropped.
    assert out.stdout.count("passed") + out.stdout.count("flagged") >= 9
    count = run(["items", "--json", "--limit", "1000"], env)
    assert len(count.stdout.splitlines()) >= 200


def test_busy_demo_port_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {
            "NEWSDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
            "NEWSDESK_CONFIG": str(ROOT / "config" / "desk.yaml"),
            "NEWSDESK_DEMO__PORT": str(port),
        }
        out = run(["demo"], env)
    assert (
        out.returncode == 2
        and "NEWSDESK_DEMO__PORT" in out.stderr
        and "Traceback" not in out.stderr
    )
