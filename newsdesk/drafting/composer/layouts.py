"""Layouts: how each kind arranges its planned stories (kinds.py names a kind's layout).

- ``lines`` (早报, 收盘, 每周): numbered fact lines, one story a line, under short headings
  by the kind of news, biggest stories first; a section whose data is missing is left out and
  the reason goes to the editor's notes, never into the post.
- ``story`` (观点): one story's facts, a comparison of its rates, then the reasons and views
  its sources give (reasoning.py).
- ``question`` (互动): one story's facts and a view its sources give, for discussion.
- ``brief`` (盘中, 预告): a few lines. ``digest`` (研报精选): a line per research page.
- ``breaking``: the event's own facts (or its headline, quoted whole), then related reports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from newsdesk.drafting.brief import Brief
from newsdesk.drafting.composer.compare import Comparison, comparison_sentence, comparisons
from newsdesk.drafting.composer.market import record_lines
from newsdesk.drafting.composer.plan import (
    Steering,
    StoryPlan,
    is_said,
    plan_stories,
    said_figures,
)
from newsdesk.drafting.composer.realise import Statement, clauses, line, period
from newsdesk.drafting.composer.reasoning import (
    NEWS,
    lead_view,
    progress,
    same_period,
    story_views,
    view_sentences,
)
from newsdesk.drafting.composer.statements import figure_key
from newsdesk.drafting.composer.views import View
from newsdesk.drafting.composer.wording import pick
from newsdesk.feeds.market import Snapshot
from newsdesk.kinds import KindSpec
from newsdesk.text.normalise import desk_text
from newsdesk.timetable import TradingCalendar

_WEEKDAYS = "一二三四五六日"


@dataclass
class Context:
    """One draft being laid out: the brief, its kind, the desk's words and what the note asks."""

    brief: Brief
    spec: KindSpec
    persona: str
    words: dict[str, Any]  # the kind's phrase file
    desk: dict[str, Any]  # phrases/_desk.toml
    steering: Steering
    script: str
    desk_dirs: tuple[Path, ...]
    day_texts: tuple[str, ...]
    seed: str
    max_quote: int = 30
    notes: list[str] = field(default_factory=list)

    def say(self, key: str, **values: str) -> str:
        """The kind's wording for ``key``: one of its options (by the draft's seed) that no
        other draft of the day already says, else the seeded one."""
        weekday = _WEEKDAYS[date.fromisoformat(self.brief.day).weekday()]
        options = self.words.get(key, "")
        options = [options] if isinstance(options, str) else list(options)
        if not options:
            return ""
        start = options.index(pick(options, f"{self.seed}|{key}"))
        said = "\n".join(self.day_texts)
        texts = [
            options[(start + n) % len(options)].format(
                name=self.persona, wd=weekday, title=self.brief.title, **values
            )
            for n in range(len(options))
        ]
        return next((t for t in texts if t not in said), texts[0])

    def stories(
        self,
        kinds: tuple[str, ...],
        limit: int,
        per_story: int | None = None,
        fresh: bool = True,
        also_said: str = "",
    ) -> list[StoryPlan]:
        """Up to ``limit`` stories with statable facts; the others are named in the notes.
        ``fresh=False``: facts the day's other drafts state may be stated again (an opinion's
        evidence, the close's market record)."""
        per_story = 1 if self.steering.shorter else per_story or self.spec.facts_per_story
        planned = plan_stories(
            self.brief,
            kinds,
            per_story,
            self.steering,
            self.script,
            self.desk_dirs,
            (*self.day_texts, also_said),
            fresh,
        )
        stated = [s for s in planned if s.statements]
        self.notes += [note for story in planned for note in story.disputed]
        for story in planned:
            if not story.statements:
                title = desk_text(story.source.title, self.script)[:24]
                self.notes.append(
                    f"未写入[{story.source.number}]「{title}」：没有能按原文确认主体、期间和口径的数字，"
                    "或其数字已在今日其他稿件中写过"
                )
        if self.steering.focus and not any(_focused(s, self.steering) for s in stated):
            self.notes.append(f"来源中没有与“{'、'.join(self.steering.focus)}”相关的数字")
        return stated[: 1 if self.steering.shorter else limit]


def _focused(story: StoryPlan, steering: Steering) -> bool:
    text = f"{story.source.title}{story.source.text}"
    return any(term in text for term in steering.focus)


