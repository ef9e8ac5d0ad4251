"""Desk configuration: ``config/desk.yaml`` overridden by ``NEWSDESK_*`` environment variables.

The YAML file describes the desk (sources, slots, channels, thresholds, LLM);
the environment carries what differs per machine (database URL, secrets,
``NEWSDESK_FETCH__ALLOW_PRIVATE_NETWORKS`` ...). Environment values win over
the file; nested fields use ``__`` as the delimiter.

Every problem is raised as :class:`ConfigError` naming the file, the field and
what is wrong, so the CLI can print one line instead of a traceback.
"""

from __future__ import annotations

import os
import re
from datetime import date, time
from pathlib import Path
from typing import Any, Literal, get_args
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from newsdesk.errors import ConfigError
from newsdesk.text.limits import TextLimits

DEFAULT_CONFIG = Path("config/desk.yaml")
# Prompts and content templates ship inside the package, so an installed desk drafts from any folder.
PACKAGE_DIR = Path(__file__).resolve().parent
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def shipped_dir(name: str) -> Path:
    """``prompts/`` or ``content_templates/``: kept at the repository's top, carried inside the
    installed wheel as ``newsdesk/<name>`` (setup.py maps them), so a wheel has them beside the
    package's modules and a checkout (editable install included) one level up."""
    inside = PACKAGE_DIR / name
    return inside if inside.is_dir() else PACKAGE_DIR.parent / name


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _check_name(value: str) -> str:
    if not _NAME.match(value):
        raise ValueError("must be 1-64 lower-case letters, digits, '_' or '-'")
    return value


class SourceConfig(_Strict):
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

    _name = field_validator("name")(_check_name)

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


class FetchSettings(_Strict):
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


Kind = Literal[
    "morning_report",
    "viewpoint",
    "intraday",
    "interaction",
    "close_summary",
    "promo",
    "research_digest",
    "weekly_summary",
    "breaking",
]
KINDS: tuple[str, ...] = get_args(Kind)


class SlotConfig(_Strict):
    """A posting slot of the timetable (DESIGN.md); metadata feeds prompts and templates."""

    name: str
    time: time
    kind: Kind
    title: str
    tier: Literal["入门", "中阶", "高阶"] = "入门"
    content_type: str = "时效性内容"
    channels: list[str] = Field(default_factory=lambda: ["outbox"])
    lead_minutes: int = Field(30, ge=0, le=24 * 60)
    calendar: Literal["trading", "daily", "weekly"] = "trading"
    weekday: int | None = Field(None, ge=0, le=6, description="0 = Monday; weekly slots only")
    segments: list[str] = Field(default_factory=list)
    allow_trade_instructions: bool = False

    _name = field_validator("name")(_check_name)

    @model_validator(mode="after")
    def _weekly_needs_weekday(self) -> SlotConfig:
        if self.calendar == "weekly" and self.weekday is None:
            raise ValueError("a weekly slot needs 'weekday' (0 = Monday)")
        return self


class Thresholds(_Strict):
    originality: float = Field(0.60, ge=0, le=1)
    citation_recall: float = Field(0.80, ge=0, le=1)
    citation_precision: float = Field(0.80, ge=0, le=1)
    max_filler: float = Field(
        0.4, ge=0, le=1, description="share of cited sentences that may be filler"
    )
    max_revisions: int = Field(2, ge=0, le=10)


class TopicSettings(_Strict):
    """Hot-topic detection (see newsdesk/topics/burst.py for the scoring)."""

    story_similarity: float = Field(0.5, gt=0, le=1, description="MinHash Jaccard to merge items")
    story_window_hours: float = Field(18.0, gt=0, description="a story spans at most this long")
    trailing_windows: int = Field(14, ge=7, le=28, description="baseline: trading-day windows back")
    half_life: float = Field(5.0, gt=0, description="baseline weight halves every N windows")
    story_link: float = Field(
        0.2, gt=0, le=1, description="cosine of specific names to join reports into one story"
    )
    min_stories: int = Field(2, ge=1, description="reports a topic needs")
    min_sources: int = Field(2, ge=1, description="distinct outlets a topic needs")
    min_score: float = Field(1.5, description="burst z a topic needs to rank above its outlets")
    group_overlap: float = Field(
        0.5, gt=0, le=1, description="share of a story's name weight to group it into a topic"
    )
    max_terms: int = Field(5, ge=1, le=20)
    label_min_idf: float = Field(6.0, description="IDF (jieba's table) of a word fit for a label")
    label_max_share: float = Field(
        0.05, gt=0, le=1, description="a word in more of the desk's recent stories is generic"
    )
    history_min_stories: int = Field(200, ge=1, description="history long enough to judge words")
    top: int = Field(10, ge=1, le=100)
    user_dictionaries: list[Path] = Field(default_factory=list)
    stopwords: list[str] = Field(default_factory=list)


