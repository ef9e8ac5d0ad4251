"""``create_app(settings, db)``: the review UI and JSON API as one FastAPI app."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import escape
from starlette.routing import Route

from newsdesk import __version__
from newsdesk.clock import Clock, desk_clock
from newsdesk.config import Settings
from newsdesk.errors import NewsdeskError
from newsdesk.jobs import LocalRunner, Runner
from newsdesk.review.accounts import LoginThrottle, TokenUses
from newsdesk.store.db import Database
from newsdesk.web.changes import ChangeCounts
from newsdesk.web.deps import LoginRequired, status_for
from newsdesk.web.pagecache import PageCache
from newsdesk.web.render import local_time
from newsdesk.web.routes import api, metrics, pages, posts
from newsdesk.web.security import BodyLimit, SecurityHeaders, Sessions

HERE = Path(__file__).parent


def create_app(
    settings: Settings, db: Database, runner: Runner | None = None, clock: Clock | None = None
) -> FastAPI:
    """The review app; provider and fetch work goes to ``runner`` (default: worker threads);
    its working day and deadlines read ``clock`` (default: the desk's, :func:`desk_clock`).

    The app's background threads (the local job runner's, the token-use writer's) live as
    long as the server: started by its lifespan, and stopped there, their work finished, when
    it shuts down; creating the app starts nothing.
    """
    settings.require_real_secret()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        local = None if runner else LocalRunner(db, settings)
        app.state.runner = runner or local
        app.state.token_uses = TokenUses(db)
        try:
            yield
        finally:
            # In a thread: a job may still be waiting on its provider, and the loop must not.
            await asyncio.to_thread(app.state.token_uses.close)
            app.state.changes.close()
            if local is not None:
                await asyncio.to_thread(local.shutdown)

    app = FastAPI(
        lifespan=lifespan,
        title="newsdesk review API",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        description="Review queue actions for scripts. Authenticate with `Authorization: Bearer <token>`.",
    )
    app.state.settings = settings
    app.state.db = db
    app.state.clock = clock or desk_clock(settings)
    app.state.templates = Jinja2Templates(directory=str(HERE / "templates"))
    # The templates are the package's files: they change with an upgrade, which restarts the
    # server, so a render need not stat them for changes (it did, on every page).
    app.state.templates.env.auto_reload = False
    app.state.changes = ChangeCounts(db)
    app.state.pages = PageCache()
    app.state.actors = PageCache()  # who a session or token signs in, while users stand
    app.state.frames = PageCache()  # a kept page's frame for each reader (pages.framed)
    app.state.templates.env.filters["local"] = partial(local_time, zone=ZoneInfo(settings.timezone))
    app.state.throttle = LoginThrottle(
        settings.web.login_attempts,
        settings.web.login_window_minutes * 60,
        settings.web.login_throttle_keys,
    )
    # Innermost first: the body limit runs inside the security headers, so a 413 carries them.
    app.add_middleware(BodyLimit, max_bytes=settings.web.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(
        Sessions,
        secret_key=settings.web.secret_key,
        session_cookie="newsdesk_session",
        max_age=int(settings.web.session_hours * 3600),
        same_site="strict",
        https_only=settings.web.secure_cookies,
    )
    # The pages every editor and script reloads: plain Starlette routes, matched first (they
    # read their parameters by hand; FastAPI's matching and dependency solving were a third of
    # a kept queue page's CPU). /api/queue's FastAPI route stays, for the OpenAPI document.
    app.router.routes[:0] = [
        Route("/queue", pages.queue_page, methods=["GET"]),
        Route("/api/queue", api.api_queue, methods=["GET"]),
    ]
    app.include_router(pages.router)
    app.include_router(metrics.router)
    app.include_router(api.router)
    app.include_router(posts.router)
    app.include_router(posts.api_router)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={quote(str(exc))}", status_code=303)

    @app.exception_handler(NewsdeskError)
    async def _error(request: Request, exc: NewsdeskError) -> Response:
        status = status_for(exc)
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": str(exc), "kind": type(exc).__name__}, status_code=status)
        return HTMLResponse(
            f"<!doctype html><title>{status}</title><p>{escape(str(exc))}</p>", status_code=status
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        return JSONResponse(
            {"error": f"invalid request: {problems}", "kind": "ValidationError"}, status_code=422
        )

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        """The OpenAPI description rendered here, without a CDN (the CSP forbids one)."""
        return request.app.state.templates.TemplateResponse(
            request, "docs.html", {"spec": app.openapi()}
        )

    return app
