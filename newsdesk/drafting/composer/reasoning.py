"""The reasoning an opinion or a discussion gives beside its facts: the causes and views a
story's reports of its own period give and the research on the day's topic says to watch
(views.py reads them), quoted and attributed, and what the day's other news of the topic
says of the conditions those views name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from newsdesk.drafting.composer.disputes import when
from newsdesk.drafting.composer.plan import StoryPlan
from newsdesk.drafting.composer.realise import Statement
from newsdesk.drafting.composer.statements import source_statements
from newsdesk.drafting.composer.views import View, clause_naming, source_views
from newsdesk.text.normalise import desk_text
from newsdesk.text.segment import segmenter
from newsdesk.topics.specific import idf_table

if TYPE_CHECKING:
    from newsdesk.drafting.composer.layouts import Context

NEWS = ("feed", "manual")  # the kinds of items that are news (not research pages, not data)


def story_views(ctx: Context, story: StoryPlan) -> list[View]:
    """The reasons and views the story's reports give, then those of the research on its topic,
    each quote once, none another post of the day quotes: causes first, then views, then what
    to watch; as many as the kind's phrase file allows (``views``). Only a report that states
    a figure of the story's subject and period gives them: a story's reports may be of another
    month (11月's CPI beside 10月's), and a reason for that month is no reason for this one."""
    lead = story.source.story or story.source.number
    anchor = story.statements[0]
    story_text = "".join(
        f"{s.title}{s.text}" for s in ctx.brief.sources if lead in (s.number, s.story)
    )
    terms = topic_terms(ctx)
    found: dict[str, View] = {}
    for report in ctx.brief.sources:
        if lead in (report.number, report.story):
            stated = source_statements(report, ctx.script, ctx.desk_dirs)
            if not any(same_period(s, anchor) for s in stated):
                continue
        elif report.kind != "page" or not any(
            t in story_text and t in f"{report.title}{report.text}" for t in terms
        ):
            continue  # research lends its views to a story of the topic it is written on
        for view in source_views(report, ctx.script, ctx.desk_dirs, ctx.max_quote):
            found.setdefault(view.quote, view)
    said = "\n".join(ctx.day_texts)
    order = {"cause": 0, "view": 1, "watch": 2}
    fresh = [v for v in found.values() if v.quote not in said]
    return sorted(fresh, key=lambda v: order[v.kind])[: int(ctx.words.get("views", 0))]


def progress(ctx: Context, story: StoryPlan, watched: list[View]) -> list[str]:
    """What the day's other news says of the conditions a quoted view says to watch: the
    specific words of the view (rare in jieba's IDF table: 适航, 起降 — not 建设, 政策) named in
    another story's report, that clause quoted and cited. The link between the research's
    conditions and the week's news is the opinion's own (the blind reads asked for it)."""
    table = idf_table()
    floor = float(ctx.words.get("progress_min_idf", 99))
    terms = {t for v in watched for t in segmenter().terms(v.quote) if table.get(t, 0.0) >= floor}
    lead = story.source.story or story.source.number
    said = "\n".join(ctx.day_texts)
    topic = topic_terms(ctx)
    found: dict[str, str] = {}  # term -> its quoted clause
    for source in ctx.brief.sources:
        text = f"{source.title}{source.text}"
        if (
            source.kind == "page"
            or lead in (source.number, source.story)
            or not any(t in text for t in topic)  # news of the same topic only (not 整机 robots)
            or not terms
        ):
            continue
        named = clause_naming(source, ctx.script, terms, ctx.max_quote, ctx.desk_dirs)
        if named and named[0] not in said and named[0] not in "".join(found.values()):
            found[named[1]] = f"“{named[0]}”[{source.number}]"
            terms.discard(named[1])
    if not found:
        return []
    return [ctx.words["progress"].format(terms="、".join(found), items="；".join(found.values()))]


def topic_terms(ctx: Context) -> list[str]:
    """The terms of the brief's top topic (the 观点's), two characters or more."""
    return [t for topic in ctx.brief.topics[:1] for t in topic.get("terms", []) if len(t) >= 2]


def view_sentences(ctx: Context, views: list[View]) -> list[str]:
    """Views quoted with who gives them (the speaker and their verb, else the kind of source);
    one sentence for a source's views of one kind in a row."""
    words = {**ctx.desk["view"], **ctx.words.get("view", {})}
    runs: list[list[View]] = []
    for view in views:
        key = (view.source, view.kind, view.speaker)
        if runs and (runs[-1][0].source, runs[-1][0].kind, runs[-1][0].speaker) == key:
            runs[-1].append(view)
        else:
            runs.append([view])
    out = []
    for run in runs:
        first = run[0]
        kind = next((s.kind for s in ctx.brief.sources if s.number == first.source), "feed")
        values = {
            "about": f"{first.about}，" if first.about else "",
            "quote": "”；“".join(v.quote for v in run),  # “A”；“B” within the template's marks
            "etc": "等" if run[-1].listed else "",
            "n": str(first.source),
            "where": words["page" if kind == "page" else "report"],
        }
        if first.speaker:
            speaker = first.speaker if first.named else f"有{first.speaker}"
            out.append(words["said"].format(speaker=speaker, verb=first.verb, **values))
        else:
            out.append(words[first.kind].format(**values))
    return out


def same_period(one: Statement, other: Statement) -> bool:
    """One subject's one period, however written (10月份 and 10月)."""
    return one.subject == other.subject and when(one) == when(other)


def lead_view(ctx: Context) -> tuple[list[View], str]:
    """The first view of the biggest story that gives one no other post quotes, and what it is
    about: the first of the day's topic terms its headline names (降准), else the subject its
    report's figures are of (贵州茅台), else who gives the view — never the headline itself (a
    stock code in it, 贵州茅台(600519), reads as a figure)."""
    said = "\n".join(ctx.day_texts)
    terms = [t for topic in ctx.brief.topics for t in topic.get("terms", [])]
    for lead in (s for s in ctx.brief.sources if not s.story and s.kind in NEWS):
        reports = [s for s in ctx.brief.sources if lead.number in (s.number, s.story)]
        for report in reports:
            for view in source_views(report, ctx.script, ctx.desk_dirs, ctx.max_quote):
                if view.quote in said:
                    continue
                title = desk_text(lead.title, ctx.script)
                stated = source_statements(report, ctx.script, ctx.desk_dirs)
                subjects = [s.subject for s in stated if s.subject]
                named = view.speaker if view.named else ""
                about = next((t for t in terms if t in title), "") or next(iter(subjects), named)
                if about:
                    return [view], about
    return [], ""
