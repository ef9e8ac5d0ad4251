"""Facts in Chinese finance text: figures with what they measure, names, finance terms.

A *figure fact* is a number with its unit and its metric — 营业收入 in
``营业收入128.64亿元``. The metric is the words right before the figure, past
the connectors writers put between a metric and its number (为, 达, 约, 同比增长,
净买入 ...); when nothing stands there it is the noun right after the figure
(``100架意向订单``), else the metric of the figure before it in the same
sentence (``营业收入128.64亿元，同比增长12.3%``: both measure 营业收入). Metrics
are canonicalised through ``data/finance_terms.txt`` so the usual short forms
meet (营收 -> 营业收入, 归母净利润 -> 归属于上市公司股东的净利润).

Dates and periods (2026年, 11月25日, 1-10月, 三季度), times, ordinals (第3),
security codes (600519, 0700.HK), index names (沪深300), model names (H20, 5G)
and citation markers ([1]) are not figures.

The checks use these to tell restating a source's facts (original writing)
from copying its sentences, and a sentence that states facts from one that
strings keywords together. Plain Python, no Prefect.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import jieba
import jieba.posseg

from newsdesk.text.segment import FINANCE_DICT, load_stopwords
from newsdesk.text.tickers import TICKER

TERMS_FILE = Path(__file__).parent / "data" / "finance_terms.txt"


@dataclass(frozen=True)
class FigureFact:
    value: str  # the number, thousands separators and sign dropped: "128.64", "6.2"
    unit: str  # 亿元, 万亿元, %, 个百分点, 元/吨, 点, 倍, 家 ... ("" if none)
    metric: str  # canonical metric (营业收入), "" when the text names none
    start: int  # offsets of the figure and its unit in the text
    end: int


# --- vocabulary -------------------------------------------------------------


def _key(term: str) -> str:
    """The form terms are compared in: NFKC, lower case, no spaces."""
    return unicodedata.normalize("NFKC", term).lower().replace(" ", "")


@dataclass(frozen=True)
class _Vocabulary:
    canonical: dict[str, str]  # key of any name -> canonical metric
    aliases: dict[str, frozenset[str]]  # canonical metric -> keys of all its names
    connector_set: frozenset[str]  # keys of words between a metric and its figure
    terms: frozenset[str]  # keys of standard finance terms (metrics included)


def _read_sections(path: Path) -> dict[str, list[list[str]]]:
    sections: dict[str, list[list[str]]] = {}
    current = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            continue
        sections.setdefault(current, []).append(line.split())
    return sections


@cache
def _vocabulary() -> _Vocabulary:
    sections = _read_sections(TERMS_FILE)
    canonical: dict[str, str] = {}
    aliases: dict[str, frozenset[str]] = {}
    for names in sections.get("metrics", []):
        main = names[0]
        keys = frozenset(_key(n) for n in names)
        aliases[main] = keys
        for key in keys:
            canonical.setdefault(key, main)
    connectors = {_key(w) for line in sections.get("connectors", []) for w in line}
    terms = {_key(w) for line in sections.get("terms", []) for w in line}
    return _Vocabulary(
        canonical,
        aliases,
        frozenset(connectors),
        frozenset(terms | set(canonical)),
    )


def finance_vocabulary() -> frozenset[str]:
    """Every metric name, short form and standard term of the data file (as written there)."""
    sections = _read_sections(TERMS_FILE)
    return frozenset(
        w for key in ("metrics", "terms") for line in sections.get(key, []) for w in line
    )


def canonical_metric(term: str) -> str:
    """One name per metric: 营收 -> 营业收入, 存准率 -> 存款准备金率, PE -> 市盈率.

    A longer phrase ending in a known name takes that name (前三季度营收 ->
    营业收入, 加权平均存款准备金率 -> 存款准备金率); anything else is returned
    normalised (NFKC, trimmed).
    """
    vocab = _vocabulary()
    key = _key(term).strip("的之")
    if key in vocab.canonical:
        return vocab.canonical[key]
    for size in range(len(key) - 1, 1, -1):
        found = vocab.canonical.get(key[-size:])
        if found:
            return found
    return unicodedata.normalize("NFKC", term).strip()


def metric_names(metric: str) -> frozenset[str]:
    """All spellings of a metric (compared lower-case): the canonical name and its short forms."""
    canonical = canonical_metric(metric)
    return _vocabulary().aliases.get(canonical, frozenset()) | {_key(metric), _key(canonical)}


def mentions_metric(text: str, metric: str) -> bool:
    """Whether ``text`` names ``metric``: a known metric in any of its usual spellings; a
    free phrase (长期资金) by any of its words of two characters or more (长期流动性)."""
    if not metric:
        return True
    folded = _key(text)
    if canonical_metric(metric) in _vocabulary().aliases:
        return any(name and name in folded for name in metric_names(metric))
    words = [w for w in _tokens(metric) if len(w) >= 2] or [metric]
    return any(_key(word) in folded for word in words)


def is_finance_term(term: str) -> bool:
    """A standard finance word: a metric or its short form (归母净利润), or a term (同比增长)."""
    key = _key(term)
    return bool(key) and key in _vocabulary().terms


# --- figures ----------------------------------------------------------------

_WIDE = str.maketrans(
    {**{chr(0xFF10 + i): str(i) for i in range(10)}, "％": "%", "．": ".", "／": "/", "－": "-"}
)
_NUMBER = r"(?<![A-Za-z0-9.\-])[+\-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_MULTIPLIER = r"(?:万亿|亿|万|千)"
_UNIT_WORDS = (
    "个百分点 百分点 个基点 基点 美元/桶 美元/盎司 美元/吨 元/吨 元/克 元/股 元/平方米 元/公斤"
    " 元/千瓦时 美元 港元 港币 欧元 日元 英镑 元 % ‰ bps bp pct 倍 点 家 架 台 辆 艘 吨 股 手"
    " 只 个 项 人次 人 户 套 张 份 件 笔 座 枚 片 块 千瓦时 千瓦 兆瓦 吉瓦 GWh MWh GW MW kWh"
    " 平方米 平方公里 公里 公斤 克 桶 盎司 次 款 条 亩 部"
)
_UNITS = sorted(_UNIT_WORDS.split(), key=len, reverse=True)  # longest first: 亿元 before 元
_COUNTED = frozenset(
    [
        "家",
        "架",
        "台",
        "辆",
        "艘",
        "只",
        "个",
        "项",
        "款",
        "条",
        "套",
        "件",
        "部",
        "人",
        "户",
        "次",
        "座",
        "枚",
        "笔",
        "份",
        "张",
    ]
)
_FIGURE = re.compile(
    f"(?P<number>{_NUMBER})\\s?(?P<unit>{_MULTIPLIER}?(?:"
    + "|".join(re.escape(u) for u in _UNITS)
    + f")(?![A-Za-z])|{_MULTIPLIER})?",
)
# Numbers that are no figure: dates, periods, durations, times, ordinals, names.
_NOT_FIGURE = re.compile(
    r"\d{4}[-/]\d{1,2}(?:[-/]\d{1,2})?(?!\d)|\d{4}\.\d{1,2}\.\d{1,2}(?!\d)"  # 2026-11-25
    r"|\d{1,2}:\d{2}(?::\d{2})?"  # 09:30
    r"|\d+(?:\.\d+)?(?:\s?[-~～至到]\s?\d+)?\s?"
    r"(?:年期|年度|年底|年末|年初|年内|年|个月|月份|月|日|号|个季度|季度|季|周年|周|天|个交易日|交易日"
    r"|小时|时|分钟|秒|世纪|年代|岁|后|代|线)"  # 2026年, 1-10月, 3个月, 90后
    r"|(?:第|前|近|后|上午|下午|晚上|凌晨|早上|晚间)\d+(?:点|名|位|大|批|期|轮|届)?"  # 第3, 前10, 下午3点
    r"|(?:沪深|中证|上证|科创|北证|创业板|深证|国证|标普|富时|日经|MSCI|纳斯达克)\s?\d+"  # 沪深300
    r"|[A-Za-z]+\s?\d+(?:\.\d+)?(?![\d.])(?!\s?(?:万亿|亿|万|%|倍|元|点|个百分点|美元))"  # H20, M2
    r"|\d+[A-Za-z]+"  # 5G, 1Q26
    r"|[\[【]\s*\d[\d\s,，、\-–~]*[\]】]",  # [1] citation markers
    re.IGNORECASE,
)
# Unitless numbers count only when they look like a reading (49.8, 3350), not a stray 3.
_READING = re.compile(r"\d*\.\d+|\d{3,}")
_CLAUSE = re.compile(r"[。！？!?；;，,、：:（）()\n“”\"]")
_SENTENCE = re.compile(r"[。！？!?；;\n]")
_REACH = 24  # characters looked at around a figure for its metric


def _masked(text: str) -> str:
    """``text`` with non-figures blanked out, same length (offsets survive)."""
    chars = list(text)
    for pattern in (TICKER, _NOT_FIGURE):
        for match in pattern.finditer("".join(chars)):
            chars[match.start() : match.end()] = "\0" * (match.end() - match.start())
    return "".join(chars)


def _value(number: str) -> str:
    bare = number.lstrip("+-−").replace(",", "")
    if "." in bare:
        bare = bare.rstrip("0").rstrip(".")
    return bare


@dataclass(frozen=True)
class _Span:
    value: str
    unit: str
    start: int
    end: int


def _figure_spans(masked: str) -> list[_Span]:
    spans: list[_Span] = []
    for match in _FIGURE.finditer(masked):
        unit = (match.group("unit") or "").strip()
        number = match.group("number")
        if not unit and not _READING.fullmatch(number.lstrip("+-−").replace(",", "")):
            continue
        end = match.end() if unit else match.end("number")
        spans.append(_Span(_value(number), unit, match.start(), end))
    return spans


_COMPARISON = frozenset({"较", "比", "相比", "相较", "较之", "对比"})


def _is_connector(token: str) -> bool:
    return _key(token) in _vocabulary().connector_set


def _tokens(phrase: str) -> list[str]:
    return [t for t in _tokenizer().lcut(phrase, HMM=False) if t.strip()]


def _content_before(phrase: str) -> list[str]:
    """The tokens that can name the metric of a figure written after ``phrase``.

    Connectors at the end (为, 约, 同比增长, 净买入 ...) go. In a comparison
    (成交额较上一交易日放量1432亿元) the words after 较/比 name the base of the
    comparison, not the metric: only what stands before 较 remains.
    """
    tokens = _tokens(phrase)
    marks = [i for i, token in enumerate(tokens) if token in _COMPARISON]
    if marks:
        tokens = tokens[: marks[-1]]
    while tokens and _is_connector(tokens[-1]):
        tokens.pop()
    return tokens


def _is_noun_token(token: str) -> bool:
    return (
        not _is_connector(token)
        and token not in _stopwords()
        and bool(re.search(r"[\u4e00-\u9fffA-Za-z]", token))
        and not re.search(r"\d", token)
    )


def _known_at_end(text: str) -> str:
    key = _key(text)
    canonical = _vocabulary().canonical
    for size in range(min(len(key), 16), 1, -1):
        found = canonical.get(key[-size:])
        if found:
            return found
    return ""


@lru_cache(maxsize=16384)
def _metric_before(phrase: str) -> str:
    """The metric a phrase ends with: a known name, else its last content words."""
    tokens = _content_before(phrase)
    if not tokens:
        return ""
    known = _known_at_end("".join(tokens[-4:]))
    if known:
        return known
    words: list[str] = []
    for token in reversed(tokens):
        if not _is_noun_token(token) or sum(map(len, words)) + len(token) > 10:
            break
        words.insert(0, token)
    metric = "".join(words)
    return canonical_metric(metric) if len(metric) >= 2 else ""


@lru_cache(maxsize=16384)
def _metric_after(phrase: str) -> str:
    """A metric named right after a figure (100架意向订单): a known name or the first noun."""
    key = _key(phrase)
    canonical = _vocabulary().canonical
    for size in range(min(len(key), 16), 1, -1):
        found = canonical.get(key[:size])
        if found:
            return found
    tokens = _tokens(phrase)
    if tokens and _is_noun_token(tokens[0]) and len(tokens[0]) >= 2:
        return canonical_metric(tokens[0])
    return ""


def figure_facts(text: str) -> list[FigureFact]:
    """Every figure of ``text`` with its unit and metric, in order."""
    plain = text.translate(_WIDE)
    masked = _masked(plain)
    facts: list[FigureFact] = []
    previous_end = 0
    previous_metric = ""
    for span in _figure_spans(masked):
        if _last_match_end(_SENTENCE, masked, previous_end, span.start) is not None:
            previous_metric = ""  # a new sentence: no metric carries over
        low = max(previous_end, span.start - _REACH)
        before = plain[_last_match_end(_CLAUSE, plain, low, span.start) or low : span.start]
        after = plain[span.end : span.end + _REACH]
        stop = _CLAUSE.search(after)
        after = after[: stop.start()] if stop else after
        # What a count counts follows it: 100架意向订单, 4100只个股.
        metric = (_metric_after(after) if span.unit in _COUNTED else "") or _metric_before(before)
        if not metric:
            metric = _metric_after(after)
        if not metric and not _content_before(before):
            # Only connectors before it (，同比增长12.3%): it measures what the figure before did.
            metric = previous_metric
        facts.append(FigureFact(span.value, span.unit, metric, span.start, span.end))
        previous_end, previous_metric = span.end, metric
    return facts


def stated_figures(text: str) -> set[tuple[str, str]]:
    """The figure facts ``text`` states, as (metric, figure with unit): ("意向订单", "120架").
    Two drafts sharing one state the same fact, however each words it."""
    return {(fact.metric, fact.value + fact.unit) for fact in figure_facts(text) if fact.metric}


def _last_match_end(pattern: re.Pattern[str], text: str, low: int, high: int) -> int | None:
    """End of the last match of ``pattern`` in text[low:high], or None."""
    end = None
    for match in pattern.finditer(text, low, high):
        end = match.end()
    return end


# --- names ------------------------------------------------------------------

_ENTITY_TAGS = frozenset({"nr", "nrt", "nrfg", "ns", "nt", "nz"})
_ORGANISATION = re.compile(
    r"^[\u4e00-\u9fffA-Za-z]{2,}(?:公司|集团|银行|证券|基金|保险|控股|股份|科技|电子|医药|能源|汽车|"
    r"研究院|研究所|交易所|委员会|协会|大学|实验室|资本|投资|信托|期货|航空|矿业|物流|光伏)$"
)


@cache
def _stopwords() -> frozenset[str]:
    return load_stopwords()


@cache
def _tokenizer() -> jieba.Tokenizer:
    """A private jieba tokenizer with the finance dictionary and the checks' finance terms."""
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    tokenizer.load_userdict(str(FINANCE_DICT))
    for word in finance_vocabulary():
        tokenizer.add_word(word, 50000, "n")
    return tokenizer


