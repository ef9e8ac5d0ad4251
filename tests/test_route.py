"""The C route (``newsdesk/text/_route.c``) gives the words of jieba_cut's Python route, and
its tagging the tokens of names' Python tagging.

test_jieba_cut compares the whole cut with jieba's own on the project's corpora, through the
C when it is built; here ``_route.block_words`` is compared alone with the Python reference
(``jieba_cut._block_words``: ``_ends`` and the walk) on generated blocks, with the project's
dictionary and with small dictionaries full of ties, and the install is required to have built
it. The words fix the route: each is a route word, or a run of single-character ones (True).
"""

from __future__ import annotations

import gc
import importlib.util
import math
import os
import re
import subprocess
import sys
from collections.abc import Callable
from functools import partial
from typing import cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdesk.text import _route
from newsdesk.text import names as names_module
from newsdesk.text.jieba_cut import _block_words, pos_tables
from newsdesk.text.names import _HMM_RUN, Token, _guess, _tagged_reference, _tagger, _tokenizer

# Characters in the most dictionary words, finance words and their parts (prefixes, longer
# words sharing a start), Latin and digits (joined into one word when the route takes them
# one by one), the other characters posseg keeps inside a block, and characters no word has.
PIECES = [
    *"一不大人十子国三中之学生金来百地心家上公下出法机化行高多分电利会安股",
    "中国", "中国人民银行", "人民", "银行", "央行", "降准", "百分点", "同比增长", "净利润",
    "营收", "亿元", "万元", "半导体", "新能源", "新能源汽车", "股份", "有限公司", "中华人民共和国",
    "A股", "B股", "ETF", "eVTOL", "Mate60Pro", "5G", "3D", "12.5", "2026",
    *"aZx09+#&._", "龘", "靐",
]  # fmt: skip
FREQ = _tokenizer(()).FREQ
TOTAL = math.log(_tokenizer(()).total)


def test_the_install_built_the_route() -> None:
    """setup.py builds it where a compiler is (this machine, CI): the product's fast path."""
    spec = importlib.util.find_spec("newsdesk.text._route")
    assert spec is not None and spec.origin is not None and spec.origin.endswith(".so")


@settings(max_examples=4000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30))
def test_the_dictionary_route_is_the_reference(pieces: list[str]) -> None:
    block = "".join(pieces)
    assert _route.block_words(FREQ, block, TOTAL) == _block_words(FREQ, block, TOTAL)


@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=40))
def test_every_character_kind(block: str) -> None:
    """Any code point (1-, 2- and 4-byte strings, lone surrogates): unknown ones alone."""
    assert _route.block_words(FREQ, block, TOTAL) == _block_words(FREQ, block, TOTAL)


def dictionary(words: dict[str, int]) -> dict[str, int]:
    """``words`` with each one's prefixes at 0 where they are no word, as jieba keeps them."""
    out = {word[:end]: 0 for word in words for end in range(1, len(word))}
    out.update(words)
    return out


SMALL_WORDS = st.dictionaries(st.text("abc", min_size=1, max_size=4), st.sampled_from([1, 2, 4, 8]))


@settings(max_examples=3000, deadline=None)
@given(SMALL_WORDS, st.text("abcd", max_size=24), st.sampled_from([0.0, math.log(2), 3.0]))
def test_ties_and_near_ties(words: dict[str, int], block: str, total: float) -> None:
    """Three letters, frequencies of powers of two: routes of equal or next-to-equal score
    everywhere, where one rounding or tie-break apart would choose other words."""
    freq = dictionary(words)
    assert _route.block_words(freq, block, total) == _block_words(freq, block, total)


def test_a_tie_goes_to_the_longer_word() -> None:
    freq = dictionary({"ab": 1, "a": 1, "b": 1, "abc": 1})
    assert _route.block_words(freq, "abcab", 0.0) == [("abc", False), ("ab", False)]


@pytest.mark.parametrize(
    "value", [3.5, 2**60, 2**53 + 1, True, 10**400, float("inf"), float("nan"), 0.0]
)
def test_frequencies_jieba_never_has_score_as_math_log_does(value: object) -> None:
    """Other than jieba's ints: floats, a bool, ints of 53 bits and more (the C converts those
    of 64 bits itself, rounding as math.log does), and past 64 bits math.log's own conversion.
    中国 is taken where log(value) >= log(other) (total 0: 中 scores log 1 = 0), so an
    ``other`` on each side of most values tells a score that is not the log's."""
    for other in [1, 2, 3, 4, 5, 2**52, 2**53, 2**61, 2**62, 10**300, 10**401]:
        freq = {"中": 1, "国": other, "中国": value}
        expected = _block_words(freq, "中国", 0.0)  # type: ignore[arg-type]
        assert _route.block_words(freq, "中国", 0.0) == expected, other  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [-1, -2.5, "x"])
