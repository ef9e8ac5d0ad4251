"""The whole desk as one model: its sections, how they refer to each other, and the paths it
names (resolved against the desk file's folder)."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from newsdesk.config.checks import ChecksConfig, Thresholds
from newsdesk.config.content import (
    BreakingConfig,
    DraftingConfig,
    LLMConfig,
    Persona,
    SlotConfig,
    TopicSettings,
)
from newsdesk.config.operations import (
    DEMO_SECRET,
    ChannelConfig,
    DemoConfig,
    JobsConfig,
    OrchestrationConfig,
    PublishConfig,
    ReviewConfig,
    WebConfig,
)
from newsdesk.config.paths import shipped_dir
from newsdesk.config.sources import FetchSettings, SourceConfig
from newsdesk.errors import ConfigError


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
