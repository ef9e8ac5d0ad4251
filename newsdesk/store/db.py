"""Engines, sessions and migrations.

SQLite (the embedded default) runs in WAL mode with a busy timeout so the
review UI can read while a flow writes; PostgreSQL is used as is. The schema
always comes from Alembic, never from ``create_all``, so the tests run the
same migrations production does.
"""

from __future__ import annotations

import fcntl
import hashlib
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.orm import Session, sessionmaker

from newsdesk.errors import StoreError
from newsdesk.text.clean import sanitise, unsafe_utf8

MIGRATIONS = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def lock_for_write(session: Session, key: int) -> None:
    """Serialise one kind of read-then-write transaction across threads and workers.

    PostgreSQL: a transaction-scoped advisory lock on ``key`` (concurrent item
    inserts touching three unique indexes in different orders deadlock
    otherwise). SQLite: ``BEGIN IMMEDIATE``, so the transaction holds the write
    lock before it reads and never fails to upgrade a stale read snapshot.
    """
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    elif conn.dialect.name == "sqlite":
        raw = conn.connection.dbapi_connection
        if raw is not None and not raw.in_transaction:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for ``name`` (PostgreSQL advisory locks take a bigint)."""
    return int.from_bytes(
        hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True
    )


def _safe_value(value: Any) -> Any:
    return sanitise(value) if isinstance(value, str) else value


def _safe_row(row: Any) -> Any:
    if isinstance(row, dict):
        return {key: _safe_value(value) for key, value in row.items()}
    if isinstance(row, (list, tuple)):
        return type(row)(_safe_value(value) for value in row)
    return row


def _values(row: Any) -> Any:
    if isinstance(row, dict):
        return row.values()
    return row if isinstance(row, (list, tuple)) else ()


def _all_safe(rows: Any) -> bool:
    """Whether no text among ``rows``' values holds what :func:`sanitise` changes: one check of
    them all joined (a lone surrogate cannot be encoded, joined or not; the rest are single
    characters), not a call per value (storing 6,500 items: 80,000 values, 20 MB of text)."""
    joined = "".join([v for row in rows for v in _values(row) if isinstance(v, str)])
    try:
        return not unsafe_utf8(joined, joined.encode("utf-8"))
    except UnicodeEncodeError:  # a lone surrogate
        return False


def _safe_parameters(
    _conn: Any,
    _cursor: Any,
    statement: str,
    parameters: Any,
    _context: Any,
    executemany: bool,
) -> tuple[str, Any]:
    """No NUL or lone surrogate reaches the database, from any path into the store.

    PostgreSQL refuses NUL in text ("A string literal cannot contain NUL"), and
    both drivers raise on a lone surrogate, so a login name, a note, an edit or
    a query-string filter carrying one answered 500. Feed text is cleaned long
    before (``text/clean.py``); this is the last gate for everything else. The
    parameters go through as they are when all their text is safe (nearly always).
    """
    rows = parameters if executemany and isinstance(parameters, (list, tuple)) else [parameters]
    if _all_safe(rows):
        return statement, parameters
    if executemany and isinstance(parameters, (list, tuple)):
        return statement, type(parameters)(_safe_row(row) for row in parameters)
    return statement, _safe_row(parameters)


_memory_locks: dict[str, threading.Lock] = {}
_memory_guard = threading.Lock()


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    event.listen(engine, "before_cursor_execute", _safe_parameters, retval=True)
    return engine


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


class Database:
    """One engine and its session factory."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)

    @cached_property
    def _sessions(self) -> sessionmaker[Session]:
        # Made on first use: a command that reads through Core (``newsdesk metrics``) does not
        # pay for importing SQLAlchemy's ORM (~0.08 s of CPU) at start-up.
        from sqlalchemy.orm import sessionmaker

        return sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def check_current(self) -> None:
        """Raise StoreError unless the schema is at the newest migration."""
        head = head_revision()
        try:
            current = current_revision(self)
        except OperationalError as exc:
            raise StoreError(f"cannot reach the database {self.safe_url}: {exc.orig}") from exc
        if current != head:
            raise StoreError(
                f"database {self.safe_url} is at migration {current or 'none'}, "
                f"expected {head}: run 'newsdesk db upgrade'"
            )

    @contextmanager
    def held(self, name: str) -> Iterator[None]:
        """Hold the lock called ``name`` across slow work (a provider call), for every worker.

        No transaction stays open while it is held. PostgreSQL: a session-level
        advisory lock on a connection of its own. SQLite, which lives on one
        machine: ``flock`` on a file beside the database. Both go away with
        their holder's connection or process, so a worker killed with -9
        leaves no lock behind.
        """
        if self.engine.dialect.name == "postgresql":
            with self.engine.connect() as conn:
                conn = conn.execution_options(isolation_level="AUTOCOMMIT")
                key = {"key": lock_key(name)}
                conn.execute(text("SELECT pg_advisory_lock(:key)"), key)
                try:
                    yield
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:key)"), key)
            return
        database = make_url(self.url).database
        if not database or database == ":memory:":
            with _memory_guard:
                lock = _memory_locks.setdefault(name, threading.Lock())
            with lock:
                yield
            return
        folder = Path(f"{database}.locks")
        folder.mkdir(parents=True, exist_ok=True)
        # One open file per holder: flock excludes other threads of this process too.
        with (folder / f"{lock_key(name) & 0xFFFFFFFFFFFFFFFF:016x}").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @property
    def safe_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    def dispose(self) -> None:
        self.engine.dispose()


_REVISION = re.compile(r'^(revision|down_revision)\s*=\s*"([^"]*)"', re.MULTILINE)


@cache
def head_revision() -> str:
    """The newest migration, read from the version files' ``revision`` lines: the one no other
    names as its ``down_revision``."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = dict(_REVISION.findall(path.read_text(encoding="utf-8")))
        revisions.add(found["revision"])
        parents.add(found.get("down_revision", ""))
    (head,) = revisions - parents
    return head


def current_revision(db: Database) -> str | None:
    """The migration the database is at (None before the first). OperationalError when it
    cannot be reached."""
    with db.engine.connect() as conn:
        try:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        except (OperationalError, ProgrammingError):  # no alembic_version table yet
            conn.rollback()
            rows = []
    return rows[0] if len(rows) == 1 else None


def migrate(db: Database, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (idempotent). A database already at the head returns
    at once: alembic is imported only to migrate (importing it costs every CLI command about
    0.35 s, which is most of `newsdesk metrics`' time on a current store)."""
    if revision == "head":
        try:
            if current_revision(db) == head_revision():
                return
        except OperationalError as exc:
            raise StoreError(f"cannot reach the database {db.safe_url}: {exc.orig}") from exc
    from alembic import command

    cfg = alembic_config(db.url)
    try:
        with db.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    except OperationalError as exc:
        raise StoreError(f"cannot reach the database {db.safe_url}: {exc.orig}") from exc


def downgrade(db: Database, revision: str = "base") -> None:
    from alembic import command

    cfg = alembic_config(db.url)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def open_database(url: str, *, upgrade: bool = True) -> Database:
    db = Database(url)
    if upgrade:
        migrate(db)
    return db
