"""Headers, CSRF, request size and the signed-cookie session: the web app's safety rails."""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict, deque
from typing import Any, Literal

import itsdangerous
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newsdesk.config import Settings
from newsdesk.errors import PermissionDenied

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]
_NAMES = {name for name, _ in HEADERS}


class SecurityHeaders:
    """The headers above on every response, set as it starts. A plain ASGI middleware: as a
    ``BaseHTTPMiddleware`` it ran each response through a task and a stream of its own, a
    tenth of a served queue page's CPU."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _NAMES]
                message["headers"] = kept + HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)


def server_options(settings: Settings) -> dict[str, object]:
    """How uvicorn treats X-Forwarded-For: believed only from ``web.forwarded_allow_ips``.

    uvicorn believes it from 127.0.0.1 by default, so any local client (or a proxy that
    passes the header on) chose the address the login throttle counts by: 20 guesses
    with 20 made-up addresses were 20 fresh budgets.
    """
    allowed = settings.web.forwarded_allow_ips
    return {"proxy_headers": bool(allowed), "forwarded_allow_ips": ",".join(allowed) or None}


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    expected = request.session.get("csrf")
    if not expected or not submitted or not secrets.compare_digest(expected, submitted):
        raise PermissionDenied(
            "表单已失效或缺少 CSRF 令牌 (missing or invalid CSRF token); reload the page"
        )


class BodyLimit:
    """Refuse a request body over ``max_bytes`` with 413 as it streams in.

    FastAPI reads a body whole before the handler runs, and before the login
    form or an API token is checked, so without this a stranger's 300 MiB POST
    cost 900 MiB of memory before its 401. A declared Content-Length over the
    limit is refused before a byte is read; a chunked body is read up to the
    limit and refused at the first chunk past it. A body within the limit is
    handed on unchanged.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        messages: deque[Message] = deque()
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break  # the client went away: let the app see it
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.popleft() if messages else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        text = f"请求体过大 request body over {self.max_bytes} bytes (web.max_body_bytes)"
        response: Response
        if scope["path"].startswith("/api/"):
            response = JSONResponse({"error": text, "kind": "PayloadTooLarge"}, status_code=413)
        else:
            response = PlainTextResponse(text, status_code=413)
        response.headers["Connection"] = "close"  # the rest of the body is not read
        await response(scope, receive, send)


class KeptSigner(itsdangerous.TimestampSigner):
    """The session cookie's signer, remembering each cookie it verified until the cookie's age
    passes ``max_age``: the same editors send the same cookie on every request, and checking
    its HMAC again each time was a tenth of a kept queue page's CPU. Only a cookie that passed
    the check is remembered (by its exact bytes, so nothing else can match it); at most
    ``kept`` of them, the least recently used going first."""

    def __init__(self, secret_key: str, kept: int = 1024) -> None:
        super().__init__(secret_key)
        self.kept = kept
        self._verified: OrderedDict[bytes, tuple[bytes, float]] = OrderedDict()
        self._lock = threading.Lock()

    def unsign(  # type: ignore[override]
        self, signed_value: str | bytes, max_age: int | None = None, return_timestamp: bool = False
    ) -> Any:
        if return_timestamp:
            return super().unsign(signed_value, max_age, return_timestamp=True)
        if max_age is None:
            return super().unsign(signed_value)
        key = signed_value.encode() if isinstance(signed_value, str) else signed_value
        with self._lock:
            found = self._verified.get(key)
            if found is not None and time.time() <= found[1]:
                self._verified.move_to_end(key)
                return found[0]
        value, stamp = super().unsign(key, max_age, return_timestamp=True)
        with self._lock:
            self._verified[key] = (value, stamp.timestamp() + max_age)
            while len(self._verified) > self.kept:
                self._verified.popitem(last=False)
        return value


class Sessions(SessionMiddleware):
    """Starlette's signed-cookie session with a :class:`KeptSigner`."""

    def __init__(
        self,
        app: ASGIApp,
        secret_key: str,
        session_cookie: str = "session",
        max_age: int | None = 14 * 24 * 60 * 60,
        same_site: Literal["lax", "strict", "none"] = "lax",
        https_only: bool = False,
    ) -> None:
        super().__init__(
            app,
            secret_key,
            session_cookie=session_cookie,
            max_age=max_age,
            same_site=same_site,
            https_only=https_only,
        )
        self.signer = KeptSigner(secret_key)
