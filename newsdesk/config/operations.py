"""How the desk reviews, serves, publishes and runs: ``review:``, ``web:``, ``jobs:``,
``channels:``, ``publish:``, ``demo:`` and ``orchestration:``."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from newsdesk.config.fields import Kind, Strict, check_name

DEMO_SECRET = "demo-only-secret-change-me"


class ReviewConfig(Strict):
    compliance_kinds: list[Kind] = Field(
        default_factory=lambda: ["viewpoint"],
        description="kinds that need a compliance reviewer's approval after the editor's",
    )
    override_roles: list[str] = Field(
        default_factory=lambda: ["compliance", "admin"],
        description="roles that may approve a flagged draft (with a reason)",
    )
    # Editors are told: a reminder this long before a draft's review deadline, an escalation after.
    editor_channel: str | None = Field(
        None, description="a channel in channels: (wecom / apprise / outbox) for editor notices"
    )
    remind_minutes: int = Field(30, ge=1, description="remind this long before the deadline")
    links_base_url: str | None = Field(
        None, description="review UI address in notices (default http://web.host:web.port)"
    )
    max_text_chars: int = Field(
        100_000, ge=1000, description="longest text an editor may give a draft (form, API and CLI)"
    )
    correction_second_approver: bool = Field(
        True,
        description="a correction of a published post is approved by someone other than its author",
    )
    earlier_page: int = Field(
        50, ge=1, le=500, description="earlier days' undecided drafts per queue page (oldest first)"
    )


class WebConfig(Strict):
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    workers: int = Field(
        1, ge=1, le=64, description="web server processes (uvicorn workers); about one per core"
    )
    secret_key: str = Field(
        DEMO_SECRET, min_length=16, description="signs session cookies; set via env"
    )
    session_hours: float = Field(12.0, gt=0)
    secure_cookies: bool = Field(False, description="true behind HTTPS")
    login_attempts: int = Field(
        5, ge=1, description="failed logins per user and address before a pause"
    )
    login_window_minutes: float = Field(15.0, gt=0)
    login_throttle_keys: int = Field(
        10_000, ge=100, description="(name, address) pairs the login throttle remembers at most"
    )
    forwarded_allow_ips: list[str] = Field(
        default_factory=list,
        description="reverse proxies whose X-Forwarded-For is believed (addresses or networks); "
        "none by default, so a client cannot pick its own address for the login throttle",
    )
    max_body_bytes: int = Field(
        2 * 1024 * 1024,
        ge=1024,
        description="largest request body; refused with 413 while it streams in, before any login",
    )


class JobsConfig(Strict):
    """Provider and fetch work asked for from the web (breaking news, rewrites): newsdesk/jobs.py."""

    per_user_per_minute: int = Field(
        6, ge=1, description="jobs one account may ask for in a minute (more: 429)"
    )
    max_queued: int = Field(
        20, ge=1, description="jobs waiting to start, all accounts together (more: 429)"
    )
    fetch_workers: int = Field(
        2, ge=1, le=32, description="threads for breaking news (fetches a page, then drafts)"
    )
    rewrite_workers: int = Field(
        2, ge=1, le=32, description="threads for rewrites, apart: a slow page never holds them"
    )


class ChannelConfig(Strict):
    name: str
    type: Literal["outbox", "wecom", "apprise"] = "outbox"
    disclaimer: str = "投资有风险，入市需谨慎。"
    url_env: str | None = Field(None, description="env variable holding the webhook / Apprise URL")

    _name = field_validator("name")(check_name)


class PublishConfig(Strict):
    retries: int = Field(
        2, ge=0, le=10, description="extra attempts per post before it is marked failed"
    )
    backoff_base: float = Field(2.0, ge=0)
    outbox_dir: Path = Field(
        Path("outbox"),
        description="relative to var_dir, or absolute: shared storage when workers run on several machines",
    )
    templates_dir: Path | None = Field(
        None,
        description="the desk's own content templates, relative to the desk file; "
        "each one found there replaces the packaged one of the same name",
    )
    timeout: float = Field(10.0, gt=0)
    lease_seconds: float = Field(
        900.0,
        gt=0,
        description="a post claimed longer ago than this is taken for a run that died mid-send",
    )
    correction_note: str = Field(
        "【更正】本条更正 {sent_at} 发布的《{title}》，请以本条为准。",
        description="first line of a corrected version's post; {sent_at} and {title} are the earlier post's",
    )
    segment_channels: dict[str, list[str]] = Field(
        default_factory=dict,
        description="audience segment -> the channels its drafts go to (instead of the slot's)",
    )


class DemoConfig(Strict):
    enabled: bool = False
    day: date | None = Field(
        None, description="the demo desk's trading day (its feeds end that morning)"
    )
    directory: Path = Path("demo")
    host: str = "127.0.0.1"
    port: int = Field(8765, ge=0, le=65535)


class OrchestrationConfig(Strict):
    """The Prefect server side of the desk, applied by ``newsdesk prefect setup``."""

    work_pool: str = Field(
        "newsdesk", description="process work pool the deployments use (prefect.yaml names it too)"
    )
    heartbeat_seconds: int = Field(
        30, ge=30, description="flow-run heartbeat interval (Prefect's minimum is 30 s)"
    )
    crash_after_seconds: int = Field(
        90, ge=45, description="a run with no heartbeat for this long is marked Crashed"
    )
    pending_crash_seconds: int = Field(
        300, ge=60, description="a run taken by a worker but not started for this long is Crashed"
    )
    slot_lease_seconds: int = Field(
        60,
        ge=60,
        description="lease on held llm slots (Prefect's minimum is 60 s): a dead holder's "
        "slots come back this long after its last renewal",
    )
    slot_poll_seconds: float = Field(
        0.25,
        gt=0,
        le=30,
        description="while the llm limit is full, how often a worker asks the Prefect server "
        "for a freed slot (each ask is one API call)",
    )

    @model_validator(mode="after")
    def _crash_after_heartbeats(self) -> OrchestrationConfig:
        if self.crash_after_seconds <= self.heartbeat_seconds:
            raise ValueError("crash_after_seconds must exceed heartbeat_seconds")
        return self