def label(story: StoryPlan) -> str:
    """What a story is about, for prose: 贵州茅台前三季度的经营数据 / 10月份CPI."""
    first = story.statements[0]
    if first.klass == "company":
        return f"{first.subject}{period(first)}的经营数据"
    if first.subject:
        return f"{first.subject}{period(first)}的{first.reading.metric}"
    return f"{period(first)}{first.reading.metric}"


def _numbered(ctx: Context, stories: list[StoryPlan], start: int) -> list[str]:
    """Numbered lines under headings by class, in story order (the biggest story's group
    first)."""
    groups: dict[str, list[StoryPlan]] = {}
    for story in stories:
        groups.setdefault(ctx.desk["headings"][story.statements[0].klass], []).append(story)
    out: list[str] = []
    number = start
    for heading, members in groups.items():
        if len(groups) > 1:  # one group needs no heading over it
            out.append(f"【{heading}】")
        for story in members:
            out.append(f"{number}、{line(story.statements)}")
            number += 1
    return out


def lines_layout(ctx: Context) -> list[str]:
    """Greeting, market record, numbered news lines, research; no fact line at all: no post
    (the notes say why), not a greeting over nothing."""
    out = [ctx.say("greeting")]
    if ctx.spec.reads == "market":
        record = _market_record(ctx)
        if not record:
            # A close summary is the day's market record: without it, no post, not the
            # morning's news again.
            ctx.notes.append("盘面数据未写入：今日的收盘行情快照尚未入库，收盘总结未起草")
            return []
        out.append(f"【{ctx.words.get('market', '盘面数据')}】")
        out += record
    day, recap = _last_close(ctx) if "recap" in ctx.words else ("", [])
    if recap:
        out.append(f"【{ctx.words['recap'].format(date=day)}】")
        out += recap
    # The recap's figures are the desk's own record of that day: a report giving one of them
    # otherwise (北向资金 20亿元 against the snapshot's 12.9亿元) is not stated, nor one saying
    # it again. Read with the day each figure is of.
    dated = "\n".join(f"{day}{line}" for line in recap)
    news = ctx.stories(NEWS, ctx.spec.stories, also_said=dated)
    out += _numbered(ctx, news, 1)
    if ctx.spec.research:
        # A research page's figure the news lines above state is not stated again.
        research = ctx.stories(("page",), ctx.spec.research, also_said="\n".join(out))
        if research:
            out.append(f"【{ctx.words.get('research', '研报精选')}】")
            out += [line(s.statements) for s in research]
    if len(out) == 1:
        return []
    out.append(ctx.say("closing"))
    return out


def _snapshots(ctx: Context) -> Iterator[tuple[Snapshot, int]]:
    """The brief's market snapshots with their source numbers."""
    for source in ctx.brief.sources:
        if source.kind == "market" and source.data:
            yield Snapshot.model_validate(source.data), source.number


def _todays_snapshot(ctx: Context) -> tuple[Snapshot, int] | None:
    """The brief's market snapshot when it is of the brief's own day (an intraday brief
    falls back to the last close, which is no news of the day), with its source number."""
    return next(((s, n) for s, n in _snapshots(ctx) if s.date.isoformat() == ctx.brief.day), None)


def _market_record(ctx: Context) -> list[str]:
    """The day's closing snapshot as record lines, from its figures (composer/market.py)."""
    today = _todays_snapshot(ctx)
    if today is None or not today[0].closed(TradingCalendar().zone):
        return []
    return record_lines(today[0], today[1], ctx.desk["record"])


def _last_close(ctx: Context) -> tuple[str, list[str]]:
    """The 早报's recap of the last trading day: its closing snapshot's record lines and the
    day they are of (11月20日), or ("", []) when the brief has no earlier day's close."""
    for snapshot, number in _snapshots(ctx):
        if snapshot.date.isoformat() < ctx.brief.day and snapshot.closed(TradingCalendar().zone):
            day = f"{snapshot.date.month}月{snapshot.date.day}日"
            # Indices and flows only: the close's detail is yesterday's 收盘总结, and a recap
            # written from the snapshot's own figures reads much like its text (originality).
            return day, record_lines(snapshot, number, ctx.desk["record"], detail=False)
    return "", []


