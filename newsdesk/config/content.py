"""What the desk writes and from what: ``slots:``, ``topics:``, ``drafting:``, ``llm:``,
``persona:`` and ``breaking:``."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from newsdesk.config.fields import Kind, Strict, Tier, check_name


class SlotConfig(Strict):
    """A posting slot of the timetable (DESIGN.md); metadata feeds prompts and templates."""

    name: str
    time: time
    kind: Kind
    title: str
    tier: Tier = "入门"
    content_type: str = "时效性内容"
    channels: list[str] = Field(default_factory=lambda: ["outbox"])
    lead_minutes: int = Field(30, ge=0, le=24 * 60)
    calendar: Literal["trading", "daily", "weekly"] = "trading"
    weekday: int | None = Field(None, ge=0, le=6, description="0 = Monday; weekly slots only")
    segments: list[str] = Field(default_factory=list)
    allow_trade_instructions: bool = False

    _name = field_validator("name")(check_name)

    @model_validator(mode="after")
    def _weekly_needs_weekday(self) -> SlotConfig:
        if self.calendar == "weekly" and self.weekday is None:
            raise ValueError("a weekly slot needs 'weekday' (0 = Monday)")
        return self


class TopicSettings(Strict):
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


class LLMConfig(Strict):
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


class DraftingConfig(Strict):
    brief_chars: int = Field(
        20000,
        ge=500,
        description="size budget of a brief's sources: room for ten leads' reports_per_story "
        "reports at source_chars each (10 x 3 x 600 and their titles); at 10000 a story's third "
        "report, often the one stating its figure plainly, was cut for the budget",
    )
    max_sources: int = Field(8, ge=1, le=30)
    source_chars: int = Field(600, ge=100, description="cap per source text in a brief")
    reports_per_story: int = Field(
        3,
        ge=1,
        le=10,
        description="reports of one story a brief carries (the lead and other outlets' reports, "
        "so a story's headline figures can be taken from the report that states them plainly); "
        "the others beyond the lead fit in what brief_chars leaves",
    )
    overnight_hours: float = Field(
        18.0,
        gt=0,
        description="morning report: look back at least this far (and to the last close)",
    )
    research_days: int = Field(7, ge=1, description="research digest: pages from the last N days")
    segments: dict[str, str] = Field(
        default_factory=lambda: {
            "新手": "用通俗的语言解释概念，少用术语，多讲风险",
            "进阶": "给出逻辑链条和关键数据，适度使用专业术语",
            "高净值": "强调资产配置视角和风险收益比，语气稳重",
        },
        description="audience segments (用户分层) and how to write for each",
    )


class BreakingConfig(Strict):
    """突发事件解读: drafted on demand, first in the queue, posted as soon as it is approved."""

    title: str = "突发事件解读"
    channels: list[str] = Field(default_factory=lambda: ["outbox"])
    deadline_minutes: int = Field(
        30, ge=1, description="review deadline after the request; unapproved by then, it expires"
    )
    related_hours: float = Field(
        96.0, gt=0, description="gather related items from this far back (covers a weekend)"
    )
    tier: Tier = "中阶"


class Persona(Strict):
    name: str = "研究助理小新"
    tone: str = "专业、克制、通俗"
