"""jieba segmentation with the bundled finance dictionary, tickers kept whole.

One :class:`Segmenter` per process (``segmenter()``): jieba's dictionary takes
about half a second to load, and a private ``jieba.Tokenizer`` keeps our user
words out of the global one other code may use.

Topic candidates (``content_terms``) are content words only: nouns, named
entities, abbreviations, Latin words, tickers and dictionary words. The part
of speech comes from jieba's own tag table (``jieba.posseg``), looked up per
token rather than by running the POS tagger over the text: the plain cut is
about six times faster and gives the same tokens, and only out-of-vocabulary
tokens (a few hundred distinct ones a day) go through the tagger's HMM.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import cache, cached_property
from pathlib import Path

import jieba
import jieba.posseg

from newsdesk.text.normalise import normalise
from newsdesk.text.tickers import split_tickers

DATA = Path(__file__).parent / "data"
FINANCE_DICT = DATA / "finance_dict.txt"
STOPWORDS = DATA / "stopwords.txt"

_NUMBERISH = re.compile(
    r"^[\d.,:%％+\-/~]+$"  # 0.25, 5000, 12:30, 3%
    r"|^[\d.]+[%亿万千百元股只家倍点个年月日号时分秒岁周]+$"  # 5000亿, 20%, 11月
    r"|^(?:第|近|前|后)?[\d.]+[\u4e00-\u9fff]{0,2}$"  # 第三, 近5年
    r"|^[零一二三四五六七八九十百千万亿两]+[个年月日号次成倍]?$"  # 三, 十年
)
_WORDISH = re.compile(r"[\w\u4e00-\u9fff]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
# jieba (ICTCLAS) tags of words that can name a topic: nouns (n), person / place /
# organisation / other proper names (nr ns nt nz, nrt nrfg), noun morphemes (ng),
# abbreviations (j: 央行, 通航) and Latin words (eng). Verbs (v, vn: 增长, 新增, 截至),
# time words (t: 周一), adjectives, adverbs, prepositions (p: 随着), numerals
# (m: 首个) and the rest never do.
CONTENT_TAGS = frozenset({"n", "nr", "ns", "nt", "nz", "ng", "nrt", "nrfg", "nw", "j", "eng"})

jieba.setLogLevel(logging.WARNING)


def load_stopwords(path: Path = STOPWORDS) -> frozenset[str]:
    words = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(w for w in words if w and not w.startswith("#"))


def _dictionary_words(path: Path) -> set[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return {line.split()[0] for line in lines if line.strip() and not line.startswith("#")}


@cache
def _jieba_tags() -> dict[str, str]:
    """jieba's word -> part-of-speech table (its dict.txt), read once per process (~0.5 s)."""
    return jieba.posseg.POSTokenizer(jieba.Tokenizer()).word_tag_tab


class _Tagger(jieba.posseg.POSTokenizer):
    """jieba's POS tagger over a given tokenizer and tag table, without re-reading dict.txt."""

    def __init__(self, tokenizer: jieba.Tokenizer, tags: dict[str, str]) -> None:
        self.tokenizer = tokenizer
        self.word_tag_tab = tags


class Segmenter:
    """Cut text into tokens; ``terms`` keeps only what can name a topic."""

    def __init__(
        self, extra_dictionaries: Iterable[Path] = (), extra_stopwords: Iterable[str] = ()
    ):
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        self.known: set[str] = set()
        for path in (FINANCE_DICT, *extra_dictionaries):
            self._jieba.load_userdict(str(path))
            self.known |= _dictionary_words(Path(path))
        self.stopwords = load_stopwords() | frozenset(extra_stopwords)
        self._guessed: dict[str, str] = {}
        self._content: dict[str, bool] = {}

    @cached_property
    def _tagger(self) -> _Tagger:
        """Built on first use: only topic detection asks for parts of speech."""
        return _Tagger(self._jieba, _jieba_tags() | self._jieba.user_word_tag_tab)

    def tokens(self, text: str, *, normalised: bool = False) -> list[str]:
        """All tokens, tickers as single upper-case tokens, whitespace dropped. ``normalised``:
        ``text`` is ``normalise``'s output already (topic detection normalises a text once for
        clustering and segmenting)."""
        out: list[str] = []
        for piece, is_ticker in split_tickers(text if normalised else normalise(text)):
            if is_ticker:
                out.append(piece)
                continue
            out.extend(t for t in self._jieba.cut(piece, HMM=True) if t.strip())
        return out

    def terms(self, text: str) -> list[str]:
        """Topic terms: no stopwords, punctuation, numbers, dates or single Han characters."""
        return [t for t in self.tokens(text) if self.is_term(t)]

    def content_terms(self, text: str, *, normalised: bool = False) -> list[str]:
        """Terms that can name a topic: ``terms`` less verbs, time words and function words."""
        keep = self._content
        out = []
        for token in self.tokens(text, normalised=normalised):
            kept = keep.get(token)
            if kept is None:
                # A token's verdict depends only on this segmenter's dictionaries and stopwords,
                # and the same few thousand tokens recur in every headline: decide each once.
                kept = keep[token] = self.is_term(token) and self.is_content(token)
            if kept:
                out.append(token)
        return out

    def tag(self, token: str) -> str:
        """jieba's part-of-speech tag for one token (``eng`` for Latin words, ``x`` for symbols)."""
        tag = self._tagger.word_tag_tab.get(token)
        if tag is not None:
            return tag
        if not _HAN.search(token):
            return "eng" if token.isascii() and any(c.isalpha() for c in token) else "x"
        guessed = self._guessed.get(token)
        if guessed is None:
            # An out-of-vocabulary token (the cut's HMM joined it): let the tagger's HMM
            # tag it; a compound it splits takes its last part's tag, the head in Chinese.
            parts = list(self._tagger.cut(token))
            guessed = self._guessed[token] = parts[-1].flag if parts else "x"
        return guessed

    def is_content(self, token: str) -> bool:
        """A ticker, a dictionary word or a word jieba tags as a noun, name or abbreviation."""
        if self.is_known(token) or self.is_ticker(token):
            return True
        return self.tag(token) in CONTENT_TAGS

    def is_known(self, term: str) -> bool:
        """A word from the finance or a user dictionary (a sector, concept or company)."""
        return term in self.known

    @staticmethod
    def is_ticker(token: str) -> bool:
        """600519, 000001.SZ, SH600036, $AAPL: as ``split_tickers`` keeps them."""
        if token.startswith("$") or token[:2] in ("SH", "SZ", "BJ") and token[2:].isdigit():
            return True
        return token[:6].isdigit() and ("." in token or len(token) == 6)

    def is_term(self, token: str) -> bool:
        if self.is_ticker(token):
            return True
        if len(token) < 2 or token.lower() in self.stopwords:
            return False
        return not _NUMBERISH.match(token) and bool(_WORDISH.search(token))


@cache
def segmenter(
    extra_dictionaries: tuple[Path, ...] = (), extra_stopwords: tuple[str, ...] = ()
) -> Segmenter:
    return Segmenter(extra_dictionaries, extra_stopwords)