def _reasoning(ctx: Context, statements: list[Statement]) -> str:
    """What the signs of the stated rates say together; levels and moves in points or amounts
    (涨224点, 净流入) are no growth rate and say no direction here."""
    words = ctx.desk["reasoning"]
    if all(s.klass == "event" for s in statements):
        return words["event"]
    rates = [s for s in statements if s.fact.unit == "%"]
    ups = list(dict.fromkeys(s.reading.metric for s in rates if s.fact.direction == "up"))
    downs = list(dict.fromkeys(s.reading.metric for s in rates if s.fact.direction == "down"))
    if ups and downs:
        return words["mixed"].format(up="、".join(ups), down="、".join(downs))
    if ups:
        return words["all_up" if len(ups) > 1 else "one_up"].format(metrics="、".join(ups))
    if downs:
        return words["all_down" if len(downs) > 1 else "one_down"].format(metrics="、".join(downs))
    return words["level"]


def _prose(ctx: Context, story: StoryPlan, opener: str = "") -> str:
    """A story's facts as a paragraph: an opener (by class unless given), two facts a
    sentence."""
    statements = story.statements
    first = statements[0]
    opener = opener or ctx.desk["prose"][first.klass].format(subject=first.subject)
    sentences = [line(statements[:2], opener if first.klass == "company" else "")]
    if first.klass != "company":
        sentences[0] = opener + sentences[0]
    for index in range(2, len(statements), 2):
        part = statements[index : index + 2]
        sentences.append(f"{clauses(part)}[{first.source}]。")
    return "".join(sentences)


def story_layout(ctx: Context) -> list[str]:
    """One story told as an analysis, not as the morning's line again: its rate compared with
    the same rate of other periods (compare.py) when the story's reports give them, else its
    facts; then its other figures no other post of the day states; then the reasons and views
    its reports give, quoted and attributed (views.py); the signs of the period's rates only
    when the reports give no reasons. Every figure and quote cited, so the reasoning is as easy
    to check."""
    said = said_figures(ctx.day_texts)
    candidates = ctx.stories(NEWS + ("page",), len(ctx.brief.sources), fresh=False)
    # What each story would add: comparisons, figures no other post of the day states, and its
    # reports' reasons. One that only repeats the morning's line is no opinion; of the rest, the
    # biggest story that adds two things or more, else the biggest that adds one (the blind
    # reads: "no view").
    options: list[tuple[StoryPlan, list[Statement], list[Comparison], list[View], int]] = []
    for candidate in candidates:
        facts = list(
            {figure_key(s): s for s in [*candidate.statements, *candidate.evidence]}.values()
        )
        found = comparisons(facts, limit=2)
        compared = {figure_key(s) for c in found for s in (c.recent, c.earlier)}
        new = [s for s in facts if figure_key(s) not in compared and not is_said(s.fact, said)]
        views = story_views(ctx, candidate)
        if found or new or views:
            options.append((candidate, facts, found, views, len(found) + len(new) + len(views)))
    if not options:
        if candidates:
            ctx.notes.append(
                "观点未起草：今日可确认的数字都已在其他稿件中写过，没有可比较的数据，来源也没有给出原因或观点"
            )
        return []
    story, facts, found, views, _ = next((o for o in options if o[4] >= 2), options[0])
    out = [ctx.say("greeting", subject=label(story))]
    if found:
        out += [
            comparison_sentence(c, ctx.desk["comparison"], said=n > 0) for n, c in enumerate(found)
        ]
        told = [s for c in found for s in (c.recent, c.earlier)]
    else:
        # The story's own line, even when another post states it: the premise its reasons are
        # about, then said as a recap (not the morning's line word for word, the blind read).
        said_before = all(is_said(s.fact, said) for s in story.statements)
        out.append(_prose(ctx, story, ctx.words["recap"] if said_before else ""))
        told = story.statements
    told_keys = {figure_key(s) for s in told}
    more = [s for s in facts if figure_key(s) not in told_keys and not is_said(s.fact, said)]
    if views:
        # Beside the sources' reasons, only the told metrics' own figures: others read as a
        # list (the blind read: an unrelated ROE line after the revenue comparison).
        metrics = {s.reading.metric for s in told}
        more = [s for s in more if s.reading.metric in metrics]
    more = more[: ctx.spec.facts_per_story]
    if more:
        out.append(ctx.desk["analysis"]["more"] + "".join(_lines_by_subject(more)))
    out += view_sentences(ctx, views)
    out += progress(ctx, story, [v for v in views if v.kind == "watch"])
    # A comparison is the analysis, and so are the reports' reasons; signs of one period
    # restated beside them read as filler (the blind read: 同一期里，CPI为正增长，PPI为负增长).
    if not found and not views:
        out.append(_reasoning(ctx, [s for s in facts if same_period(s, told[0])]))
    return out


