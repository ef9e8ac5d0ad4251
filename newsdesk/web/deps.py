"""Request dependencies: the request's database session, the settings, who is asking; and the
one mapping of newsdesk's errors to HTTP statuses, for the API's handler and the pages alike."""

from __future__ import annotations

import hashlib
import time
from collections.abc import AsyncIterator, Callable, Hashable
from contextlib import AbstractContextManager, asynccontextmanager
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from newsdesk.clock import Clock
from newsdesk.config import Settings
from newsdesk.errors import (
    AuthError,
    InvalidTransition,
    NewsdeskError,
    NotFound,
    PermissionDenied,
    StaleVersion,
    TextTooLong,
    TooManyJobs,
)
from newsdesk.review.accounts import LAST_USED_EVERY, Actor, session_actor, token_actor
from newsdesk.store.db import Database
from newsdesk.web.pagecache import Made, PageCache, forever

T = TypeVar("T")


class LoginRequired(NewsdeskError):
    """A page was asked for without a session: send the visitor to the login page."""


STATUS: dict[type[Exception], int] = {
    AuthError: 401,
    PermissionDenied: 403,
    NotFound: 404,
    StaleVersion: 409,
    InvalidTransition: 409,
    TextTooLong: 413,
    TooManyJobs: 429,
}


def status_for(exc: Exception) -> int:
    """The HTTP status of an error (400 for one of ours not listed)."""
    for kind, status in STATUS.items():
        if isinstance(exc, kind):
            return status
    return 400


# The dependencies that only read the app's state are ``async``: FastAPI runs a plain ``def``
# dependency in a worker thread, a trip that cost more than the read.
async def get_db(request: Request) -> Database:
    return request.app.state.db


async def request_session(request: Request) -> AsyncIterator[Session]:
    """The one session a request reads through (who is asking, what the page shows), closed
    when the request ends. Writes are not made in it: each service call that changes state is
    its own short transaction (checks run before it, outside any), so a slow page never holds
    a lock and a refused action leaves nothing half-written.

    Opened and, when its reads have ended their transactions (they do: ``store.reading``),
    closed on the event loop: a session touches the database only when read through, so this
    costs no I/O, and two of a page's four trips to a worker thread (a third of a kept queue
    page's CPU went to those trips). A transaction still open is ended in a worker thread."""
    ending = request.app.state.db.session()
    session = ending.__enter__()
    try:
        yield session
    except BaseException as exc:
        await _end(ending, session, exc)
        raise
    await _end(ending, session, None)


async def _end(
    ending: AbstractContextManager[Session], session: Session, exc: BaseException | None
) -> None:
    args = (type(exc), exc, exc.__traceback__) if exc else (None, None, None)
    if session.in_transaction():
        await run_in_threadpool(ending.__exit__, *args)
    else:
        ending.__exit__(*args)


class Reads:
    """A request's one session, opened when something is first read through it: a page whose
    parts are all kept reads nothing, and opening and ending a session it never used was a
    tenth of its CPU. ``reads()`` is the session (call it where the reading is done: in the
    worker thread making a part); :meth:`close` ends it as :func:`request_session` does."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._ending: AbstractContextManager[Session] | None = None
        self._session: Session | None = None

    def __call__(self) -> Session:
        if self._session is None:
            self._ending = self._db.session()
            self._session = self._ending.__enter__()
        return self._session

    async def close(self, exc: BaseException | None = None) -> None:
        if self._ending is not None and self._session is not None:
            await _end(self._ending, self._session, exc)


@asynccontextmanager
async def reads_of(request: Request) -> AsyncIterator[Reads]:
    """The request's :class:`Reads`, ended when the block is left."""
    reads = Reads(request.app.state.db)
    try:
        yield reads
    except BaseException as exc:
        await reads.close(exc)
        raise
    await reads.close()


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


DbDep = Annotated[Database, Depends(get_db)]
SessionDep = Annotated[Session, Depends(request_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_clock(request: Request) -> Clock:
    return request.app.state.clock


async def request_changes(request: Request) -> dict[str, int]:
    """The store's change counts (``newsdesk.web.changes``), read once per request before
    anything they guard: who asks, and the kept parts of the page."""
    return request.app.state.changes.read()


ChangesDep = Annotated[dict[str, int], Depends(request_changes)]


async def kept(
    cache: PageCache,
    changes: dict[str, int],
    kind: str,
    key: Hashable,
    make: Callable[[], Made[T]],
) -> T:
    """What ``make`` makes, kept in ``cache`` while the store's ``kind`` count stands (made on
    every request by a store without the counter): served on the event loop when kept, made in a
    worker thread."""
    count = changes.get(kind)
    if count is None:
        return (await run_in_threadpool(make)).value
    return await cache.kept((kind, count, key), make)


async def page_actor(request: Request, session: SessionDep, changes: ChangesDep) -> Actor:
    """Who the session cookie signs in, looked up again only after users change (any process:
    a disabled account or a logout everywhere counts)."""
    return await signed_in(request, changes, lambda: session)


async def signed_in(
    request: Request, changes: dict[str, int], session: Callable[[], Session]
) -> Actor:
    """:func:`page_actor`, reading through ``session()`` only when it is not kept."""
    username = request.session.get("user")
    if not username:
        raise LoginRequired(request.url.path)
    generation = request.session.get("generation")
    actors = request.app.state.actors

    def lookup() -> Made[Actor]:
        return _session_lookup(session(), username, generation)

    try:
        return await kept(actors, changes, "users", (username, generation), lookup)
    except NewsdeskError:
        request.session.clear()
        raise LoginRequired(request.url.path) from None


def _session_lookup(session: Session, username: str, generation: object) -> Made[Actor]:
    return forever(session_actor(session, username, generation))


async def api_actor(request: Request, session: SessionDep, changes: ChangesDep) -> Actor:
    """Who the bearer token signs in, looked up again only after users or tokens change; its use
    is recorded (off the request) when the last one recorded is a minute old."""
    return await token_holder(request, changes, lambda: session)


async def token_holder(
    request: Request, changes: dict[str, int], session: Callable[[], Session]
) -> Actor:
    """:func:`api_actor`, reading through ``session()`` only when it is not kept."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise AuthError(
            "missing API token: send 'Authorization: Bearer <token>' (newsdesk users token NAME)"
        )
    token = token.strip()
    digest = hashlib.sha256(token.encode()).digest()  # the token itself is not kept

    def lookup() -> Made[tuple[Actor, int | None]]:
        return _token_lookup(session(), token)

    actor, due = await kept(request.app.state.actors, changes, "users", digest, lookup)
    if due is not None:  # written by the app's token-use writer, off the request
        request.app.state.token_uses(due)
    return actor


def _token_lookup(session: Session, token: str) -> Made[tuple[Actor, int | None]]:
    """A use due to be recorded is not kept (recording it changes the count anyway); a recent
    one is kept for a minute, after which a use may be due again: a use is recorded within two
    minutes of the last, as it was within one when every request looked the token up."""
    actor, due = token_actor(session, token)
    keep = 0.0 if due is not None else LAST_USED_EVERY.total_seconds()
    return Made((actor, due), time.monotonic() + keep)


ClockDep = Annotated[Clock, Depends(get_clock)]
PageActor = Annotated[Actor, Depends(page_actor)]
ApiActor = Annotated[Actor, Depends(api_actor)]
