"""Names and words in Chinese finance text: jieba tokens with offsets, entities, fact words.

Companies, people, places and institutions (jieba's name tags, a desk's own
dictionaries, organisation-shaped words) are what a sentence may share with its
source without copying it, together with finance terms and numbers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache, lru_cache, partial
from pathlib import Path
from typing import NamedTuple

import jieba
import jieba.posseg

from newsdesk.text import jieba_cut
from newsdesk.text.segment import FINANCE_DICT, load_stopwords
from newsdesk.text.tickers import TICKER
from newsdesk.text.vocabulary import (
    canonical_metric,
    finance_vocabulary,
    is_finance_term,
    metric_names,
    term_key,
    vocabulary,
)

try:
    from newsdesk.text import _route
except ImportError:  # no compiler at install: the Python tagging, slower
    _route = None  # type: ignore[assignment]

_ENTITY_TAGS = frozenset({"nr", "nrt", "nrfg", "ns", "nt", "nz"})
_ORGANISATION = re.compile(
    r"^[\u4e00-\u9fffA-Za-z]{2,}(?:公司|集团|银行|证券|基金|保险|控股|股份|科技|电子|医药|能源|汽车|"
    r"研究院|研究所|交易所|委员会|协会|大学|实验室|资本|投资|信托|期货|航空|矿业|物流|光伏)$"
)


@cache
def stopwords() -> frozenset[str]:
    return load_stopwords()


@cache
def _tokenizer(dictionaries: tuple[Path, ...]) -> jieba.Tokenizer:
    """A private jieba tokenizer: the finance dictionary, the finance terms, ``dictionaries``.

    One per dictionary set, never changed after it is built: a desk's dictionary
    must not change how every later caller in the process segments text.
    """
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    tokenizer.load_userdict(str(FINANCE_DICT))
    for word in finance_vocabulary():
        tokenizer.add_word(word, 50000, "n")
    for path in dictionaries:
        tokenizer.load_userdict(str(path))
    return tokenizer


def tokens(phrase: str) -> list[str]:
    """The words of ``phrase`` (finance dictionary, no HMM guesses), whitespace dropped."""
    return [t for t in jieba_cut.words(_tokenizer(()), phrase) if t.strip()]


@cache
def _tagger(
    dictionaries: tuple[Path, ...] = (),
) -> tuple[jieba.posseg.POSTokenizer, frozenset[str]]:
    """POS tagger over the tokenizer of ``dictionaries``; words they tag as names."""
    tokenizer = _tokenizer(dictionaries)
    names: set[str] = set()
    for path in dictionaries:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) >= 3 and parts[2] in _ENTITY_TAGS:
                names.add(parts[0])
    return jieba.posseg.POSTokenizer(tokenizer), frozenset(names)


class Token(NamedTuple):
    """A word of a text with its offsets. A tuple: a new draft has a thousand of them, and a
    tuple is built in half a frozen dataclass's time (no ``__dict__``; 0.10 against 0.20 us)
    and takes 0.6 of its memory (120 against 208 bytes) in the checks' token cache."""

    word: str
    flag: str  # jieba's part of speech: n, v, nr, ns, nt, nz, m, t, eng, x ...
    start: int
    end: int


# ``Token(word, flag, start, end)`` without the named tuple's Python-level ``__new__``: the
# same object, built by ``tuple.__new__`` from a tuple of its fields.
_new = tuple.__new__


# jieba's POS HMM costs milliseconds per character of a run of unknown characters
# (10,000 random CJK characters took minutes): it guesses words only in runs this short,
# which is where names it does not know are (章建平, 澜石精工).
_HMM_RUN = 8


def _guess(tagger: jieba.posseg.POSTokenizer, run: str) -> list[tuple[str, str]]:
    """The HMM's words and tags of a run of single unknown characters."""
    return [(p.word, p.flag) for p in tagger.cut(run)]


def _guessed(
    tagger: jieba.posseg.POSTokenizer, run: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    if 1 < len(run) <= _HMM_RUN:
        return _guess(tagger, "".join(w for w, _ in run))
    return run


def tagged_tokens(text: str, dictionaries: Iterable[Path] = ()) -> list[Token]:
    """jieba POS tokens of ``text`` with their offsets (whitespace dropped); linear in the text.

    Dictionary words, with the HMM only over short runs of single unknown characters. In C
    (``_route.tagged``) where the install built it; ``_tagged_reference`` is the same in
    Python, which the C is tested against.
    """
    tagger, _ = _tagger(tuple(dictionaries))
    if _route is None:
        return _tagged_reference(tagger, text)
    freq, tags, total = jieba_cut.pos_tables(tagger)
    return _route.tagged(freq, tags, total, text, Token, partial(_guess, tagger), _HMM_RUN)


def _tagged_reference(tagger: jieba.posseg.POSTokenizer, text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    run: list[tuple[str, str]] = []
    for word, flag in jieba_cut.pos_pairs(tagger, text):
        if len(word) == 1 and "\u4e00" <= word <= "\u9fff":
            run.append((word, flag))
            continue
        if run:
            position = _add(tokens, _guessed(tagger, run), position)
            run = []
        end = position + len(word)
        if word.strip():
            tokens.append(_new(Token, (word, flag, position, end)))
        position = end
    if run:
        _add(tokens, _guessed(tagger, run), position)
    return tokens


def _add(tokens: list[Token], pairs: list[tuple[str, str]], position: int) -> int:
    """Append ``pairs`` as tokens from ``position`` on; where they end."""
    for word, flag in pairs:
        end = position + len(word)
        if word.strip():
            tokens.append(_new(Token, (word, flag, position, end)))
        position = end
    return position


def is_entity(token: Token, dictionaries: Iterable[Path] = ()) -> bool:
    """A name: jieba tags it as one, a desk dictionary does, or it is shaped like an organisation."""
    return _is_entity_word(token.word, token.flag, tuple(dictionaries))


@lru_cache(maxsize=65536)
def _is_entity_word(word: str, flag: str, dictionaries: tuple[Path, ...]) -> bool:
    # Asked for every token of every draft: the same few thousand words, decided once.
    word = unicodedata.normalize("NFKC", word).strip()
    if len(word) < 2 or is_finance_term(word):
        return False
    _, known = _tagger(dictionaries)
    return flag in _ENTITY_TAGS or word in known or bool(_ORGANISATION.match(word))


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
    return frozenset(term_key(line.split()[0]) for line in lines if line.strip() and line[0] != "#")


def is_fact_token(token: Token, dictionaries: Iterable[Path] = ()) -> bool:
    """What a sentence may share with its source without copying it: a name, a finance
    term or sector word, a number, date or period."""
    return _is_fact_word(token.word, token.flag, tuple(dictionaries))


@lru_cache(maxsize=65536)
def _is_fact_word(word: str, flag: str, dictionaries: tuple[Path, ...]) -> bool:
    if flag in ("m", "mq", "t") or any(c.isdigit() for c in word):
        return True
    key = term_key(word)
    token = Token(word, flag, 0, len(word))
    return key in _dictionary_words() or is_finance_term(key) or is_entity(token, dictionaries)


def mentions_metric(text: str, metric: str) -> bool:
    """Whether ``text`` names ``metric``: a known metric in any of its usual spellings; a
    free phrase (长期资金) by any of its words of two characters or more (长期流动性)."""
    if not metric:
        return True
    folded = term_key(text)
    if canonical_metric(metric) in vocabulary().aliases:
        return any(name and name in folded for name in metric_names(metric))
    words = [w for w in tokens(metric) if len(w) >= 2] or [metric]
    return any(term_key(word) in folded for word in words)