@cache
def _tagger(
    dictionaries: tuple[Path, ...] = (),
) -> tuple[jieba.posseg.POSTokenizer, frozenset[str]]:
    """POS tagger over the shared tokenizer; words the extra dictionaries tag as names."""
    tokenizer = _tokenizer()
    names: set[str] = set()
    for path in dictionaries:
        tokenizer.load_userdict(str(path))
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) >= 3 and parts[2] in _ENTITY_TAGS:
                names.add(parts[0])
    return jieba.posseg.POSTokenizer(tokenizer), frozenset(names)


@dataclass(frozen=True)
class Token:
    word: str
    flag: str  # jieba's part of speech: n, v, nr, ns, nt, nz, m, t, eng, x ...
    start: int
    end: int


def tagged_tokens(text: str, dictionaries: Iterable[Path] = ()) -> list[Token]:
    """jieba POS tokens of ``text`` with their offsets (whitespace dropped)."""
    tagger, _ = _tagger(tuple(dictionaries))
    tokens: list[Token] = []
    position = 0
    for pair in tagger.cut(text):
        end = position + len(pair.word)
        if pair.word.strip():
            tokens.append(Token(pair.word, pair.flag, position, end))
        position = end
    return tokens


def is_entity(token: Token, dictionaries: Iterable[Path] = ()) -> bool:
    """A name: jieba tags it as one, a desk dictionary does, or it is shaped like an organisation."""
    word = unicodedata.normalize("NFKC", token.word).strip()
    if len(word) < 2 or is_finance_term(word):
        return False
    _, known = _tagger(tuple(dictionaries))
    return token.flag in _ENTITY_TAGS or word in known or bool(_ORGANISATION.match(word))


