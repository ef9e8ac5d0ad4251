"""The desk a process works on: its settings and its store, opened the same way by the CLI,
the Prefect tasks and the web app (tasks/ and flows/ never reach into the store themselves)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from newsdesk.config import DEMO_SECRET, Settings, load_settings
from newsdesk.errors import ConfigError
from newsdesk.store.db import Database, open_database

# The demo desk's accounts: (username, role, display name); the password is username + "-demo",
# printed by the demo and in the README, so anyone on the network knows it.
DEMO_USERS = (
    ("editor", "editor", "编辑小王"),
    ("compliance", "compliance", "合规老李"),
    ("admin", "admin", "管理员"),
)


@dataclass(frozen=True, eq=False)  # hashed by identity: a reopened desk is a new key
class Desk:
    settings: Settings
    db: Database

    def close(self) -> None:
        self.db.dispose()


def open_store(settings: Settings, *, upgrade: bool = True) -> Database:
    """The desk's database, migrated to the newest schema unless ``upgrade`` is false."""
    return open_database(settings.resolved_database_url, upgrade=upgrade)


def open_desk(settings: Settings | None = None) -> Desk:
    """The desk of ``settings`` (default: desk.yaml and ``NEWSDESK_*``, as ``load_settings``)."""
    settings = settings or load_settings()
    return Desk(settings, open_store(settings))


def demo_password(username: str) -> str:
    return f"{username}-demo"


def add_demo_users(db: Database) -> None:
    """The demo's accounts, for the demo desk's loading only (newsdesk demo, newsdesk up's first start)."""
    from newsdesk.review.accounts import add_user, list_users

    existing = {u.username for u in list_users(db)}
    for username, role, name in DEMO_USERS:
        if username not in existing:
            add_user(db, username, demo_password(username), role, name)


def known_secrets(settings: Settings, db: Database) -> list[str]:
    """What anyone who read the README knows about this desk: the demo session secret, and
    demo accounts that still have their printed passwords."""
    from newsdesk.review.accounts import has_password

    known = ["web.secret_key 是公开的 demo 密钥 / is the demo secret"] * (
        settings.web.secret_key == DEMO_SECRET
    )
    known += [
        f"demo 账号 / demo account {username} / {demo_password(username)}"
        for username, _, _ in DEMO_USERS
        if has_password(db, username, demo_password(username))
    ]
    return known


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to any address


def refuse_known_secrets(settings: Settings, db: Database, host: str) -> None:
    """The review UI listens beyond this machine only once nothing about it is public."""
    if is_loopback(host):
        return
    known = known_secrets(settings, db)
    if known:
        raise ConfigError(
            f"拒绝在 {host} 上监听 / refusing to listen on {host} (not loopback) while "
            + "; ".join(known)
            + ": set NEWSDESK_WEB__SECRET_KEY, change the passwords (newsdesk users passwd NAME) "
            "or disable the accounts (newsdesk users disable NAME)"
        )
