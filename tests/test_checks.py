"""Originality, citations, substance and compliance: each rule passing and failing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsdesk.checks.citations import check_citations
from newsdesk.checks.compliance import ComplianceParams, check_compliance
from newsdesk.checks.originality import check_originality
from newsdesk.checks.report import run_checks
from newsdesk.checks.units import parse_marker, sentences
from newsdesk.config import DEFAULT_BANNED, DEFAULT_TRADE_PATTERNS, Settings
from tests.cli_support import cli

ROOT = Path(__file__).resolve().parent.parent
SOURCE = (
    "人民银行决定于11月25日下调金融机构存款准备金率0.25个百分点，本次下调后，金融机构加权平均存款准备金率约为6.2%。"
    "此次降准预计释放长期资金约5000亿元，有助于降低银行负债成本，支持实体经济融资需求。"
    "市场人士认为，降准释放了稳增长的积极信号。"
)
SOURCE2 = "翔云航空科技公告称，其eVTOL机型取得型号合格证，已获得超过100架意向订单。"
COPY = (
    "人民银行决定于11月25日下调金融机构存款准备金率0.25个百分点，本次下调后，金融机构加权平均存款准备金率约为6.2%[1]。"
    "此次降准预计释放长期资金约5000亿元，有助于降低银行负债成本，支持实体经济融资需求[1]。"
)
LIGHT = (
    "人民银行宣布于11月25日下调金融机构的存款准备金率0.25个百分点，下调以后，金融机构平均存款准备金率大约为6.2%[1]。"
    "这次降准预计将释放长期资金约5000亿元，有利于降低银行的负债成本，支持实体经济的融资需求[1]。"
)
PARTIAL = (
    "周五晚间央行宣布降准，幅度为0.25个百分点[1]。此次降准预计释放长期资金约5000亿元，有助于降低银行负债成本，支持实体经济融资需求[1]。"
    "我们认为这对银行股是边际利好，但更重要的是政策方向：稳增长的力度在加大，后续或有更多结构性工具出台。"
    "对普通投资者来说，不必追高，关注低估值高股息品种的配置价值即可。"
)
ORIGINAL = (
    "周五晚间，央行宣布降准0.25个百分点，预计释放约5000亿元长期资金[1]。"
    "对银行而言，负债端成本随之下降，息差压力有所缓解；对市场而言，这是稳增长信号的又一次确认。"
    "我们建议普通投资者保持耐心，把注意力放在业绩确定性较高的品种上，而不是追逐短期情绪。投资有风险，入市需谨慎。"
)


@pytest.mark.parametrize(
    ("draft", "low", "high"),
    [(COPY, 0.0, 0.2), (LIGHT, 0.0, 0.6), (PARTIAL, 0.6, 0.85), (ORIGINAL, 0.9, 1.0)],
    ids=["copy", "light-edit", "partial-reuse", "original-cited"],
)
def test_chinese_originality_bands(draft: str, low: float, high: float) -> None:
    assert low <= check_originality(draft, [SOURCE]).ratio <= high


def test_borrowed_spans_point_at_draft_and_source() -> None:
    result = check_originality(PARTIAL, [SOURCE2, SOURCE])
    assert len(result.borrowed) == 1
    span = result.borrowed[0]
    assert span.source == 2 and PARTIAL[span.start : span.end] == span.text
    assert span.text.startswith("此次降准预计释放长期资金")


def test_english_copy_fails_original_passes() -> None:
    source = (
        "PageRank is a link analysis algorithm used by the Google search engine that assigns a numerical "
        "weighting to each element of a hyperlinked set of documents. The algorithm may be applied to any "
        "collection of entities with reciprocal quotations and references."
    )
    copied = "PageRank is a link analysis algorithm used by the Google search engine that assigns a numerical weighting to each element of a hyperlinked set of documents."
    written = "Google ranks pages by counting how many other pages point at them, weighting each vote by the voter's own rank."
    assert not check_originality(copied, [source]).passed
    assert check_originality(written, [source]).passed


def test_quotes_and_markers_count_neither_way() -> None:
    short = "央行在公告中称此举“有助于降低银行负债成本”[1]，我们认为利好银行。"
    result = check_originality(short, [SOURCE])
    assert result.ratio == 1.0 and result.units == len("央行在公告中称此举我们认为利好银行")
    # A whole copied sentence in quotation marks is still copied (checks.max_quote_chars).
    quoted = "央行在公告中写道：“此次降准预计释放长期资金约5000亿元，有助于降低银行负债成本，支持实体经济融资需求。”[1]我们认为利好银行。"
    copied = check_originality(quoted, [SOURCE])
    assert not copied.passed and copied.borrowed[0].text.startswith("此次降准")


def test_empty_draft_and_no_sources() -> None:
    empty = check_originality("", [SOURCE])
    assert empty.ratio == 0.0 and not empty.passed
    assert check_originality("  [1]。", [SOURCE]).units == 0
    assert check_originality(ORIGINAL, []).ratio == 1.0


def test_an_empty_draft_has_one_problem_not_four() -> None:
    # The demo day's empty 观点 was flagged 没有正文, 事实太少, 原创度 0% and missing_disclaimer:
    # three false alarms that follow from the one problem (the composer's note says why).
    report = run_checks("", [SOURCE], Settings(), kind="viewpoint")
    assert not report.passed and report.reasons() == [
        "没有正文：稿件没有正文 / the draft has no body"
    ]


def test_source_that_is_the_whole_draft() -> None:
    result = check_originality(SOURCE, [SOURCE])
    assert result.ratio == 0.0
    assert "".join(b.text for b in result.borrowed).startswith("人民银行决定于11月25日")
    assert all(SOURCE[b.start : b.end] == b.text and b.source == 1 for b in result.borrowed)


def test_full_width_and_half_width_match() -> None:
    full = "ＰａｇｅＲａｎｋ　ｉｓ　ａ　ｌｉｎｋ　ａｎａｌｙｓｉｓ　ａｌｇｏｒｉｔｈｍ　ｕｓｅｄ　ｂｙ　Ｇｏｏｇｌｅ."
    assert (
        check_originality(full, ["PageRank is a link analysis algorithm used by Google."]).ratio
        == 0.0
    )
    assert check_originality(COPY.replace("0.25", "０.２５"), [SOURCE]).ratio < 0.2


HK_SOURCE = (
    "騰訊控股公佈第三季度業績，營收同比增長15%，遊戲業務收入創歷史新高，"
    "管理層表示將繼續加大人工智能投入。"
)


def test_a_copy_converted_from_traditional_is_still_a_copy() -> None:
    converted = "腾讯控股公布第三季度业绩，营收同比增长15%，游戏业务收入创历史新高，管理层表示将继续加大人工智能投入。"
    result = check_originality(converted, [HK_SOURCE])
    assert result.ratio == 0.0 and result.borrowed[0].source == 1
    cited = check_citations("腾讯第三季度营收同比增长15%[1]。", [HK_SOURCE])
    assert cited.passed and cited.recall == 1.0 and cited.problems == []


def test_hundred_thousand_character_draft_completes() -> None:
    draft = (ORIGINAL + PARTIAL) * (100_000 // len(ORIGINAL + PARTIAL) + 1)
    report = run_checks(draft[:100_000], [SOURCE, SOURCE2] * 25, Settings())
    assert 0.0 < report.originality.ratio < 1.0 and report.citations.needing > 100


def test_marker_forms() -> None:
    assert parse_marker("1") == (1,)
    assert parse_marker("1,2") == (1, 2)
    assert parse_marker("1-3") == (1, 2, 3)
    assert parse_marker("2，4、5") == (2, 4, 5)
    assert [s.cited for s in sentences("甲[1]。乙【2】。丙[1-3]。丁[1, 3]。")] == [
        {1},
        {2},
        {1, 2, 3},
        {1, 3},
    ]


def test_citations_supported_missing_unsupported_invalid() -> None:
    draft = (
        "央行宣布下调存款准备金率0.25个百分点[1]。"  # supported
        "翔云航空科技已获得超过100架意向订单。"  # figure, no citation: missing
        "预计释放长期资金约8000亿元[1]。"  # figure not in source: unsupported
        "负债成本有望下降[5]。"  # marker beyond the sources
        "我们继续看好高股息板块。"  # opinion: needs nothing
    )
    result = check_citations(draft, [SOURCE, SOURCE2])
    kinds = sorted(p.kind for p in result.problems)
    assert kinds == ["invalid_marker", "missing", "not_in_source"]
    assert result.needing == 3
    assert result.recall == pytest.approx(1 / 3)
    assert result.precision == pytest.approx(1 / 3)
    unsupported = next(p for p in result.problems if p.kind == "not_in_source")
    assert "8000" in unsupported.detail
    assert not result.passed


def test_citations_all_good_and_english_attribution() -> None:
    good = check_citations(
        "据公告，翔云航空科技的eVTOL机型取得型号合格证[2]。降准释放了稳增长的积极信号【1】。",
        [SOURCE, SOURCE2],
    )
    assert good.passed and good.recall == 1.0 and good.precision == 1.0 and good.needing == 1
    english = check_citations(
        "According to the filing, revenue rose sharply.",
        ["Revenue rose sharply, the filing shows."],
    )
    assert english.needing == 1 and english.problems[0].kind == "missing"


def test_needless_citation_lowers_precision() -> None:
    result = check_citations("央行宣布下调存款准备金率0.25个百分点[1,2]。", [SOURCE, SOURCE2])
    assert result.recall == 1.0 and result.precision == 0.5


def test_citations_with_no_sources() -> None:
    result = check_citations("据报道，利润增长20%[1]。", [])
    assert [p.kind for p in result.problems] == ["invalid_marker", "unsupported"]


PARAMS = ComplianceParams(
    tuple(DEFAULT_BANNED), tuple(DEFAULT_TRADE_PATTERNS), "投资有风险，入市需谨慎", False
)


@pytest.mark.parametrize(
    ("text", "rule", "found"),
    [
        ("这只基金保本又稳赚不赔。", "banned:稳赚不赔", "稳赚不赔"),
        ("机会难得，稳 赚！", "banned:稳赚", "稳 赚"),
        ("据说有内幕消息。", "banned:内幕消息", "内幕消息"),
        ("明年业绩有望翻倍。", "banned:翻倍", "翻倍"),
        ("建议立即买入，机会不等人。", "trade_instruction", "立即买入"),
        ("您应该清仓离场。", "trade_instruction", "您应该清仓"),
        ("明日买入600519。", "trade_instruction", "买入600519"),
    ],
)
def test_compliance_violations(text: str, rule: str, found: str) -> None:
    result = check_compliance(text + "投资有风险，入市需谨慎。", PARAMS)
    hit = next(v for v in result.violations if v.rule == rule)
    assert hit.text == found and text[hit.start : hit.end] == found
    assert not result.passed


def test_compliance_negation_and_clean_text() -> None:
    clean = "本产品不保本，也并非无风险，请理性看待。投资有风险，入市需谨慎。"
    assert check_compliance(clean, PARAMS).passed


def test_disclaimer_required_per_channel() -> None:
    missing = check_compliance("今日市场平稳。", PARAMS)
    assert [v.rule for v in missing.violations] == ["missing_disclaimer"]
    assert check_compliance("今日市场平稳。投资有风险 入市需谨慎", PARAMS).passed
    assert check_compliance("今日市场平稳。", ComplianceParams((), (), None, False)).passed


def test_slot_may_allow_trade_instructions() -> None:
    allowed = ComplianceParams((), tuple(DEFAULT_TRADE_PATTERNS), None, True)
    assert check_compliance("建议立即买入。", allowed).passed


def test_check_cli_json_contract(tmp_path: Path) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text(PARTIAL + "稳赚不赔！", encoding="utf-8")
    one = tmp_path / "one.txt"
    one.write_text(SOURCE2, encoding="utf-8")
    two = tmp_path / "two.txt"
    two.write_text(SOURCE, encoding="gb18030")
    out = cli("check", str(draft), "--source", str(one), "--source", str(two), "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert set(report) == {
        "passed",
        "originality",
        "citations",
        "compliance",
        "substance",
        "consistency",
    }
    assert set(report["substance"]) == {"facts", "filler_ratio", "passed", "problems"}
    assert set(report["originality"]) == {"ratio", "threshold", "passed", "borrowed"}
    assert set(report["citations"]) == {"recall", "precision", "passed", "needing", "problems"}
    assert set(report["compliance"]) == {"passed", "violations"}
    assert report["originality"]["borrowed"][0]["source"] == 2
    assert set(report["originality"]["borrowed"][0]) == {"start", "end", "source", "text"}
    assert report["compliance"]["violations"][0] == {
        "rule": "banned:稳赚不赔",
        "text": "稳赚不赔",
        "start": len(PARTIAL),
        "end": len(PARTIAL) + 4,
    }
    assert report["passed"] is False
    human = cli("check", str(draft), "--source", str(one), "--source", str(two))
    assert human.returncode == 0 and "FAIL" in human.stdout and "稳赚不赔" in human.stdout


def test_check_cli_unreadable_input(tmp_path: Path) -> None:
    binary = tmp_path / "image.bin"
    binary.write_bytes(b"\x89PNG\x00\x00\x01")
    good = tmp_path / "d.txt"
    good.write_text("内容", encoding="utf-8")
    for args, message in [
        ((str(tmp_path / "missing.txt"),), "cannot read"),
        ((str(binary),), "not a text file"),
        ((str(good), "--source", str(tmp_path / "nope.txt")), "cannot read"),
        ((str(good), "--channel", "nosuch"), "no channel named"),
    ]:
        out = cli("check", *args, "--json")
        assert out.returncode == 2 and message in out.stderr and out.stdout == ""


EARNINGS = (
    "贵州茅台公告称，2025年前三季度公司实现营业收入1,284.60亿元，同比增长16.9%；"
    "实现归属于上市公司股东的净利润608.3亿元，同比增长15.1%。其中第三季度单季营业收入398.2亿元。"
    "公司表示，将继续推进渠道改革。"
)
PARAPHRASE = (
    "茅台前三季度交出了一份稳健的成绩单：营收1284.6亿元，比去年同期多了16.9%，"
    "归母净利润达到608.3亿元，增幅15.1%[1]。单看三季度，营收为398.2亿元[1]。"
    "央行同日宣布降准0.25个百分点，平均存准率降到6.2%左右，可释放约5000亿元长期流动性[2]。"
    "在我们看来，白酒龙头的业绩韧性与宽松的流动性环境叠加，有利于市场情绪修复。投资有风险，入市需谨慎。"
)
FILLER = (
    "关于降准，目前银行、地产等方面的进展值得跟踪[2]。"
    "贵州茅台方面，营业收入、净利润等情况值得关注[1]。"
    "再看存款准备金率：金融机构同样值得留意[2]。投资有风险，入市需谨慎。"
)


def test_fact_dense_paraphrase_with_markers_passes() -> None:
    report = run_checks(PARAPHRASE, [EARNINGS, SOURCE], Settings(), kind="research_digest")
    assert report.originality.ratio == 1.0 and report.originality.borrowed == []
    assert report.citations.problems == [] and report.citations.recall == 1.0
    assert report.substance.facts >= 7 and report.substance.filler_ratio == 0.0
    assert report.passed and report.reasons() == []


def test_keyword_filler_fails_substance_with_a_problem_per_sentence() -> None:
    report = run_checks(
        FILLER, [EARNINGS, SOURCE], Settings(), channel="outbox", kind="research_digest"
    )
    assert report.originality.passed and report.citations.passed  # nothing copied, nothing false
    substance = report.substance
    assert not substance.passed and not report.passed
    assert substance.facts == 0 and substance.filler_ratio == 1.0
    fillers = [p.sentence for p in substance.problems if p.kind == "filler"]
    assert fillers == [s.text for s in sentences(FILLER)[:3]]
    assert any(p.kind == "few_facts" for p in substance.problems)
    reasons = "\n".join(report.reasons())
    assert "空话：关于降准，目前银行、地产等方面的进展值得跟踪[2]。" in reasons
    assert "陈述来源事实 0 个，要求 ≥ 4" in reasons


def test_one_filler_sentence_among_facts_is_reported_but_tolerated() -> None:
    draft = PARAPHRASE + "关于降准，目前银行、地产等方面的进展值得跟踪[2]。"
    report = run_checks(
        draft, [EARNINGS, SOURCE], Settings(), channel="outbox", kind="research_digest"
    )
    assert [p.kind for p in report.substance.problems] == ["filler"]
    # Every body sentence counts, the uncited opinion too; the disclaimer does not.
    assert report.substance.filler_ratio == pytest.approx(1 / 5)
    assert report.substance.passed


@pytest.mark.parametrize(
    ("draft", "kind"),
    [("", "empty"), ("   [1]。\n", "empty"), ("投资有风险，入市需谨慎。", "empty")],
    ids=["blank", "markers-only", "disclaimer-only"],
)
def test_a_draft_without_body_never_passes(draft: str, kind: str) -> None:
    report = run_checks(draft, [SOURCE], Settings(), channel="outbox", kind="promo")
    assert not report.passed and not report.substance.passed
    assert kind in [p.kind for p in report.substance.problems]


def test_a_draft_without_sources_never_passes() -> None:
    report = run_checks(ORIGINAL, [], Settings(), kind="promo")  # promo needs no facts
    assert report.originality.passed and report.compliance.passed
    assert [p.kind for p in report.substance.problems] == ["no_sources"]
    assert not report.passed
    assert any("没有来源" in line for line in report.reasons())


def test_figure_from_another_context_is_unsupported() -> None:
    # 15.1% is the growth of net profit in the source, not of revenue.
    result = check_citations("茅台前三季度营收同比增长15.1%[1]。", [EARNINGS])
    (problem,) = result.problems
    assert problem.kind == "wrong_subject_or_metric" and "15.1%" in problem.detail
    assert "归属于上市公司股东的净利润" in problem.detail
    right = check_citations("茅台前三季度归母净利润同比增长15.1%[1]。", [EARNINGS])
    assert right.passed and right.problems == []


def test_name_missing_from_the_cited_source_is_unsupported() -> None:
    result = check_citations("招商银行前三季度营收1284.6亿元[1]。", [EARNINGS])
    assert [p.kind for p in result.problems] == ["unsupported"]
    assert "招商银行" in result.problems[0].detail


def test_cited_sentence_sharing_nothing_specific_is_unsupported() -> None:
    result = check_citations("我们认为这件事情值得大家思考[1]。据悉如此。", [EARNINGS])
    kinds = [p.kind for p in result.problems]
    assert kinds == ["missing"]  # 据悉 attributes: needs a marker
    lonely = check_citations("据悉，这件事情让人很感慨[1]。", [EARNINGS])
    assert [p.kind for p in lonely.problems] == ["unsupported"]
    assert "没有共同的具体内容" in lonely.problems[0].detail


def test_stating_source_facts_verbatim_is_not_copying() -> None:
    draft = "归属于上市公司股东的净利润608.3亿元[1]，我们认为渠道改革仍是明年最值得期待的变化。"
    result = check_originality(draft, [EARNINGS])
    assert result.ratio == 1.0 and result.borrowed == []


def test_repeated_sentence_from_another_draft_of_the_day() -> None:
    repeated = (
        "茅台前三季度交出了一份稳健的成绩单：营收1284.6亿元，比去年同期多了16.9%，"
        "归母净利润达到608.3亿元，增幅15.1%[1]。央行宣布降准，我们认为利好银行板块的估值修复[2]。"
        "单看三季度，营收为398.2亿元[1]。投资有风险，入市需谨慎。"
    )
    # Shared with the morning draft: the first sentence (counted), 单看三季度… (too short
    # to count) and the disclaimer (boilerplate).
    morning = PARAPHRASE
    report = run_checks(
        repeated,
        [EARNINGS, SOURCE],
        Settings(),
        channel="outbox",
        kind="viewpoint",
        day_drafts=[morning],
    )
    assert [(p.kind, p.sentence) for p in report.substance.problems] == [
        ("repeated", sentences(repeated)[0].text)
    ]
    assert not report.substance.passed and not report.passed
    recap = run_checks(
        repeated, [EARNINGS, SOURCE], Settings(), kind="weekly_summary", day_drafts=[morning]
    )
    assert [p.kind for p in recap.substance.problems] == ["repeated"]
    assert recap.substance.passed
    alone = run_checks(repeated, [EARNINGS, SOURCE], Settings(), kind="viewpoint")
    assert alone.substance.passed and alone.substance.problems == []


def test_revision_reasons_name_unsupported_figures_and_filler() -> None:
    draft = "茅台前三季度营收同比增长15.1%[1]。贵州茅台方面，营业收入、净利润等情况值得关注[1]。"
    reasons = "\n".join(run_checks(draft, [EARNINGS], Settings(), kind="viewpoint").reasons())
    assert "主体或指标与来源不符：茅台前三季度营收同比增长15.1%[1]。" in reasons
    assert "空话：贵州茅台方面，营业收入、净利润等情况值得关注[1]。" in reasons


def test_check_cli_substance_kind_and_day_drafts(tmp_path: Path) -> None:
    files = {}
    for name, text in [
        ("para", PARAPHRASE),
        ("fill", FILLER),
        ("earn", EARNINGS),
        ("rrr", SOURCE),
        ("other", "早盘提示：" + PARAPHRASE),
    ]:
        files[name] = tmp_path / f"{name}.txt"
        files[name].write_text(text, encoding="utf-8")
    sources = ["--source", str(files["earn"]), "--source", str(files["rrr"])]
    out = cli("check", str(files["para"]), *sources, "--kind", "research_digest", "--json")
    good = json.loads(out.stdout)
    assert good["passed"] is True and good["substance"]["passed"] is True
    assert good["substance"]["facts"] >= 7 and good["substance"]["problems"] == []
    out = cli(
        "check",
        str(files["fill"]),
        *sources,
        "--kind",
        "research_digest",
        "--channel",
        "outbox",
        "--json",
    )
    bad = json.loads(out.stdout)
    assert bad["passed"] is False and bad["substance"]["filler_ratio"] == 1.0
    assert {p["kind"] for p in bad["substance"]["problems"]} == {"filler", "few_facts"}
    out = cli("check", str(files["para"]), *sources, "--day-drafts", str(files["other"]), "--json")
    repeated = json.loads(out.stdout)["substance"]["problems"]
    # 单看三季度，营收为398.2亿元 is too short to count; the first sentence differs by its prefix.
    assert {p["kind"] for p in repeated} == {"repeated"} and len(repeated) == 2
    human = cli("check", str(files["fill"]), *sources, "--kind", "research_digest")
    assert "FAIL" in human.stdout and "空话" in human.stdout
    wrong = cli("check", str(files["para"]), "--kind", "novel", "--json")
    assert wrong.returncode == 2 and "no content kind named 'novel'" in wrong.stderr
    missing = cli("check", str(files["para"]), "--day-drafts", str(tmp_path / "nope.txt"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr


def test_one_marker_after_clauses_joined_by_a_semicolon_covers_both() -> None:
    draft = "茅台前三季度营收1284.6亿元，增长16.9%；归母净利润608.3亿元，增长15.1%[1]。"
    result = check_citations(draft, [EARNINGS])
    assert result.passed and result.problems == [] and result.needing == 1


def test_headings_are_not_filler() -> None:
    draft = (
        "【宏观数据】\n1、央行降准0.25个百分点，预计释放长期资金约5000亿元[2]。\n"
        "【公司动态】\n2、贵州茅台前三季度营收1284.6亿元，同比增长16.9%[1]。\n投资有风险，入市需谨慎。"
    )
    report = run_checks(
        draft, [EARNINGS, SOURCE], Settings(), channel="outbox", kind="morning_report"
    )
    assert report.substance.filler_ratio == 0.0
    assert [p.kind for p in report.substance.problems if p.kind == "filler"] == []


@pytest.mark.parametrize("copies", [1, 10, 50, 200])
def test_a_copy_is_a_copy_however_many_sources_share_it(copies: int) -> None:
    # Issue 26 item 11: a verbatim copy passed once 50 overlapping sources carried it.
    sources = [SOURCE + f"另据报道第{i}条。" for i in range(copies)]
    assert check_originality(SOURCE, sources).ratio < 0.2
