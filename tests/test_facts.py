"""Figure facts, metrics, names and finance terms on sentences as finance news writes them."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsdesk.text.facts import (
    FigureFact,
    canonical_metric,
    figure_facts,
    is_finance_term,
    mentions_metric,
    named_entities,
    tagged_tokens,
)


def triples(text: str) -> list[tuple[str, str, str]]:
    return [(f.value, f.unit, f.metric) for f in figure_facts(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # earnings: thousands separator, trailing zero, carried metric, short form
            "贵州茅台公告称，2025年前三季度实现营业收入1,284.60亿元，同比增长16.9%；归母净利润608.3亿元。",
            [
                ("1284.6", "亿元", "营业收入"),
                ("16.9", "%", "营业收入"),
                ("608.3", "亿元", "归属于上市公司股东的净利润"),
            ],
        ),
        (  # policy: date is no figure, metric inside a longer phrase, 约为 skipped
            "人民银行决定于11月25日下调金融机构存款准备金率0.25个百分点，"
            "下调后金融机构加权平均存款准备金率约为6.2%。此次降准预计释放长期资金约5000亿元。",
            [
                ("0.25", "个百分点", "存款准备金率"),
                ("6.2", "%", "存款准备金率"),
                ("5000", "亿元", "长期资金"),
            ],
        ),
        (  # orders: the metric follows the figure
            "翔云航空科技公告称，其eVTOL机型取得型号合格证，已获得超过100架意向订单。",
            [("100", "架", "意向订单")],
        ),
        (  # market moves: index short names, 报 carries the index, index name with digits
            "沪指收涨1.2%，报3350.12点，两市成交额1.2万亿元，北向资金全天净买入56.3亿元。沪深300指数上涨0.8%。",
            [
                ("1.2", "%", "上证指数"),
                ("3350.12", "点", "上证指数"),
                ("1.2", "万亿元", "成交额"),
                ("56.3", "亿元", "北向资金"),
                ("0.8", "%", "沪深300指数"),
            ],
        ),
        (  # macro data: periods and M2 are no figures, unitless reading kept
            "10月CPI同比上涨0.2%，PPI同比下降2.9%，M2余额同比增长8%，制造业PMI为49.8。"
            "1-10月社零总额同比增长3.5%。",
            [
                ("0.2", "%", "居民消费价格指数"),
                ("2.9", "%", "工业生产者出厂价格指数"),
                ("8", "%", "广义货币"),
                ("49.8", "", "制造业采购经理指数"),
                ("3.5", "%", "社会消费品零售总额"),
            ],
        ),
        (  # broker view: target price, forecast year, 分别为 list
            "中信证券维持买入评级，目标价45.6元，预计2026年净利润35.2亿元，对应PE分别为20倍、18倍。",
            [
                ("45.6", "元", "目标价"),
                ("35.2", "亿元", "净利润"),
                ("20", "倍", "市盈率"),
                ("18", "倍", "市盈率"),
            ],
        ),
        (  # commodities: price per ton, full-width digits
            "螺纹钢期货主力合约收于３,１５０元/吨，跌１.５％。",
            [("3150", "元/吨", "螺纹钢期货主力合约"), ("1.5", "%", "螺纹钢期货主力合约")],
        ),
    ],
    ids=["earnings", "policy", "orders", "market", "macro", "broker", "commodity"],
)
def test_figures_with_units_and_metrics(text: str, expected: list[tuple[str, str, str]]) -> None:
    assert triples(text) == expected


def test_offsets_cover_figure_and_unit() -> None:
    text = "公司前三季度营收128.64亿元，同比增长12.3%。"
    facts = figure_facts(text)
    assert [text[f.start : f.end] for f in facts] == ["128.64亿元", "12.3%"]
    assert facts[0] == FigureFact(
        "128.64", "亿元", "营业收入", 8, 16, period="前三季度", sure=False
    )  # 公司 alone names no one a reader can check: not sure


@pytest.mark.parametrize(
    "text",
    [
        "2026年11月25日起实施，为期3个月。",
        "三季度以来，1-10月累计。",
        "600519.SH、000001.SZ、0700.HK、SH600036盘中涨停。",
        "公司发布H20芯片与5G模组，1Q26起供货。",
        "下午3点召开会议，这是第3次会议，前10名股东名单。",
        "详见公告[1]，另见【2，3】。",
        "2026-11-25 09:30 开盘。",
        "这3家公司。",  # no: 3家 is a figure; checked below
    ][:-1],
)
def test_dates_periods_codes_and_names_are_no_figures(text: str) -> None:
    assert figure_facts(text) == []


def test_small_counts_with_units_are_figures_but_stray_numbers_are_not() -> None:
    assert triples("本周共有3家公司发布回购公告。") == [("3", "家", "公司")]
    assert figure_facts("我们整理的第1点看法，以及第2条、前3名") == []


def test_new_sentence_does_not_inherit_a_metric() -> None:
    facts = figure_facts("营业收入100亿元。增长20%。")
    assert [f.metric for f in facts] == ["营业收入", ""]


@pytest.mark.parametrize(
    ("term", "canonical"),
    [
        ("营收", "营业收入"),
        ("营业收入", "营业收入"),
        ("净利", "净利润"),
        ("归母净利润", "归属于上市公司股东的净利润"),
        ("归属于母公司所有者的净利润", "归属于上市公司股东的净利润"),
        ("扣非净利润", "扣除非经常性损益后的净利润"),
        ("存准率", "存款准备金率"),
        ("LPR", "贷款市场报价利率"),
        ("pe", "市盈率"),
        ("社融", "社会融资规模"),
        ("前三季度营收", "营业收入"),
        ("某个没听说过的指标", "某个没听说过的指标"),
    ],
)
def test_canonical_metric(term: str, canonical: str) -> None:
    assert canonical_metric(term) == canonical


def test_mentions_metric_allows_short_forms() -> None:
    assert mentions_metric("公司营收同比增长12.3%", "营业收入")
    assert mentions_metric("归母净利润608.3亿元", "归属于上市公司股东的净利润")
    assert not mentions_metric("公司净利润608.3亿元", "营业收入")
    assert mentions_metric("任何文字", "")


@pytest.mark.parametrize(
    "term", ["归母净利润", "存款准备金率", "同比增长", "个百分点", "北向资金", "目标价", "营收"]
)
def test_finance_terms(term: str) -> None:
    assert is_finance_term(term)


@pytest.mark.parametrize("term", ["翔云航空科技", "我们认为", "", "值得关注"])
def test_not_finance_terms(term: str) -> None:
    assert not is_finance_term(term)


def test_named_entities_in_news() -> None:
    demo_companies = Path(__file__).resolve().parent.parent / "demo" / "dictionary.txt"
    found = named_entities(
        "中信证券分析师张明表示，北京、上海两地成交回暖；翔云航空科技获得订单，600519涨停，"
        "归母净利润增长。",
        [demo_companies],
    )
    assert {"中信证券", "张明", "北京", "上海", "翔云航空科技", "600519"} <= found
    assert "归母净利润" not in found and "订单" not in found


def test_named_entities_from_a_desk_dictionary(tmp_path: Path) -> None:
    dictionary = tmp_path / "names.txt"
    dictionary.write_text("澜石精工 50000 nt\n", encoding="utf-8")
    assert "澜石精工" in named_entities("澜石精工发布公告。", [dictionary])


def test_the_vocabulary_names_no_company() -> None:
    text = (
        Path(__file__).resolve().parent.parent / "newsdesk/text/data/finance_terms.txt"
    ).read_text(encoding="utf-8")
    for demo_name in ("翔云", "华芯", "擎天", "海川银行", "演示"):
        assert demo_name not in text


def test_long_unknown_runs_are_not_guessed_by_the_hmm() -> None:
    # jieba's POS HMM costs milliseconds per character of an unknown run (10,000 random
    # CJK characters took minutes): only short runs, where unknown names are, go through it.
    rare = "".join(chr(0x9F00 + i) for i in range(60))  # rare characters, no dictionary words
    tokens = tagged_tokens(rare)
    assert [t.word for t in tokens] == list(rare)
    assert "澜石" in {t.word for t in tagged_tokens("澜石精工发布公告。")}