def named_entities(text: str, dictionaries: Iterable[Path] = ()) -> set[str]:
    """Companies, people, places and institutions named in ``text`` (and security codes).

    jieba's name tags (nr, ns, nt, nz) over a tokenizer that knows the finance
    dictionary, words tagged as names in ``dictionaries`` (a desk's own), and
    organisation-shaped words (…证券, …集团, …科技). Finance terms are not names.
    """
    found = {match.group(1).upper() for match in TICKER.finditer(text)}
    for token in tagged_tokens(text, dictionaries):
        if is_entity(token, dictionaries):
            found.add(unicodedata.normalize("NFKC", token.word).strip())
    return found


@cache
def _dictionary_words() -> frozenset[str]:
    lines = FINANCE_DICT.read_text(encoding="utf-8").splitlines()
    return frozenset(_key(line.split()[0]) for line in lines if line.strip() and line[0] != "#")


def is_fact_token(token: Token, dictionaries: Iterable[Path] = ()) -> bool:
    """What a sentence may share with its source without copying it: a name, a finance
    term or sector word, a number, date or period."""
    return _is_fact_word(token.word, token.flag, tuple(dictionaries))


@lru_cache(maxsize=65536)
def _is_fact_word(word: str, flag: str, dictionaries: tuple[Path, ...]) -> bool:
    if flag in ("m", "mq", "t") or any(c.isdigit() for c in word):
        return True
    key = _key(word)
    token = Token(word, flag, 0, len(word))
    return key in _dictionary_words() or is_finance_term(key) or is_entity(token, dictionaries)