DEFAULT_BANNED = [
    "保本",
    "保本保息",
    "稳赚",
    "稳赚不赔",
    "包赚",
    "必涨",
    "只涨不跌",
    "内幕消息",
    "内幕",
    "翻倍",
    "无风险",
    "零风险",
    "保证收益",
    "收益保证",
    "稳定收益",
    "闭眼买",
    "满仓干",
]
DEFAULT_TRADE_PATTERNS = [
    r"(建议|赶紧|马上|立即|立刻)\W{0,2}(买入|卖出|加仓|减仓|清仓|满仓|抄底|追涨)",
    r"(你|您|大家)\W{0,3}(应该|必须|可以|要)\W{0,2}(买入|卖出|加仓|清仓|满仓|抄底)",
    r"(买入|卖出)\W{0,2}\d{6}",
    r"目标价\W{0,2}\d",
]


DEFAULT_MIN_FACTS: dict[Kind, int] = {
    "morning_report": 4,
    "research_digest": 4,
    "close_summary": 3,
    "weekly_summary": 3,
    "breaking": 0,  # an event often comes without numbers; filler still fails
    "viewpoint": 1,
    "intraday": 1,
    "interaction": 0,
    "promo": 0,
}


class ChecksConfig(_Strict):
    """Check parameters (see newsdesk/checks/*.py docstrings for how they were calibrated)."""

    k_han: int = Field(4, ge=2, le=12, description="shortest common stretch, Han characters")
    k_word: int = Field(1, ge=1, le=8, description="shortest common stretch, Latin words")
    gap_han: int = Field(2, ge=0, le=10, description="characters between stretches that join")
    gap_word: int = Field(2, ge=0, le=10, description="words between stretches that join")
    min_han: int = Field(
        6, ge=1, le=40, description="characters besides facts a copied run needs to count"
    )
    min_word: int = Field(4, ge=1, le=20, description="words besides facts a copied run needs")
    max_quote_chars: int = Field(
        30, ge=0, description="a longer quotation counts as copied text, not as a quote"
    )
    min_facts: dict[Kind, int] = Field(
        default_factory=lambda: dict(DEFAULT_MIN_FACTS),
        description="source facts a draft of this kind must state",
    )
    min_facts_default: int = Field(1, ge=0, description="for kinds not in min_facts")
    recap_kinds: list[Kind] = Field(
        default_factory=lambda: list[Kind](["weekly_summary"]),
        description="kinds that may repeat sentences of the day's other drafts",
    )
    repeat_min_chars: int = Field(15, ge=1, description="shorter sentences are boilerplate")
    banned_phrases: list[str] = Field(default_factory=lambda: list(DEFAULT_BANNED))
    trade_patterns: list[str] = Field(default_factory=lambda: list(DEFAULT_TRADE_PATTERNS))

    @field_validator("trade_patterns")
    @classmethod
    def _patterns_compile(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None
        return value


class ChannelConfig(_Strict):
    name: str
    type: Literal["outbox", "wecom", "apprise"] = "outbox"
    disclaimer: str = "投资有风险，入市需谨慎。"
    url_env: str | None = Field(None, description="env variable holding the webhook / Apprise URL")

    _name = field_validator("name")(_check_name)


class LLMConfig(_Strict):
    provider: Literal["offline", "openai"] = "offline"
    base_url: str | None = None
    model: str = "gpt-4o-mini"
    temperature: float = Field(0.4, ge=0, le=2)
    max_tokens: int = Field(1200, gt=0)
    timeout: float = Field(60.0, gt=0)
    api_key_env: str = "NEWSDESK_LLM_API_KEY"
    api_key_block: str | None = Field(None, description="Prefect Secret block holding the key")
    retries: int = Field(3, ge=0, le=10)
    backoff_base: float = Field(1.0, ge=0)
    backoff_max: float = Field(30.0, ge=0)
    concurrency_limit: str = Field("llm", description="Prefect global concurrency limit name")
    concurrency: int = Field(8, ge=1, description="size of that limit when newsdesk up creates it")


class DraftingConfig(_Strict):
    brief_chars: int = Field(6000, ge=500, description="size budget of a brief's sources")
    max_sources: int = Field(8, ge=1, le=30)
    source_chars: int = Field(600, ge=100, description="cap per source text in a brief")
    overnight_hours: float = Field(18.0, gt=0, description="morning report: look back this far")
    research_days: int = Field(7, ge=1, description="research digest: pages from the last N days")
    segments: dict[str, str] = Field(
        default_factory=lambda: {
            "新手": "用通俗的语言解释概念，少用术语，多讲风险",
            "进阶": "给出逻辑链条和关键数据，适度使用专业术语",
            "高净值": "强调资产配置视角和风险收益比，语气稳重",
        },
        description="audience segments (用户分层) and how to write for each",
    )


DEMO_SECRET = "demo-only-secret-change-me"


class ReviewConfig(_Strict):
    compliance_kinds: list[str] = Field(
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


class WebConfig(_Strict):
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


class JobsConfig(_Strict):
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


class BreakingConfig(_Strict):
    """突发事件解读: drafted on demand, first in the queue, posted as soon as it is approved."""

    title: str = "突发事件解读"
    channels: list[str] = Field(default_factory=lambda: ["outbox"])
    deadline_minutes: int = Field(
        30, ge=1, description="review deadline after the request; unapproved by then, it expires"
    )
    related_hours: float = Field(
        96.0, gt=0, description="gather related items from this far back (covers a weekend)"
    )
    tier: Literal["入门", "中阶", "高阶"] = "中阶"


class PublishConfig(_Strict):
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


class DemoConfig(_Strict):
    enabled: bool = False
    day: date | None = Field(
        None, description="the demo desk's trading day (its feeds end that morning)"
    )
    directory: Path = Path("demo")
    host: str = "127.0.0.1"
    port: int = Field(8765, ge=0, le=65535)


class OrchestrationConfig(_Strict):
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


class Persona(_Strict):
    name: str = "研究助理小新"
    tone: str = "专业、克制、通俗"


class Settings(BaseSettings):
    """The whole desk. Build it with :func:`load_settings`, not directly."""

    model_config = SettingsConfigDict(
        env_prefix="NEWSDESK_", env_nested_delimiter="__", extra="forbid"
    )

    database_url: str | None = None
    var_dir: Path = Path("var")
    prompts_dir: Path | None = Field(
        None,
        description="the desk's own Jinja2 prompt templates, relative to the desk file; "
        "each one found there replaces the packaged one of the same name",
    )
    timezone: str = "Asia/Shanghai"
    script: Literal["simplified", "traditional", "keep"] = Field(
        "simplified",
        description="the script the desk posts in; sources in the other one are converted",
    )
    persona: Persona = Field(default_factory=Persona)
    fetch: FetchSettings = Field(default_factory=FetchSettings)
    sources: list[SourceConfig] = Field(default_factory=list)
    slots: list[SlotConfig] = Field(default_factory=list)
    channels: list[ChannelConfig] = Field(default_factory=lambda: [ChannelConfig(name="outbox")])
    thresholds: Thresholds = Field(default_factory=Thresholds)
    topics: TopicSettings = Field(default_factory=TopicSettings)
    checks: ChecksConfig = Field(default_factory=ChecksConfig)
    drafting: DraftingConfig = Field(default_factory=DraftingConfig)
    review: ReviewConfig = Field(default_factory=ReviewConfig)
    web: WebConfig = Field(default_factory=WebConfig)
    publish: PublishConfig = Field(default_factory=PublishConfig)
    breaking: BreakingConfig = Field(default_factory=BreakingConfig)
    jobs: JobsConfig = Field(default_factory=JobsConfig)
    llm: LLMConfig = Field(default_factory=LLMConfig)
    demo: DemoConfig = Field(default_factory=DemoConfig)
    orchestration: OrchestrationConfig = Field(default_factory=OrchestrationConfig)
    config_path: Path | None = Field(None, exclude=True)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment overrides the desk's .env (newsdesk init writes its secret there),
        # which overrides the YAML file, which arrives as init kwargs.
        return (env_settings, dotenv_settings, init_settings)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"不是时区 / not a time zone: {value!r} (an IANA name such as Asia/Shanghai)"
            ) from None
        return value

    @field_validator("var_dir")
    @classmethod
    def _a_folder(cls, value: Path) -> Path:
        """The nearest existing part of the path must be a folder: the store and outbox go under it."""
        existing = next((p for p in (value, *value.parents) if p.exists()), None)
        if existing is not None and not existing.is_dir():
            raise ValueError(f"不是文件夹 / {existing} is a file, not a folder")
        return value

    @model_validator(mode="before")
    @classmethod
    def _expand_demo_urls(cls, data: Any) -> Any:
        """``${demo}`` in a source URL is the demo feed server (demo.host:demo.port)."""
        if not isinstance(data, dict):
            return data
        demo = data.get("demo") or {}
        if isinstance(demo, DemoConfig):
            demo = demo.model_dump()
        base = f"http://{demo.get('host', '127.0.0.1')}:{demo.get('port', 8765)}"
        for source in data.get("sources") or []:
            if isinstance(source, dict) and isinstance(source.get("url"), str):
                source["url"] = source["url"].replace("${demo}", base)
        return data

    @model_validator(mode="after")
    def _unique_names(self) -> Settings:
        for field in ("sources", "slots", "channels"):
            names = [entry.name for entry in getattr(self, field)]
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                raise ValueError(f"{field}: duplicate name(s) {', '.join(dupes)}")
        for slot in self.slots:
            unknown = [s for s in slot.segments if s not in self.drafting.segments]
            if unknown:
                raise ValueError(
                    f"slot {slot.name!r} uses segment(s) {', '.join(unknown)} not in drafting.segments"
                )
        known = {c.name for c in self.channels}
        if self.review.editor_channel and self.review.editor_channel not in known:
            raise ValueError(f"review.editor_channel: no channel {self.review.editor_channel!r}")
        for slot in [*self.slots, self.breaking_slot]:
            missing = [c for c in slot.channels if c not in known]
            if missing:
                raise ValueError(f"slot {slot.name!r} uses unknown channel(s) {', '.join(missing)}")
        return self

    @model_validator(mode="after")
    def _segment_channels_known(self) -> Settings:
        known = {c.name for c in self.channels}
        for segment, names in self.publish.segment_channels.items():
            if segment not in self.drafting.segments:
                raise ValueError(
                    f"publish.segment_channels: no segment {segment!r} in drafting.segments"
                )
            missing = [c for c in names if c not in known]
            if missing or not names:
                raise ValueError(
                    f"publish.segment_channels: segment {segment!r} needs known channels "
                    f"(unknown: {', '.join(missing) or 'none given'})"
                )
        return self

    def require_real_secret(self) -> None:
        """The web app refuses the demo session secret outside the demo desk."""
        if not self.demo.enabled and self.web.secret_key == DEMO_SECRET:
            raise ConfigError(
                f"{self.config_path or 'config'}: web.secret_key is the demo secret but demo.enabled is false: "
                "set NEWSDESK_WEB__SECRET_KEY to a long random value"
            )

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'newsdesk.db').resolve()}"

    @property
    def base_dir(self) -> Path:
        """The desk file's folder: relative paths in the desk file are resolved against it."""
        if self.config_path is None:
            return Path.cwd()
        return self.config_path.resolve().parent

    def resolve(self, path: Path) -> Path:
        """A path from the config file, relative to the desk's base directory."""
        return (self.base_dir / path).resolve()

    @property
    def prompt_dirs(self) -> tuple[Path, ...]:
        """Where prompt templates are looked up: the desk's own folder first, then the packaged one."""
        return self._template_dirs(self.prompts_dir, "prompts_dir", "prompts")

    @property
    def content_template_dirs(self) -> tuple[Path, ...]:
        """Where content templates are looked up: the desk's own folder first, then the packaged one."""
        return self._template_dirs(
            self.publish.templates_dir, "publish.templates_dir", "content_templates"
        )

    def _template_dirs(self, own: Path | None, field: str, packaged: str) -> tuple[Path, ...]:
        shipped = shipped_dir(packaged)
        if own is None:
            return (shipped,)
        folder = self.resolve(own)
        if not folder.is_dir():
            raise ConfigError(
                f"{self.config_path or 'config'}: {field} 不是文件夹 / is not a folder: {folder}"
            )
        return (folder, shipped)

    def missing_files(self) -> list[str]:
        """Every file or folder the desk names that is not there, as ``key: path`` (resolved)."""
        named: list[tuple[str, Path | None, bool]] = [
            (f"topics.user_dictionaries[{i}]", path, False)
            for i, path in enumerate(self.topics.user_dictionaries)
        ]
        named += [
            ("prompts_dir", self.prompts_dir, True),
            ("publish.templates_dir", self.publish.templates_dir, True),
            ("demo.directory", self.demo.directory if self.demo.enabled else None, True),
        ]
        missing = []
        for key, path, folder in named:
            if path is None:
                continue
            found = self.resolve(path)
            if not (found.is_dir() if folder else found.is_file()):
                what = "文件夹不存在 / no such folder" if folder else "文件不存在 / no such file"
                missing.append(f"{key}: {what}: {found}")
        return missing

    @property
    def demo_dir(self) -> Path:
        return (self.base_dir / self.demo.directory).resolve()

    def channel(self, name: str) -> ChannelConfig:
        for entry in self.channels:
            if entry.name == name:
                return entry
        raise ConfigError(
            f"no channel named {name!r} (known: {', '.join(c.name for c in self.channels)})"
        )

    @property
    def breaking_slot(self) -> SlotConfig:
        """Breaking news as a slot: no fixed time, its own channels, no trade instructions."""
        conf = self.breaking
        return SlotConfig(
            name="breaking",
            time=time(0, 0),
            kind="breaking",
            title=conf.title,
            tier=conf.tier,
            content_type="及时性支持",
            channels=conf.channels,
            lead_minutes=0,
            calendar="daily",
        )

    def find_slot(self, name: str) -> SlotConfig | None:
        """The slot a draft belongs to, breaking news included; None if desk.yaml no longer has it."""
        if name == "breaking":
            return self.breaking_slot
        return next((entry for entry in self.slots if entry.name == name), None)

    def slot(self, name: str) -> SlotConfig:
        found = self.find_slot(name)
        if found is not None:
            return found
        raise ConfigError(
            f"no slot named {name!r} (known: {', '.join(s.name for s in self.slots)})"
        )

    def source(self, name: str) -> SourceConfig:
        for entry in self.sources:
            if entry.name == name:
                return entry
        raise ConfigError(f"no source named {name!r} (known: {', '.join(self.source_names)})")

    @property
    def source_names(self) -> list[str]:
        return [s.name for s in self.sources]


