"""Segmentation, tickers, normalisation."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsdesk.config import load_settings
from newsdesk.text.normalise import fold, nfkc, normalise
from newsdesk.text.script import to_simplified
from newsdesk.text.segment import Segmenter, segmenter
from newsdesk.text.tickers import split_tickers
from newsdesk.topics.service import topic_segmenter

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def seg() -> Segmenter:
    return segmenter()


@pytest.mark.parametrize(
    "name",
    [
        "融资余额",
        "营业收入",
        "低空经济",
        "人形机器人",
        "北向资金",
        "降准",
        "半导体",
    ],
)
def test_dictionary_words_are_one_token(seg: Segmenter, name: str) -> None:
    assert name in seg.tokens(f"今天{name}再度成为市场焦点")


@pytest.mark.parametrize(
    ("text", "ticker"),
    [
        ("贵州茅台600519午后拉升", "600519"),
        ("平安银行（000001.SZ）公告", "000001.SZ"),
        ("招商银行SH600036获增持", "SH600036"),
        ("腾讯控股0700.HK回购", "0700.HK"),
        ("隔夜美股$AAPL大涨", "$AAPL"),
        ("关注$nvda财报", "$NVDA"),
    ],
)
def test_tickers_survive_as_single_terms(seg: Segmenter, text: str, ticker: str) -> None:
    assert ticker in seg.terms(text)


@pytest.mark.parametrize(
    "text", ["释放长期资金约600000亿元", "成交额600519亿", "截至2026年11月20日", "涨幅300001%"]
)
def test_amounts_are_not_tickers(text: str) -> None:
    assert not any(is_ticker for _, is_ticker in split_tickers(text))


def test_numbers_and_dates_dropped_from_terms(seg: Segmenter) -> None:
    terms = seg.terms("11月20日央行下调存款准备金率0.25个百分点，释放5000亿元，第三次降准")
    assert "存款准备金率" in terms and "降准" in terms
    assert not any(ch.isdigit() for term in terms for ch in term)
    assert "的" not in seg.terms("降准的影响")


def test_full_width_normalised(seg: Segmenter) -> None:
    assert normalise("ＡＢＣ　１２３％") == "ABC 123%"
    assert fold("ＥＶＴＯＬ") == "evtol"
    assert "eVTOL" in seg.tokens("ｅＶＴＯＬ获适航认证")


@pytest.mark.parametrize(
    ("text", "kept", "dropped"),
    [
        (
            "截至11月20日，沪深两市融资余额新增86亿元，连续三周增长",
            ["融资余额"],
            ["截至", "新增", "增长", "连续"],
        ),
        (
            "随着政策提速，叠加三季报业绩增长，券商板块周一集体走强",
            ["政策", "三季报", "业绩", "券商"],
            ["随着", "提速", "叠加", "增长", "周一", "走强"],
        ),
        ("交易所提示风险：部分概念股短期涨幅过大", ["交易所", "概念股"], ["提示", "短期", "过大"]),
        (
            "宁德时代300750.SZ获北向资金增持，贵州茅台600519午后拉升",
            ["300750.SZ", "北向资金", "增持", "600519"],
            ["拉升", "午后"],
        ),
        (
            "美联储宣布降息25个基点，隔夜美股$NVDA大涨，人工智能板块领涨",
            ["美联储", "降息", "美股", "$NVDA", "人工智能"],
            ["宣布", "隔夜", "大涨", "领涨"],
        ),
        (
            "国家统计局：10月CPI同比上涨0.3%，PPI环比下降",
            ["国家统计局", "CPI", "PPI"],
            ["上涨", "下降"],
        ),
        ("比亚迪前三季度营业收入同比增长24%", ["比亚迪", "营业收入"], ["三季度", "增长"]),
    ],
)
def test_content_terms_are_content_words(
    seg: Segmenter, text: str, kept: list[str], dropped: list[str]
) -> None:
    """Topic candidates: nouns, names, finance concepts, tickers; no verbs, time or function words."""
    terms = seg.content_terms(text)
    assert [k for k in kept if k not in terms] == [], terms
    assert [d for d in dropped if d in terms] == [], terms
    assert set(terms) <= set(seg.terms(text))


def test_product_vocabulary_is_general_finance_only() -> None:
    """The demo's invented companies and 演示 labels live in the demo desk, not the product."""
    demo_words = {
        line.split()[0]
        for line in (ROOT / "demo" / "dictionary.txt").read_text(encoding="utf-8").splitlines()
    }
    assert {"翔云航空科技", "擎天机器人", "演示数据"} <= demo_words
    product = segmenter()
    assert not demo_words & product.known
    assert not {w for w in product.stopwords if "演示" in w or w == "虚构"}
    assert "翔云航空科技" not in product.tokens("翔云航空科技eVTOL获适航认证")
    demo = topic_segmenter(load_settings(ROOT / "config" / "desk.yaml"))
    assert "翔云航空科技" in demo.content_terms("翔云航空科技eVTOL获适航认证")
    assert demo.is_known("擎天机器人")
    assert demo.content_terms("人形机器人概念走强（演示数据）") == ["人形机器人", "概念"]


def test_extra_dictionary_and_stopwords(tmp_path: Path) -> None:
    extra = tmp_path / "words.txt"
    extra.write_text("超导量子芯片 50000 n\n", encoding="utf-8")
    custom = Segmenter([extra], ["量子计算"])
    assert "超导量子芯片" in custom.tokens("超导量子芯片迎来突破")
    assert custom.is_known("超导量子芯片")
    assert "量子计算" not in custom.terms("量子计算 超导量子芯片")


# Han runs, full-width forms, compatibility ideographs, combining marks, Kangxi radicals.
_MIXED = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x4E40),
        st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E),
        st.characters(min_codepoint=0xF900, max_codepoint=0xF910),
        st.characters(min_codepoint=0x0300, max_codepoint=0x0310),
        st.characters(min_codepoint=0x2F00, max_codepoint=0x2F10),
        st.sampled_from("，。、：；！？ ①②ﬁ㎡％"),
        st.characters(codec="utf-8"),
    )
)


@given(_MIXED)
def test_fast_nfkc_is_nfkc(text: str) -> None:
    assert nfkc(text) == unicodedata.normalize("NFKC", text)


def test_traditional_text_is_matched_in_simplified_form() -> None:
    assert to_simplified("港股恆生指數週三收漲，騰訊控股公佈季度業績") == (
        "港股恒生指数周三收涨，腾讯控股公布季度业绩"
    )
    simplified = "业绩显著增长，著名机构看好"  # 著 is in the table, but this text is simplified
    assert to_simplified(simplified) is simplified
    assert fold("固態電池企業發佈新品") == fold("固态电池企业发布新品")
    assert "固态电池" in segmenter().terms("固態電池企業發佈新一代產品")
