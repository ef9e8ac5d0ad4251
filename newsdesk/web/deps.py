"""Request dependencies: the request's database session, the settings, who is asking; and the
one mapping of newsdesk's errors to HTTP statuses, for the API's handler and the pages alike."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractContextManager
from typing import Annotated

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
from newsdesk.review.accounts import Actor, session_actor, token_actor
from newsdesk.store.db import Database


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


def get_db(request: Request) -> Database:
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


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


DbDep = Annotated[Database, Depends(get_db)]
SessionDep = Annotated[Session, Depends(request_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_clock(request: Request) -> Clock:
    return request.app.state.clock


def page_actor(request: Request, session: SessionDep) -> Actor:
    username = request.session.get("user")
    if not username:
        raise LoginRequired(request.url.path)
    try:
        return session_actor(session, username, request.session.get("generation"))
    except NewsdeskError:
        request.session.clear()
        raise LoginRequired(request.url.path) from None


def api_actor(request: Request, session: SessionDep) -> Actor:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise AuthError(
            "missing API token: send 'Authorization: Bearer <token>' (newsdesk users token NAME)"
        )
    actor, due = token_actor(session, token.strip())
    if due is not None:  # written by the app's token-use writer, off the request
        request.app.state.token_uses(due)
    return actor


ClockDep = Annotated[Clock, Depends(get_clock)]
PageActor = Annotated[Actor, Depends(page_actor)]
ApiActor = Annotated[Actor, Depends(api_actor)]