def fact_spans(
    text: str, tokens: list[Token] | None = None, dictionaries: Iterable[Path] = ()
) -> list[tuple[int, int]]:
    """Offsets of the figures (with units), names, finance terms, dates and codes of ``text``."""
    tokens = tagged_tokens(text, dictionaries) if tokens is None else tokens
    spans = [(t.start, t.end) for t in tokens if is_fact_token(t, dictionaries)]
    spans += [(f.start, f.end) for f in figure_facts(text)]
    spans += [(m.start(), m.end()) for m in TICKER.finditer(text)]
    return sorted(spans)


# --- looking a figure up in a long text ---------------------------------------

_DIGIT_NEAR = re.compile(r"[\d.,]")


def _occurrences(plain: str, value: str) -> list[int]:
    """Where ``value`` is written in ``plain`` as a whole number (1284.6 also as 1,284.60)."""
    spellings = {value}
    whole, dot, fraction = value.partition(".")
    if len(whole) > 3 and whole.isdigit():
        spellings.add(f"{int(whole):,}" + dot + fraction)
    found: list[int] = []
    for spelling in spellings:
        start = plain.find(spelling)
        while start != -1:
            end = start + len(spelling)
            rest = plain[end : end + 8]
            if rest[:1] == "." or dot:  # 6.2 also as 6.20, 50 also as 50.0
                rest = rest.removeprefix(".").lstrip("0") if rest[:1] == "." else rest.lstrip("0")
            before_ok = start == 0 or not _DIGIT_NEAR.match(plain[start - 1])
            after_ok = not rest or not (
                rest[0].isdigit() or rest[0] in ".," and rest[1:2].isdigit()
            )
            if before_ok and after_ok:
                found.append(start)
            start = plain.find(spelling, end)
    return sorted(found)


@lru_cache(maxsize=512)
def _plain(text: str) -> str:
    """Full-width digits and signs as ASCII (same length); cached: sources are looked up often."""
    return text.translate(_WIDE)


@lru_cache(maxsize=8192)
def _sentence_facts(sentence: str) -> tuple[FigureFact, ...]:
    return tuple(figure_facts(sentence))


def facts_with_value(text: str, value: str) -> list[FigureFact]:
    """The figure facts of ``text`` whose value is ``value``, with offsets in ``text``.

    Same answer as filtering :func:`figure_facts`, but only the sentences that
    write the number are analysed: the checks look up a draft's few figures in
    sources of thousands of characters.
    """
    plain = _plain(text)
    out: list[FigureFact] = []
    for position in _occurrences(plain, value):
        low = _last_match_end(_SENTENCE, plain, max(0, position - 400), position) or max(
            0, position - 400
        )
        stop = _SENTENCE.search(plain, position, position + 400)
        high = stop.end() if stop else min(len(plain), position + 400)
        for fact in _sentence_facts(text[low:high]):
            if fact.start == position - low and fact.value == value:
                out.append(
                    FigureFact(fact.value, fact.unit, fact.metric, fact.start + low, fact.end + low)
                )
    return out
