"""Server-rendered pages: login, the queue, a draft with its sources, report, versions and audit."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from typing import Annotated, TypeVar

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from newsdesk.config import Settings
from newsdesk.errors import AuthError, NewsdeskError, NotFound, ReviewError, StaleVersion
from newsdesk.jobs import check_quota, create_job, draft_jobs, get_job
from newsdesk.review.accounts import authenticate, end_sessions, session_actor, session_generation
from newsdesk.review.queue import queue, working_queue
from newsdesk.review.serialise import draft_view
from newsdesk.review.service import transition
from newsdesk.review.states import LABELS, ReviewState
from newsdesk.timetable import working_day
from newsdesk.web.deps import (
    DbDep,
    PageActor,
    SessionDep,
    SettingsDep,
    kept,
    reads_of,
    signed_in,
    status_for,
)
from newsdesk.web.pagecache import Made, PageCache, forever
from newsdesk.web.params import DAY, text, typed
from newsdesk.web.render import diff, highlight
from newsdesk.web.security import check_csrf, csrf_token
from newsdesk.web.views import Timed, queue_groups, state_counts

router = APIRouter(include_in_schema=False)
FORM_ACTIONS = {"approve", "reject", "request_revision", "edit", "correct"}
T = TypeVar("T")


def render(request: Request, name: str, status: int = 200, **context: object) -> HTMLResponse:
    templates = request.app.state.templates
    context |= {"request": request, "csrf": csrf_token(request), "labels": LABELS}
    return templates.TemplateResponse(request, name, context, status_code=status)


def framed(request: Request, name: str, listing: Markup, **context: Hashable) -> HTMLResponse:
    """:func:`render` for a page that is a kept part (``listing``) inside what is its reader's
    own (their name and role, their CSRF token: ``context`` and the session). The frame is
    rendered once per reader and kept in the process's ``frames``: rendering the page's
    templates around a 35 KB listing on every request was a sixth of a kept queue page's CPU."""
    csrf = csrf_token(request)

    def make() -> Made[tuple[str, str]]:
        mark = secrets.token_hex(16)  # no text of a draft can spell it
        context_ = context | {"request": request, "csrf": csrf, "labels": LABELS}
        page = request.app.state.templates.get_template(name).render(
            context_ | {"listing": Markup(mark)}
        )
        head, _, tail = page.partition(mark)
        return forever((head, tail))

    frames: PageCache = request.app.state.frames
    head, tail = frames.get((name, csrf, *sorted(context.items())), make)
    return HTMLResponse("".join((head, listing, tail)))  # not str + Markup: that escapes


def part(request: Request, name: str, **context: object) -> Markup:
    """A template that is part of a page, for any reader: it gets no request, no actor and no
    CSRF token, so it can be kept for everyone (newsdesk/web/pagecache.py)."""
    template = request.app.state.templates.get_template(name)
    return Markup(template.render(context | {"labels": LABELS}))


async def kept_part(
    request: Request, changes: dict[str, int], key: Hashable, make: Callable[[], Made[T]]
) -> T:
    """The part under ``key``, kept in the process's page cache while the drafts stand."""
    return await kept(request.app.state.pages, changes, "drafts", key, make)


def _local_path(target: str) -> str:
    """Only same-site paths: '//evil.example' or 'https://...' would be an open redirect."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/queue"


@router.get("/login")
def login_page(request: Request, next: str = "/queue") -> HTMLResponse:
    return render(
        request, "login.html", next=next if next.startswith("/") else "/queue", error=None
    )


@router.post("/login")
def login(
    request: Request,
    db: DbDep,
    session: SessionDep,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/queue",
) -> Response:
    check_csrf(request, csrf)
    address = request.client.host if request.client else "?"
    try:
        actor = authenticate(db, username, password, request.app.state.throttle, address)
    except AuthError as exc:
        return render(request, "login.html", status=401, next=next, error=str(exc))
    request.session.clear()
    request.session["user"] = actor.username
    request.session["generation"] = session_generation(session, actor.username)
    return RedirectResponse(_local_path(next), status_code=303)


@router.post("/logout")
def logout(
    request: Request, db: DbDep, session: SessionDep, csrf: Annotated[str, Form()] = ""
) -> Response:
    """Sign out everywhere: a copy of this session's cookie stops working too."""
    check_csrf(request, csrf)
    username = request.session.get("user")
    if username:
        with suppress(NewsdeskError):  # an ended session has nothing left to end
            session_actor(session, username, request.session.get("generation"))
            end_sessions(db, username)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/")
def home() -> Response:
    return RedirectResponse("/queue", status_code=303)


async def queue_page(request: Request) -> HTMLResponse:
    """The queue as everyone sees it, made once per change to the drafts (any process), inside
    the asker's own page (their name, their CSRF token). A kept page is served on the event
    loop, reading nothing but the store's change counts. A plain Starlette route, first in the
    app's table (``newsdesk.web.app``): FastAPI's dependency solving and route matching were
    a third of a kept page's CPU; its parameters (``day``, ``slot``, ``state``, ``kind``,
    ``earlier``) are read by hand (``newsdesk.web.params``)."""
    app = request.app.state
    settings: Settings = app.settings
    changes = app.changes.read()  # before anything it guards: who asks, the kept listing
    async with reads_of(request) as reads:
        actor = await signed_in(request, changes, reads)
        day = typed(request, "day", DAY)
        now = app.clock.now()
        working = working_day(settings, now)
        wanted = QueueQuery(
            day or working,
            working,
            text(request, "slot") or None,
            text(request, "state") or None,
            text(request, "kind") or None,
            text(request, "earlier"),
        )
        make = partial(_queue_listing, request, reads, settings, wanted)
        listing = await kept_part(request, changes, ("queue", wanted), make)
    # The write's start was stamped by the system clock, so its age is read on it too
    # (a replayed desk's clock stands on another day).
    shown = listing.at(now, datetime.now(UTC))
    return framed(request, "queue.html", shown, actor=actor, day=wanted.day)


