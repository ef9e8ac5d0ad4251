"""jieba's dictionary cut (no HMM), the same words and tags in less than half the time.

Every draft a desk checks is POS-tagged (``names.tagged_tokens``) and its figures' phrases
are cut (``names.tokens``). jieba builds a dict of each block's word graph, then scores it
in a second pass with a generator, two dictionary look-ups per prefix and a tuple per
edge. Here the graph is scored as it is built, from right to left, with one look-up per
prefix. The choice is jieba's: the same scores (``log(freq) - log(total)`` added to the
best route after the word, in that order), the same tie-break (the longer word), the same
blocks and tags; a test compares the two on the project's corpora.

The route and its words are C (``_route.c``, built by setup.py) where the install compiled
it: the dictionary look-ups were a quarter of a new draft's checks in bytecode. Without a
compiler ``_block_words`` below runs, the reference the C is tested against.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import jieba
import jieba.posseg

try:
    from newsdesk.text import _route
except ImportError:  # no compiler at install: the Python route, slower
    _route = None  # type: ignore[assignment]

# jieba's own block patterns: posseg's and the plain cut's (which also keeps % and -).
_POS_BLOCK = jieba.posseg.re_han_internal
_CUT_BLOCK = jieba.re_han_default
_CUT_SKIP = jieba.re_skip_default
_ASCII_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
# What lies between posseg's blocks holds no ASCII letter, digit or '.' (each is in a block),
# so posseg's number and Latin tags never apply there: it is all "x", "\r\n" as one piece
# (posseg's skip pattern) and every other character alone.
_BETWEEN = re.compile(r"\r\n|.", re.DOTALL)


def _ends(freq: dict[str, int], block: str, total: float) -> list[int]:
    """For each position of ``block``, where the word jieba's best route takes there ends.

    ``freq``: the tokenizer's word frequencies (0 for a prefix that is no word); ``total``:
    the log of their sum. A word scores ``log(freq) - total`` plus the best route after it.
    """
    size = len(block)
    best = [0.0] * (size + 1)
    ends = [0] * size
    get = freq.get
    log = math.log
    lowest = -math.inf
    for start in range(size - 1, -1, -1):
        top = lowest
        end = 0
        stop = start + 1
        found = get(block[start])
        while found is not None:
            if found:
                score = log(found) - total + best[stop]
                if score >= top:  # jieba's max over (score, end): the later end on a tie
                    top = score
                    end = stop
            if stop == size:
                break
            stop += 1
            found = get(block[start:stop])
        if end:
            best[start] = top
            ends[start] = end
        else:
            # No word starts here: the character alone, at frequency 1 (log 1 = 0).
            best[start] = 0.0 - total + best[start + 1]
            ends[start] = start + 1
    return ends


def pos_tables(tagger: jieba.posseg.POSTokenizer) -> tuple[dict[str, int], dict[str, str], float]:
    """What posseg's cut without the HMM reads, loaded: the tokenizer's word frequencies, the
    words' tags, and the log of the frequencies' sum."""
    tagger.makesure_userdict_loaded()
    tokenizer = tagger.tokenizer
    tokenizer.check_initialized()
    return tokenizer.FREQ, tagger.word_tag_tab, math.log(tokenizer.total)


def pos_pairs(tagger: jieba.posseg.POSTokenizer, text: str) -> list[tuple[str, str]]:
    """(word, flag) as ``tagger.cut(text, HMM=False)`` gives them."""
    freq, tags, total = pos_tables(tagger)
    tag = tags.get
    out: list[tuple[str, str]] = []
    add = out.append
    in_block = True
    # split() with the pattern's group alternates: what lies between blocks, then a block.
    for piece in _POS_BLOCK.split(text):
        in_block = not in_block
        if in_block:
            for word, latin in _words_of(freq, piece, total):
                add((word, "eng") if latin else (word, tag(word, "x")))
        elif len(piece) == 1:  # most often a punctuation mark: no regular expression
            add((piece, "x"))
        elif piece:
            out += [(part, "x") for part in _BETWEEN.findall(piece)]
    return out


def _block_words(freq: dict[str, int], block: str, total: float) -> list[tuple[str, bool]]:
    """The words of a block along jieba's best route (``_ends``), a run of single ASCII
    letters and digits joined into one Latin word (flagged True), as jieba does."""
    ends = _ends(freq, block, total)
    out: list[tuple[str, bool]] = []
    at, size, latin = 0, len(block), ""
    while at < size:
        end = ends[at]
        word = block[at:end]
        if end - at == 1 and word in _ASCII_ALNUM:
            latin += word
        else:
            if latin:
                out.append((latin, True))
                latin = ""
            out.append((word, False))
        at = end
    if latin:
        out.append((latin, True))
    return out


# The words of a block: the C route when it was built.
_words_of: Callable[[dict[str, int], str, float], list[tuple[str, bool]]] = (
    _route.block_words if _route is not None else _block_words
)


def words(tokenizer: jieba.Tokenizer, text: str) -> list[str]:
    """``tokenizer.lcut(text, HMM=False)``."""
    tokenizer.check_initialized()
    total = math.log(tokenizer.total)
    out: list[str] = []
    for block in _CUT_BLOCK.split(text):
        if not block:
            continue
        if _CUT_BLOCK.match(block):
            out.extend(word for word, _ in _words_of(tokenizer.FREQ, block, total))
            continue
        for part in _CUT_SKIP.split(block):
            if _CUT_SKIP.match(part):
                out.append(part)
            else:
                out.extend(part)
    return out
