"""``text.jieba_cut`` gives jieba's own dictionary cut (words and POS tags), only faster: the
checks' tags, figures and fact spans must not move when the tagger is swapped."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from newsdesk.text import jieba_cut
from newsdesk.text.names import Token, _tagged_reference, _tagger, _tokenizer, tagged_tokens

CHINESE_SET = Path(__file__).resolve().parents[1] / "bench" / "data" / "checks_zh.json"
# Han characters common and rare, digits and Latin of both widths, the punctuation and
# spaces jieba splits blocks at (+ # & . _ % - stay inside one), a line break, \r\n.
ALPHABET = (
    "的一是在了不和有大这中上为个国我以要他时来用们生到作地于出就分对成会可主发年动同工"
    "也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高量长现本"
    "月应基营收净利润亿万元同比增长下降央行降准百分点沪深港股龘靐 \n\r\t.%-+#&_,，。、；"
    "0123456789abcXYZ１２３ａＢ億萬營"
)


def _texts() -> list[str]:
    data = json.loads(CHINESE_SET.read_text(encoding="utf-8"))
    texts = list(data["sources"].values()) + [d["text"] for d in data["drafts"]]
    rng = random.Random(22)
    texts += ["".join(rng.choices(ALPHABET, k=rng.randint(0, 80))) for _ in range(1500)]
    return texts + ["", " ", "\r\n", "ABC123", "华为Mate60Pro", "5.0%", "A股B股", "。。。"]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return _texts()


def test_pos_pairs_are_jiebas(texts: list[str]) -> None:
    tagger, _ = _tagger(())
    for text in texts:
        expected = [(pair.word, pair.flag) for pair in tagger.cut(text, HMM=False)]
        assert list(jieba_cut.pos_pairs(tagger, text)) == expected, text


def test_words_are_jiebas(texts: list[str]) -> None:
    tokenizer = _tokenizer(())
    for text in texts:
        assert jieba_cut.words(tokenizer, text) == tokenizer.lcut(text, HMM=False), text


def test_tagged_tokens_are_plain_tokens(texts: list[str]) -> None:
    # names builds Token by tuple.__new__, not its __new__: the same objects all the same.
    for text in texts[:200]:
        for token in tagged_tokens(text):
            made = Token(token.word, token.flag, token.start, token.end)
            assert type(token) is Token and token == made and hash(token) == hash(made)
            assert token._asdict() == made._asdict()
            assert token._replace(start=0) == made._replace(start=0)


def test_tagged_tokens_are_the_python_taggings(texts: list[str]) -> None:
    """The C tagging (``_route.tagged``) gives the tokens of the Python one on the corpora."""
    tagger, _ = _tagger(())
    for text in texts:
        assert tagged_tokens(text) == _tagged_reference(tagger, text), text