def _format_validation(path: Path, exc: ValidationError, data: dict[str, Any]) -> str:
    lines = [f"{path}: invalid configuration"]
    for err in exc.errors():
        loc = ".".join(str(part) for part in err["loc"]) or "(top level)"
        lines.append(f"  {loc}: {err['msg']}{_named(data, err['loc'])}")
    return "\n".join(lines)


def _named(data: dict[str, Any], loc: tuple[Any, ...]) -> str:
    """Point at the entry by its name when the error is inside a list of named entries."""
    if len(loc) >= 2 and isinstance(loc[1], int):
        entries = data.get(str(loc[0]))
        if isinstance(entries, list) and loc[1] < len(entries):
            entry = entries[loc[1]]
            if isinstance(entry, dict) and "name" in entry:
                return f" (entry name: {entry['name']!r})"
    return ""


def read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: config file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}: not valid YAML{where}: {problem}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping, not {type(data).__name__}")
    return data


def config_path_from_env() -> Path:
    return Path(os.environ.get("NEWSDESK_CONFIG") or DEFAULT_CONFIG)


def load_settings(path: Path | str | None = None) -> Settings:
    """Read the desk from ``path`` (default: ``$NEWSDESK_CONFIG`` or config/desk.yaml)."""
    config_path = Path(path) if path is not None else config_path_from_env()
    data = read_yaml(config_path)
    if not data:
        raise ConfigError(
            f"{config_path}: 配置文件为空 / the desk file is empty: it needs sources, slots and "
            "channels (newsdesk init DIR writes a complete one)"
        )
    try:
        settings = Settings(_env_file=config_path.parent / ".env", **data)
    except ValidationError as exc:
        raise ConfigError(_format_validation(config_path, exc, data)) from None
    settings.config_path = config_path
    missing = settings.missing_files()
    if missing:
        raise ConfigError("\n".join(f"{config_path}: {line}" for line in missing))
    return settings
