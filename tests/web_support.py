"""A real uvicorn server for the web app on 127.0.0.1 in a thread, and a seeded review desk."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import uvicorn

from newsdesk.clock import Clock
from newsdesk.config import Settings, load_settings
from newsdesk.review.accounts import add_user
from newsdesk.store.db import Database
from newsdesk.web.app import create_app

ROOT = Path(__file__).resolve().parent.parent
PASSWORDS = {
    "editor": "editor-pass-1",
    "editor2": "editor-pass-2",
    "compliance": "compliance-pass",
    "admin": "admin-pass-1",
}


def review_settings() -> Settings:
    settings = load_settings(ROOT / "config" / "desk.yaml")
    settings.web.login_attempts = 50
    return settings


def seed_users(db: Database) -> None:
    for username, password in PASSWORDS.items():
        role = "editor" if username.startswith("editor") else username
        add_user(db, username, password, role, f"{username} 测试")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class WebServer:
    def __init__(self, settings: Settings, db: Database, clock: Clock | None = None) -> None:
        self.port = free_port()
        config = uvicorn.Config(
            create_app(settings, db, clock=clock),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> WebServer:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def wait_for_job(client, headers: dict[str, str], job_id: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Poll GET /api/jobs/{id} until the job has ended (it runs outside the request)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}", headers=headers).json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not end: {job}")
