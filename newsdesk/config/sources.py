"""Where news comes from and how it is fetched: ``sources:`` and ``fetch:``."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from newsdesk.config.fields import Strict, check_name
from newsdesk.text.limits import TextLimits


class SourceConfig(Strict):
    """One place news comes from: an RSS/Atom/RDF feed, a research page or market snapshots.

    ``market``: a JSON document of daily market snapshots (newsdesk/feeds/market.py).
    """

    name: str
    url: str
    type: Literal["feed", "page", "market"] = "feed"
    title: str | None = None
    enabled: bool = True
    follow_links: bool = Field(
        False, description="page sources: treat url as an index and fetch the pages it links to"
    )
    max_links: int = Field(30, ge=1, le=500)

    _name = field_validator("name")(check_name)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL with a host")
        return value

    @property
    def display_name(self) -> str:
        return self.title or self.name


class FetchSettings(Strict):
    connect_timeout: float = Field(5.0, gt=0)
    read_timeout: float = Field(15.0, gt=0)
    total_timeout: float = Field(60.0, gt=0, description="wall-clock cap for one fetch")
    max_bytes: int = Field(10 * 1024 * 1024, gt=0)
    max_redirects: int = Field(5, ge=0, le=20)
    allow_private_networks: bool = False
    user_agent: str = "newsdesk/0.1 (+content desk feed reader)"
    max_inline_retry_after: float = Field(
        5.0, ge=0, description="wait and retry once when Retry-After is at most this many seconds"
    )
    backoff_base: float = Field(60.0, gt=0, description="seconds after the first failure")
    backoff_max: float = Field(6 * 3600.0, gt=0)
    pause_after_errors: int = Field(5, ge=1, description="consecutive failures before 'paused'")
    concurrency: int = Field(4, ge=1, le=64)
    store_batch: int = Field(
        500,
        ge=1,
        le=20_000,
        description="items stored per transaction: a huge feed never holds the write lock for long",
    )
    attempt_log_days: int = Field(
        400, ge=1, description="keep each fetch's outcome this long (feed errors per period)"
    )
    text_limits: TextLimits = Field(default_factory=TextLimits)
