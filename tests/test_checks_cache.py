"""The checks read a draft stretch by stretch and sentence by sentence, each cached by its
text (a slot's revisions repeat most of the draft before): what they read must be what
reading the whole draft at once gives, and a revision's report what a first check gives."""

from __future__ import annotations

import pytest

from newsdesk.checks import facts as checks_facts
from newsdesk.checks.facts import DraftFacts, stretches
from newsdesk.checks.report import run_checks
from newsdesk.config import Settings
from newsdesk.text.facts import fact_spans, tagged_tokens

SOURCES = [
    "公司营收达5\n亿元，同比增长3%。净利润1,284.60亿元。沪深300指数收报3850点。\r\n"
    "德勤预计，全年港股IPO集资额有望突破3000亿港元。",
    "營收達５億元，淨利潤１２８４.６億元。10月出口下降1.1%，9月则为增长8.3%。",
]
DRAFTS = [
    # a number broken across a line (one figure), a line without an end mark, \r\n
    "公司营收达5\n亿元[1]。同比增长3%[1]。\r\n净利润1284.6亿元[2]。Revenue rose 5. 营收达5亿元[1]。",
    # a headline line, a marker after the full stop, a quotation, a closing quote after 。
    "标题：营收增长\n\n公司营收5亿元。[1]他说：“收入达5亿元。”净利润1,284.60亿元[1]！沪深\n300收报3850点[1]？",
    # full-width digits and traditional characters, a ticker, an index name split by a line
    "營收達５億元[2]，600519收涨1.2%[1]。H20\n亿元。德勤预计，全年港股IPO集资额有望突破3000亿港元[1]",
    "",
    "。。。\n\n",
]


def _whole_draft_readings(draft: str) -> list[checks_facts.Reading]:
    """Each sentence read from the tokens of the whole draft tagged at once."""
    tokens = tagged_tokens(draft)
    out = []
    for sentence in DraftFacts(draft).sentences:
        own = tuple(
            t._replace(start=t.start - sentence.start, end=t.end - sentence.start)
            for t in tokens
            if t.start >= sentence.start and t.end <= sentence.end
        )
        out.append(checks_facts._reading(sentence.text, own))
    return out


@pytest.mark.parametrize("draft", DRAFTS)
def test_stretches_cover_the_draft(draft: str) -> None:
    parts = stretches(draft)
    assert "".join(text for _, text in parts) == draft
    assert all(draft[offset : offset + len(text)] == text for offset, text in parts)


def _said(reading: checks_facts.Reading) -> tuple[object, ...]:
    """All a reading says, what it reads only when asked included."""
    return (reading, reading.figures, reading.entities, reading.specific)


@pytest.mark.parametrize("draft", DRAFTS)
def test_stretch_by_stretch_is_the_whole_draft(draft: str) -> None:
    analysed = DraftFacts(draft)
    assert analysed.spans == fact_spans(draft)
    readings = [_said(s.reading) for s in analysed.by_sentence]
    assert readings == [_said(r) for r in _whole_draft_readings(draft)]


@pytest.mark.parametrize("draft", [*DRAFTS, *SOURCES])
def test_whether_a_sentence_has_figures_is_what_its_figures_say(draft: str) -> None:
    # Every sentence is asked whether it states a figure; only cited ones read what they mean.
    for facts in DraftFacts(draft + "2025年营收。第3名[1]。约12.5。H20芯片。").by_sentence:
        assert facts.has_figures == bool(facts.figures), facts.sentence.text


def test_a_revision_reads_as_a_first_check() -> None:
    settings = Settings()
    first, revised = DRAFTS[0], DRAFTS[0].replace("同比增长3%[1]。", "同比增长4%[1]。")
    before = run_checks(revised, SOURCES, settings, channel="outbox").as_json()
    run_checks(first, SOURCES, settings, channel="outbox")
    after = run_checks(revised, SOURCES, settings, channel="outbox").as_json()
    assert after == before
    # the changed sentence is read anew: its figure is not in the source
    kinds = [p["kind"] for p in after["citations"]["problems"]]  # type: ignore[index]
    assert "not_in_source" in kinds


@pytest.mark.parametrize("draft", DRAFTS)
def test_spans_asked_within_ranges_are_the_whole_drafts_there(draft: str) -> None:
    # Originality asks only where a copied run may count: every fact span covering a
    # character there must come back.
    analysed = DraftFacts(draft)
    for low in range(0, len(draft), 7):
        high = low + 12
        found = set(analysed.spans_within([(low, high)]))
        assert {s for s in fact_spans(draft) if s[0] < high and s[1] > low} <= found