def test_a_frequency_math_log_refuses_raises_its_error(value: object) -> None:
    freq = {"中": 5, "中国": value}
    with pytest.raises((ValueError, TypeError)) as python:
        _block_words(freq, "中国", TOTAL)  # type: ignore[arg-type]
    with pytest.raises(python.type, match=re.escape(str(python.value))):
        _route.block_words(freq, "中国", TOTAL)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("freq", "block", "total", "message"),
    [
        (FREQ, b"\xe4\xb8\xad", TOTAL, "expected str for block, got bytes"),
        (FREQ, None, TOTAL, "expected str for block, got NoneType"),
        (list(FREQ), "中国", TOTAL, "expected dict for freq, got list"),
        (type("Freq", (dict,), {})(), "中国", TOTAL, "expected dict for freq, got Freq"),
        (FREQ, "中国", 12, "expected float for total, got int"),
    ],
)
def test_other_arguments_are_refused(
    freq: object, block: object, total: object, message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        _route.block_words(freq, block, total)  # type: ignore[arg-type]


def test_without_the_c_route_the_python_one_gives_jiebas_words() -> None:
    """An install without a compiler runs the Python route: the corpus comparison with jieba
    passes with the C module hidden."""
    hide = "import sys; sys.modules['newsdesk.text._route'] = None; import pytest; "
    check = (
        "from newsdesk.text import jieba_cut; "
        "assert jieba_cut._route is None and jieba_cut._words_of is jieba_cut._block_words; "
        "from newsdesk.text import names; assert names._route is None; "
        "sys.exit(pytest.main(['tests/test_jieba_cut.py', '-q', '-p', 'no:xdist', "
        "'-p', 'no:cacheprovider']))"
    )
    done = subprocess.run([sys.executable, "-c", hide + check], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert " passed" in done.stdout


# --- _route.tagged: names.tagged_tokens in C, against names._tagged_reference -----------------

TAGGER, _ = _tagger(())
TAGS = TAGGER.word_tag_tab
# Block pieces, what lies between blocks (spaces of every kind, \r\n, punctuation), runs of
# characters no word has (the HMM's: 2 to 8 of them, or longer, or one alone), and characters
# of U+9FD6-U+9FFF, which join a run but stand between blocks.
TAGGED_PIECES = [
    *PIECES, "章建平", "澜石精工", "龘靐龘", "鿖", "鿿", "䶵", "𠀀", " ", "\u3000", "\t", "\n",
    "\r\n", "\r", "，", "。", "%", "-", "１２", "億元", "（", "”",
]  # fmt: skip


def _both(text: str) -> tuple[list[Token], list[Token]]:
    freq, tags, total = pos_tables(TAGGER)
    made = _route.tagged(freq, tags, total, text, Token, partial(_guess, TAGGER), _HMM_RUN)
    return made, _tagged_reference(TAGGER, text)


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(TAGGED_PIECES), max_size=40))
def test_tagging_is_the_reference(pieces: list[str]) -> None:
    made, expected = _both("".join(pieces))
    assert made == expected
    assert all(type(token) is Token for token in made)


@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=40))
def test_tagging_every_character_kind(text: str) -> None:
    made, expected = _both(text)
    assert made == expected


def test_tokens_are_left_out_of_the_collectors_lists() -> None:
    """A Token of two str and two int cannot be in a reference cycle: the C untracks it, as
    CPython untracks a plain tuple of atoms, so the checks' cached tokens cost full
    collections nothing. A Token holding another object stays tracked."""
    made, _ = _both("公司营收5亿元，章建平表示")
    assert made and not any(gc.is_tracked(token) for token in made)
    freq, _, total = pos_tables(TAGGER)
    odd = {"公司": type("Flag", (str,), {})("n")}
    kept = _route.tagged(freq, odd, total, "公司", Token, partial(_guess, TAGGER), _HMM_RUN)
    assert kept == [("公司", "n", 0, 2)] and gc.is_tracked(kept[0])