def _lines_by_subject(statements: list[Statement]) -> list[str]:
    """Statements as sentences, one a subject and period, in order of first mention."""
    groups: dict[tuple[str, str], list[Statement]] = {}
    for statement in statements:
        groups.setdefault((statement.subject, statement.period), []).append(statement)
    return [line(group) for group in groups.values()]


def question_layout(ctx: Context) -> list[str]:
    """A story the day's posts have not stated yet, and the question is about what its reports
    say of it: a view they give, quoted (你认同吗). A story without one gives way to a view
    another post has not quoted, which is the discussion on its own (a figure with a question
    that fits any figure read as a template, the blind reads); the story's figures with that
    question only when no source gives a view; with neither, no post: a group does not discuss
    the morning's line a third time."""
    stories = ctx.stories(NEWS + ("page",), 1)
    views = story_views(ctx, stories[0])[:1] if stories else []
    subject = label(stories[0]) if stories else ""
    if not views:
        alone, about = lead_view(ctx)
        if alone:
            stories, views, subject = [], alone, about
    if not stories and not views:
        ctx.notes.append(
            "社群互动未起草：今日可确认的数字都已在其他稿件中写过，来源也没有其他稿件未引用的观点"
        )
        return []
    out = [ctx.say("greeting", subject=subject)]
    if stories:
        out.append(line(stories[0].statements, ctx.say("lead")))
    if views:
        out += view_sentences(ctx, views)
        out.append(ctx.say("question_view"))
    else:
        out.append(ctx.say("question", subject=subject))
    out.append(ctx.say("closing"))
    return out


def brief_layout(ctx: Context) -> list[str]:
    # 盘中 and the previews state only what no other post of the day states.
    stories = []
    if ctx.spec.reads == "market":
        if _todays_snapshot(ctx) is None:
            # News lines alone are no 盘中信息 (the blind read), nor is the last close.
            ctx.notes.append(f"{ctx.brief.title}未起草：今日的盘中行情快照尚未入库")
            return []
        stories = ctx.stories(("market",), 1)
    stories += ctx.stories(NEWS, ctx.spec.stories)
    if not stories:
        ctx.notes.append(f"{ctx.brief.title}未起草：今日可确认的数字都已在其他稿件中写过")
        return []
    out = [ctx.say("greeting", subject=label(stories[0]))]
    out += [line(s.statements) for s in stories]  # a market reading carries its date
    out.append(ctx.say("closing"))
    return out


def digest_layout(ctx: Context) -> list[str]:
    stories = ctx.stories(("page",), ctx.spec.stories)
    if not stories:
        ctx.notes.append("今日没有新的研究资料入库，研报精选未起草")
        return []
    out = [ctx.say("greeting")]
    for story in stories:
        head = desk_text(story.source.title, ctx.script).partition("：")[0][:16]
        out.append(f"【{head}】{line(story.statements)}")
    out.append(ctx.say("closing"))
    return out


def breaking_layout(ctx: Context) -> list[str]:
    out = [ctx.say("greeting")]
    stories = ctx.stories(NEWS + ("page",), ctx.spec.stories)
    event = ctx.brief.sources[0] if ctx.brief.sources else None
    if event is not None and not any(s.source.number == event.number for s in stories):
        # The headline is all there is: quoted whole, its figures and qualifiers (预计) kept.
        headline = desk_text(event.title, ctx.script).rstrip("。")
        out.append(ctx.say("headline_only", headline=f"“{headline}”[{event.number}]") + "。")
    out += [line(s.statements) for s in stories]
    out.append(ctx.say("closing"))
    return out


def programme_layout(ctx: Context) -> list[str]:
    """The desk's programme as its phrase file states it, or no post (promo.toml says why)."""
    programme = ctx.words.get("programme", [])
    if not programme:
        ctx.notes.append(
            f"{ctx.brief.title}未起草：离线撰写不知道今天的节目安排（直播、回放）；"
            "在 <prompts_dir>/phrases/promo.toml 的 programme 里写上，或由编辑撰写"
        )
        return []
    return [ctx.say("greeting"), *programme, ctx.say("closing")]


LAYOUTS: dict[str, Callable[[Context], list[str]]] = {
    "lines": lines_layout,
    "story": story_layout,
    "question": question_layout,
    "brief": brief_layout,
    "digest": digest_layout,
    "breaking": breaking_layout,
    "programme": programme_layout,
}
