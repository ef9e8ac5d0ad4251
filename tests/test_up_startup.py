"""``newsdesk up`` reaches the review UI quickly after the first install (issue 24 item 4): the UI
answers before the Prefect server boots, and the web app imports neither drafting's libraries
nor Prefect (each takes seconds of CPU on a busy 2-core machine)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from flows.job_runner import PrefectRunner
from flows.up import serve_desk
from newsdesk.config import Settings
from newsdesk.store.db import Database
from newsdesk.web.app import create_app
from tests.imports import ROOT
from tests.web_support import free_port


class UiAnswered(Exception):
    """Stops serve_desk once the UI has been looked at."""


def test_the_review_ui_answers_before_the_prefect_server_starts(
    tmp_path: Path, sqlite_db: Database
) -> None:
    port, prefect_port = free_port(), free_port()
    settings = Settings(var_dir=tmp_path / "var", web={"port": port, "secret_key": "s" * 32})
    server_log = tmp_path / "var" / "prefect" / "server.log"
    seen: dict[str, object] = {}

    def on_ui() -> None:
        seen["login"] = httpx.get(f"http://127.0.0.1:{port}/login", timeout=10).status_code
        seen["prefect started"] = server_log.exists()
        raise UiAnswered

    def app_for(api: str) -> object:
        seen["api"] = api
        return create_app(settings, sqlite_db, PrefectRunner(api))

    with pytest.raises(UiAnswered):
        serve_desk(
            settings,
            app_for,
            prefect_port=prefect_port,
            on_ui=on_ui,
            announce=lambda _url, _names: None,
        )
    assert seen == {
        "api": f"http://127.0.0.1:{prefect_port}/api",
        "login": 200,
        "prefect started": False,
    }
    with pytest.raises(httpx.ConnectError):  # the UI stopped with the desk
        httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)


def test_the_review_app_imports_no_drafting_libraries_and_no_prefect() -> None:
    heavy = ("prefect", "jieba", "openai", "trafilatura", "newsdesk.drafting.brief")
    probe = (
        "import sys, flows.up, flows.job_runner, newsdesk.web.app; "
        "print(' '.join(sorted(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert sorted(set(out.stdout.split()) & set(heavy)) == []
