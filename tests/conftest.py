"""Shared fixtures: real databases (SQLite file, PostgreSQL schema), real HTTP servers, Prefect.

PostgreSQL: ``NEWSDESK_TEST_POSTGRES_URL`` (default: the CI server on
127.0.0.1:5432, database ``test``). Each test gets its own schema, dropped at
the end, so nothing is left behind for the next run. When the server is
unreachable the PostgreSQL variants skip locally but *fail* under ``CI=true``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# Before anything imports prefect: a private PREFECT_HOME (its task cache persists
# across processes), no telemetry, no accidental use of a developer's server.
_PREFECT_HOME = tempfile.mkdtemp(prefix="newsdesk-prefect-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["DO_NOT_TRACK"] = "1"
os.environ.pop("PREFECT_API_URL", None)
os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"

import pytest  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from newsdesk.config import Settings  # noqa: E402
from newsdesk.store.db import Database  # noqa: E402
from tests.scratch import migrated, postgres_schema  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get(
    "NEWSDESK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def make_settings(
    tmp_path: Path, sources: list[dict[str, Any]] | None = None, **fetch: Any
) -> Settings:
    """A desk with the given sources; private networks allowed (servers are on 127.0.0.1)."""
    fetch_conf = {
        "allow_private_networks": True,
        "connect_timeout": 2,
        "read_timeout": 2,
        "total_timeout": 10,
        "max_inline_retry_after": 1,
        "backoff_base": 60,
    } | fetch
    return Settings(
        var_dir=tmp_path / "var",
        sources=sources or [],
        fetch=fetch_conf,
    )


def _postgres_available() -> str | None:
    try:
        engine = sa.create_engine(PG_URL)
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect means "unavailable"
        return str(exc).splitlines()[0]
    return None


@pytest.fixture(scope="session")
def postgres_url() -> str:
    problem = _postgres_available()
    if problem:
        message = f"PostgreSQL at {PG_URL} is unreachable: {problem}"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return PG_URL


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated database: a SQLite file, then a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        with migrated(f"sqlite:///{tmp_path / 'newsdesk.db'}") as database:
            yield database
        return
    with postgres_schema(request.getfixturevalue("postgres_url")) as database:
        yield database


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    with migrated(f"sqlite:///{tmp_path / 'newsdesk.db'}") as database:
        yield database


@pytest.fixture(scope="session")
def demo_dir() -> Path:
    return ROOT / "demo"


@pytest.fixture
def demo_server(demo_dir: Path) -> Iterator[Any]:
    from newsdesk.demo_server import DemoServer

    with DemoServer(demo_dir, "127.0.0.1", 0) as server:
        yield server


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One Prefect test server for the whole session (it takes ~10 s to start)."""
    from prefect.testing.utilities import prefect_test_harness

    from flows.orchestration import ensure_limit

    with prefect_test_harness(server_startup_timeout=60):
        ensure_limit("llm", 8)  # drafting refuses to run without it, as on a real server
        yield


@pytest.fixture(scope="session")
def make_httpserver() -> Iterator[Any]:
    """pytest-httpserver on 127.0.0.1, threaded so a deliberately slow handler blocks no one."""
    from pytest_httpserver import HTTPServer

    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()