def test_a_run_is_guessed_only_within_its_bounds() -> None:
    asked: list[str] = []

    def guess(run: str) -> list[tuple[str, str]]:
        asked.append(run)
        return [(run, "nr")]

    freq, tags, total = pos_tables(TAGGER)
    text = "龘靐，龘靐龘靐龘靐龘靐龘，龘"  # a run of 2, one of 9 (> 8), one alone
    made = _route.tagged(freq, tags, total, text, Token, guess, 8)
    assert asked == ["龘靐"]
    assert made[0] == ("龘靐", "nr", 0, 2) and len(made) == 1 + 1 + 9 + 1 + 1


@pytest.mark.parametrize(
    ("guessed", "error"),
    [
        (None, r"guess\(\) must give a list or tuple"),
        (iter([("龘靐", "nr")]), r"guess\(\) must give a list or tuple"),
        ([("龘",)], r"guess\(\) must give \(word, flag\) pairs"),
        ([(1, "x")], r"guess\(\) must give \(word, flag\) pairs"),
        (ZeroDivisionError("from guess"), "from guess"),
    ],
)
def test_a_guess_that_is_no_words_raises(guessed: object, error: str) -> None:
    def guess(run: str) -> object:
        if isinstance(guessed, Exception):
            raise guessed
        return guessed

    freq, tags, total = pos_tables(TAGGER)
    with pytest.raises((TypeError, ZeroDivisionError), match=error):
        _route.tagged(freq, tags, total, "龘靐", Token, guess, 8)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("position", "value", "message"),
    [
        (0, list(FREQ), "expected dict for freq, got list"),
        (1, None, "expected dict for tags, got NoneType"),
        (2, 3, "expected float for total, got int"),
        (3, b"abc", "expected str for text, got bytes"),
        (4, list, "expected a tuple subclass without a __dict__ for token, got type"),
        (4, type("Loose", (tuple,), {}), "expected a tuple subclass without a __dict__"),
        # a struct sequence: a tuple subclass that keeps fields past its items
        (4, os.stat_result, "expected a tuple subclass without a __dict__"),
        (6, "8", "an integer is required"),
    ],
)
def test_other_tagging_arguments_are_refused(position: int, value: object, message: str) -> None:
    freq, tags, total = pos_tables(TAGGER)
    args: list[object] = [freq, tags, total, "公司", Token, partial(_guess, TAGGER), 8]
    args[position] = value
    with pytest.raises(TypeError, match=message):
        _route.tagged(*args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "guessed",
    [
        lambda run: [(run[:1], "nr"), (run[1:] + "多", "n")],  # longer than the run
        lambda run: [(run[:-1], "nr")],  # shorter
        lambda run: [(" ", "x"), (run, "nr"), ("\u3000\t", "x")],  # whitespace words
    ],
)
def test_positions_follow_the_guessed_words_as_the_reference_does(
    guessed: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """jieba's HMM gives back the run's characters; a guess that does not (longer, shorter,
    whitespace) moves the offsets after it in C as in the reference."""
    guess = cast(Callable[[str], list[tuple[str, str]]], guessed)
    monkeypatch.setattr(names_module, "_guess", lambda _tagger, run: guess(run))
    text = "公司龘靐龘表示，营收5亿元。靐龘"
    freq, tags, total = pos_tables(TAGGER)
    made = _route.tagged(freq, tags, total, text, Token, partial(names_module._guess, TAGGER), 8)
    assert made == _tagged_reference(TAGGER, text)


def test_a_guess_whose_words_die_during_a_collection_is_safe() -> None:
    """The pairs a guess returns are held while their Tokens are made: a finalizer run by a
    collection that a Token's allocation sets off, emptying the guess's own list, frees none
    of them (it crashed the interpreter when they were borrowed)."""
    script = (
        "import gc, sys\n"
        "from newsdesk.text import _route, names\n"
        "from newsdesk.text.jieba_cut import pos_tables\n"
        "freq, tags, total = pos_tables(names._tagger(())[0])\n"
        "kept = []\n"
        "class Clear:\n"
        "    def __init__(self): self.me = self\n"
        "    def __del__(self): kept[0].clear() if kept else None\n"
        "def guess(run):\n"
        "    words = [(''.join([c]), 'nr') for c in run]\n"
        "    kept[:] = [words]\n"
        "    Clear()\n"
        "    return words\n"
        "gc.set_threshold(1)\n"
        "for _ in range(200):\n"
        "    out = _route.tagged(freq, tags, total, '龘靐龘靐', names.Token, guess, 8)\n"
        "    assert [t.word for t in out] == list('龘靐龘靐'), out\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]