@dataclass(frozen=True)
class QueueQuery:
    """What a queue page shows: its day (the working day's page adds earlier undecided drafts,
    a page of them after ``earlier``) and its filters."""

    day: date
    working: date
    slot: str | None
    state: str | None
    kind: str | None
    earlier: str | None


def _queue_listing(
    request: Request,
    reads: Callable[[], Session],
    settings: Settings,
    wanted: QueueQuery,
) -> Made[Timed]:
    """The queue part of the page, its countdowns and ages read on each request."""
    session = reads()
    slot, state, kind = wanted.slot, wanted.state, wanted.kind
    if wanted.day == wanted.working:
        page = working_queue(
            session,
            wanted.day,
            earlier_limit=settings.review.earlier_page,
            earlier_cursor=wanted.earlier,
            slot=slot,
            state=state,
            kind=kind,
        )
        rows = page.rows + page.earlier
    else:
        page = None
        rows = queue(session, day=wanted.day, slot=slot, state=state, kind=kind)
    groups = queue_groups(settings, rows, wanted.day)
    listing = Timed.render(
        partial(part, request, "queue_list.html"),
        day=wanted.day,
        groups=groups,
        earlier=page,
        earlier_cursor=wanted.earlier,
        counts=state_counts(rows),
        filters={"slot": slot or "", "state": state or "", "kind": kind or ""},
        slots=settings.slots,
        states=list(ReviewState),
        kinds=sorted({s.kind for s in settings.slots}),
    )
    return forever(listing)


@router.post("/breaking")
def breaking_form(
    request: Request,
    actor: PageActor,
    db: DbDep,
    settings: SettingsDep,
    headline: Annotated[str, Form()],
    csrf: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    params = {"request": headline, "note": note or None}
    job = create_job(
        db, request.app.state.runner, "breaking", params, actor.username, settings=settings
    )
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.get("/jobs/{job_id}")
def job_page(request: Request, job_id: str, actor: PageActor, session: SessionDep) -> Response:
    """A job's state; the page reloads itself until the job ends, then opens its draft."""
    try:
        job = get_job(session, job_id)
    except NotFound as exc:
        return render(request, "error.html", status=404, actor=actor, error=str(exc))
    if job.state == "done" and job.draft_id:
        return RedirectResponse(f"/drafts/{job.draft_id}?done={job.kind}", status_code=303)
    return render(request, "job.html", actor=actor, job=job)


@router.get("/drafts/{draft_id}")
def draft_page(
    request: Request, draft_id: int, actor: PageActor, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    return _draft_page(request, draft_id, actor, session, settings)


def _draft_page(request, draft_id, actor, session, settings, status=200, error=None, message=None):  # type: ignore[no-untyped-def]
    """The draft's page, read through the request's session."""
    try:
        view = draft_view(session, settings, draft_id, actor)
    except NotFound as exc:
        return render(request, "error.html", status=404, actor=actor, error=str(exc))
    draft = view["draft"]
    siblings = [r.id for r in queue(session, day=draft.day)]
    position = siblings.index(draft.id) if draft.id in siblings else -1
    versions = []
    previous = ""
    for version in draft.versions:
        versions.append((version, diff(previous, version.body)))
        previous = version.body
    return render(
        request,
        "draft.html",
        status=status,
        actor=actor,
        error=error,
        message=message or request.query_params.get("done"),
        highlighted=highlight(view["latest"].body, view["report"]) if view["latest"] else None,
        versions=list(reversed(versions)),
        previous_id=siblings[position - 1] if position > 0 else None,
        next_id=siblings[position + 1] if 0 <= position < len(siblings) - 1 else None,
        jobs=draft_jobs(session, draft.id),
        **view,
    )


@router.post("/drafts/{draft_id}/{action}")
def draft_action(
    request: Request,
    draft_id: int,
    action: str,
    actor: PageActor,
    db: DbDep,
    session: SessionDep,
    settings: SettingsDep,
    expected_version: Annotated[int, Form()],
    csrf: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    if action not in FORM_ACTIONS:
        return _draft_page(
            request, draft_id, actor, session, settings, 404, f"unknown action {action!r}"
        )
    try:
        if action == "request_revision":
            check_quota(db, settings, actor.username)
            transition(
                db,
                settings,
                draft_id,
                "request_revision",
                actor,
                expected_version=expected_version,
                note=note,
            )
            create_job(
                db,
                request.app.state.runner,
                "redraft",
                {"note": note},
                actor.username,
                draft_id,
                settings=settings,
            )
        else:
            transition(
                db,
                settings,
                draft_id,
                action,
                actor,
                expected_version=expected_version,
                note=note,
                text=text,
            )
    except StaleVersion as exc:
        return _draft_page(
            request, draft_id, actor, session, settings, 409, f"冲突 conflict: {exc}"
        )
    except ReviewError as exc:
        return _draft_page(request, draft_id, actor, session, settings, status_for(exc), str(exc))
    return RedirectResponse(f"/drafts/{draft_id}?done={action}", status_code=303)
