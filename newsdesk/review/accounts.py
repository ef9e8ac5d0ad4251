"""Desk accounts: argon2 password hashes, API tokens stored as hashes, login throttling."""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsdesk.errors import AuthError, NotFound, PermissionDenied
from newsdesk.store.db import Database
from newsdesk.store.models import ApiToken, User
from newsdesk.store.types import utcnow
from newsdesk.text.clean import sanitise

ROLES = ("editor", "compliance", "admin")
MIN_PASSWORD = 8
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")
_TOKEN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_hasher = PasswordHasher()


@dataclass(frozen=True)
class Actor:
    username: str
    role: str
    display_name: str = ""


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise PermissionDenied(f"password too short: at least {MIN_PASSWORD} characters")


def add_user(
    db: Database, username: str, password: str, role: str, display_name: str | None = None
) -> Actor:
    if not _USERNAME.match(username):
        raise PermissionDenied("username: 2-64 lower-case letters, digits, '_', '.', '-'")
    if role not in ROLES:
        raise PermissionDenied(f"role must be one of {', '.join(ROLES)}")
    _check_password(password)
    with db.session() as session:
        if session.scalar(select(User).where(User.username == username)):
            raise PermissionDenied(f"user {username!r} exists")
        user = User(
            username=username,
            display_name=display_name or username,
            role=role,
            password_hash=_hasher.hash(password),
        )
        session.add(user)
    return Actor(username, role, display_name or username)


def list_users(db: Database) -> list[User]:
    with db.session() as session:
        return list(session.scalars(select(User).order_by(User.username)))


def _user(session, username: str) -> User:  # type: ignore[no-untyped-def]
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def set_password(db: Database, username: str, password: str) -> None:
    """A new password; every session signed in with the old one ends."""
    _check_password(password)
    with db.session() as session:
        user = _user(session, username)
        user.password_hash = _hasher.hash(password)
        user.session_generation += 1


def set_active(db: Database, username: str, active: bool) -> None:
    """Enable or disable an account; disabling revokes its API tokens."""
    with db.session() as session:
        user = _user(session, username)
        user.active = active
        if not active:
            for token in _live_tokens(session, user):
                token.revoked_at = utcnow()
            user.session_generation += 1


@dataclass(frozen=True)
class TokenInfo:
    username: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def _live_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        )
    )


def issue_token(db: Database, username: str, name: str = "default") -> str:
    """A new named API token (one per script); only its hash is stored, so it is shown once.

    Other tokens of the user keep working; a name in use must be revoked first.
    """
    if not _TOKEN_NAME.match(name):
        raise PermissionDenied(f"token name {name!r}: letters, digits, _ . - (at most 64)")
    token = "nd_" + secrets.token_urlsafe(32)
    with db.session() as session:
        user = _user(session, username)
        existing = session.scalar(
            select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.name == name)
        )
        if existing is not None and existing.revoked_at is None:
            raise PermissionDenied(
                f"令牌名已存在 / {username} already has a token named {name!r}: "
                f"revoke it first (newsdesk users revoke-token {username} {name}) or pick another --name"
            )
        if existing is not None:  # a revoked token's name may be used again
            session.delete(existing)
            session.flush()
        session.add(ApiToken(user_id=user.id, name=name, token_hash=_token_hash(token)))
    return token


def list_tokens(db: Database, username: str | None = None) -> list[TokenInfo]:
    with db.session() as session:
        query = select(ApiToken, User.username).join(User, ApiToken.user_id == User.id)
        if username:
            query = query.where(User.username == _user(session, username).username)
        rows = session.execute(query.order_by(User.username, ApiToken.name)).all()
        return [
            TokenInfo(name, t.name, t.created_at, t.last_used_at, t.revoked_at) for t, name in rows
        ]


def revoke_token(db: Database, username: str, name: str) -> None:
    with db.session() as session:
        user = _user(session, username)
        token = session.scalar(
            select(ApiToken).where(
                ApiToken.user_id == user.id, ApiToken.name == name, ApiToken.revoked_at.is_(None)
            )
        )
        if token is None:
            raise NotFound(f"{username} has no live token named {name!r}")
        token.revoked_at = utcnow()


def actor_for_token(db: Database, token: str) -> Actor:
    with db.session() as session:
        found = session.execute(
            select(ApiToken, User)
            .join(User, ApiToken.user_id == User.id)
            .where(ApiToken.token_hash == _token_hash(token))
        ).first()
        if found is None or found[0].revoked_at is not None or not found[1].active:
            raise AuthError("invalid or revoked API token")
        record, user = found
        record.last_used_at = utcnow()
        return Actor(user.username, user.role, user.display_name)


def end_sessions(db: Database, username: str) -> None:
    """Sign ``username`` out everywhere: cookies issued before now stop working.

    The session cookie is signed, not stored, so a copy of it would outlive a
    logout that only cleared the browser's; a generation number in the cookie
    that must match the user's is what a logout can take back.
    """
    with db.session() as session:
        _user(session, username).session_generation += 1


def session_generation(db: Database, username: str) -> int:
    """The number a new session cookie of ``username`` carries."""
    with db.session() as session:
        return _user(session, username).session_generation


def session_actor(db: Database, username: str, generation: object) -> Actor:
    """Who a session cookie signs in, if it is still current: AuthError once it has ended."""
    with db.session() as session:
        user = _user(session, username)
        if not user.active or generation != user.session_generation:
            raise AuthError("会话已结束，请重新登录 session ended; sign in again")
        return Actor(user.username, user.role, user.display_name)


def actor_for(db: Database, username: str) -> Actor:
    with db.session() as session:
        user = _user(session, username)
        if not user.active:
            raise AuthError(f"user {username!r} is disabled")
        return Actor(user.username, user.role, user.display_name)


class LoginThrottle:
    """At most ``attempts`` failures per (username, address) in ``window`` seconds."""

    def __init__(self, attempts: int, window: float, clock=time.monotonic) -> None:  # type: ignore[no-untyped-def]
        self.attempts, self.window, self.clock = attempts, window, clock
        self._failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def check(self, key: tuple[str, str]) -> None:
        with self._lock:
            recent = self._recent(key)
            if len(recent) >= self.attempts:
                wait = int(self.window - (self.clock() - recent[0])) + 1
                raise AuthError(f"too many failed logins; try again in {wait} s")

    def failed(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._recent(key).append(self.clock())

    def succeeded(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def _recent(self, key: tuple[str, str]) -> deque[float]:
        failures = self._failures[key]
        while failures and self.clock() - failures[0] > self.window:
            failures.popleft()
        return failures


def authenticate(
    db: Database, username: str, password: str, throttle: LoginThrottle, address: str
) -> Actor:
    # As the store will see it (NUL and controls dropped), so variants share one throttle key.
    username = sanitise(username).lower()
    key = (username, address)
    throttle.check(key)
    with db.session() as session:
        user = session.scalar(select(User).where(User.username == username))
        try:
            if user is None or not user.active:
                raise VerificationError("unknown or disabled")
            _hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            throttle.failed(key)
            raise AuthError("用户名或密码错误 wrong username or password") from None
        user.last_login_at = utcnow()
        throttle.succeeded(key)
        return Actor(user.username, user.role, user.display_name)
