"""Desk accounts: argon2 password hashes, API tokens stored as hashes, login throttling."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from newsdesk.errors import AuthError, NotFound, PermissionDenied
from newsdesk.store.db import Database
from newsdesk.store.models import ApiToken, User
from newsdesk.store.reading import Store, reading
from newsdesk.store.types import utcnow
from newsdesk.text.clean import sanitise

log = logging.getLogger(__name__)
ROLES = ("editor", "compliance", "admin")
MIN_PASSWORD = 8
MAX_USERNAME = 64
_USERNAME = re.compile(rf"^[a-z0-9][a-z0-9_.-]{{1,{MAX_USERNAME - 1}}}$")
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


def has_password(db: Database, username: str, password: str) -> bool:
    """Whether an active account still has this password (the demo's printed ones, say)."""
    with db.session() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None or not user.active:
            return False
        try:
            return _hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


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


# A token's last use is written at most this often: every API call writing it held SQLite's
# one write lock, so read-only calls waited behind a long feed write (25 s).
LAST_USED_EVERY = timedelta(minutes=1)


def token_actor(db: Store, token: str) -> tuple[Actor, int | None]:
    """Who ``token`` signs in, and the token's id when its last use is older than a minute
    (to be recorded after the read; None when it is recent). Reads only."""
    with reading(db) as session:
        found = session.execute(
            select(ApiToken, User)
            .join(User, ApiToken.user_id == User.id)
            .where(ApiToken.token_hash == _token_hash(token))
        ).first()
        if found is None or found[0].revoked_at is not None or not found[1].active:
            raise AuthError("invalid or revoked API token")
        record, user = found
        due = record.last_used_at is None or record.last_used_at < utcnow() - LAST_USED_EVERY
        return Actor(user.username, user.role, user.display_name), record.id if due else None


def actor_for_token(db: Database, token: str) -> Actor:
    """Who ``token`` signs in, its use recorded here and now when due (:func:`touch_token`)."""
    actor, due = token_actor(db, token)
    if due is not None:
        touch_token(db, due)
    return actor


def touch_token(db: Database, token_id: int) -> None:
    """Record a use of the token, unless another request recorded one within the minute."""
    now = utcnow()
    with db.session() as session:
        session.execute(
            update(ApiToken)
            .where(
                ApiToken.id == token_id,
                ApiToken.last_used_at.is_(None) | (ApiToken.last_used_at < now - LAST_USED_EVERY),
            )
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )


class TokenUses:
    """The web app's recorder of token uses: one background thread writes them, so an API
    call never waits for the database's write lock to say when its token was last used.
    A use already waiting to be written is not queued again."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._waiting: set[int] = set()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsdesk-token-use")

    def __call__(self, token_id: int) -> None:
        with self._lock:
            if token_id in self._waiting:
                return
            self._waiting.add(token_id)
        self._pool.submit(self._write, token_id)

    def _write(self, token_id: int) -> None:
        try:
            touch_token(self.db, token_id)
        except Exception:  # a locked or unreachable store loses one record, never a request
            log.warning("could not record the use of API token %s", token_id, exc_info=True)
        finally:
            with self._lock:
                self._waiting.discard(token_id)

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def end_sessions(db: Database, username: str) -> None:
    """Sign ``username`` out everywhere: cookies issued before now stop working.

    The session cookie is signed, not stored, so a copy of it would outlive a
    logout that only cleared the browser's; a generation number in the cookie
    that must match the user's is what a logout can take back.
    """
    with db.session() as session:
        _user(session, username).session_generation += 1


def session_generation(db: Store, username: str) -> int:
    """The number a new session cookie of ``username`` carries."""
    with reading(db) as session:
        return _user(session, username).session_generation


def session_actor(db: Store, username: str, generation: object) -> Actor:
    """Who a session cookie signs in, if it is still current: AuthError once it has ended."""
    with reading(db) as session:
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
    """At most ``attempts`` logins per (user name, address) in ``window`` seconds, counted as they start.

    An attempt is counted before its password is verified and forgotten only when it
    succeeds, so fifty guesses sent at once meet a count that already holds the first
    ones (checking before and counting after let 31 of 50 through a limit of 5). The store
    is bounded: names are cut to the longest a user name can be (a 0.9 MB name cost
    0.9 MB for good), keys whose window has passed are dropped, and past ``max_keys``
    the least recently tried go first.
    """

    def __init__(
        self,
        attempts: int,
        window: float,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.attempts, self.window, self.max_keys, self.clock = attempts, window, max_keys, clock
        # Least recently tried first: sweeping and evicting both start at the front.
        self._tries: OrderedDict[tuple[str, str], deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def begin(self, key: tuple[str, str]) -> None:
        """Count one attempt for ``key``, or raise AuthError when its budget is spent."""
        name, address = key
        key = (name[: MAX_USERNAME + 1], address)
        now = self.clock()
        with self._lock:
            self._sweep(now)
            tries = self._tries.setdefault(key, deque())
            while tries and now - tries[0] > self.window:
                tries.popleft()
            if len(tries) >= self.attempts:
                wait = int(self.window - (now - tries[0])) + 1
                raise AuthError(f"登录失败次数过多 too many failed logins; try again in {wait} s")
            tries.append(now)
            self._tries.move_to_end(key)
            while len(self._tries) > self.max_keys:
                self._tries.popitem(last=False)

    def succeeded(self, key: tuple[str, str]) -> None:
        name, address = key
        with self._lock:
            self._tries.pop((name[: MAX_USERNAME + 1], address), None)

    def __len__(self) -> int:
        return len(self._tries)

    def _sweep(self, now: float) -> None:
        while self._tries:
            key, tries = next(iter(self._tries.items()))
            if tries and now - tries[-1] <= self.window:
                return
            del self._tries[key]


@cache
def _dummy_hash() -> str:
    """A hash no password matches: an unknown name is verified against it, so it answers as
    slowly as a known one (719 ms against 17 ms told which names exist)."""
    return _hasher.hash(secrets.token_urlsafe(32))


def authenticate(
    db: Database, username: str, password: str, throttle: LoginThrottle, address: str
) -> Actor:
    # As the store will see it (NUL and controls dropped), so variants share one throttle key.
    username = sanitise(username[: 4 * MAX_USERNAME]).lower()
    key = (username, address)
    throttle.begin(key)
    with db.session() as session:
        user = (
            session.scalar(select(User).where(User.username == username))
            if len(username) <= MAX_USERNAME
            else None
        )
        try:
            if user is None or not user.active:
                _hasher.verify(_dummy_hash(), password)
                raise VerificationError("unknown or disabled")
            _hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            raise AuthError("用户名或密码错误 wrong username or password") from None
        user.last_login_at = utcnow()
        throttle.succeeded(key)
        return Actor(user.username, user.role, user.display_name)
