"""One form of numbers: what facts, checks, topics and drafting all read.

Real finance news writes one figure many ways: ``３６﹒９億千瓦`` (full-width
digits, a small full stop), ``36\\n.9`` (a number broken across lines by a
page's markup), ``425 億元`` (a space before the unit), ``4兆6,291億元``
(Taiwan's 兆 for 万亿, a compound amount), ``900億7420萬美元``, ``〇．二％``
(a figure in Chinese digits). :func:`normalise_numbers` rewrites each of these
to the plain form a mainland editor types (``36.9亿千瓦``, ``46291亿元``,
``900.742亿美元``, ``0.2%``), so a figure has one spelling wherever it is
compared. Script conversion is separate (``normalise.desk_text``); this module
works on either script (億/萬 and 亿/万 alike). A run of months is written one way
(``1至10月`` -> ``1-10月``, ``十月`` -> ``10月``), so a period reads the same wherever it is
read.

:func:`amount` turns a value and its unit into a comparable quantity: the value
times the scale word in the unit (万, 亿, 万亿, 千) and the unit without it,
so ``2万亿元`` equals ``20000亿元``.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

SCALES: dict[str, Decimal] = {
    "万亿": Decimal(10) ** 12,
    "亿": Decimal(10) ** 8,
    "万": Decimal(10) ** 4,
    "千": Decimal(10) ** 3,
}
_TRADITIONAL_SCALE = str.maketrans({"億": "亿", "萬": "万"})
_CHINESE_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")

# Characters NFKC leaves alone that still act as a decimal point between digits.
_POINT = re.compile(r"(?<=\d)[﹒．。・·](?=\d)")
# A number broken by markup: "36\n.9", "36.\n9", "1,\n234" (never two plain digit runs:
# "2025\n3月" is a year and a month).
_BROKEN = re.compile(r"(?<=\d)\s*\n\s*(?=[.,]\d)|(?<=\d[.,])\s*\n\s*(?=\d)")
# "425 億元", "0.2 %": the space a page puts between a number and its unit.
_SPACED_UNIT = re.compile(
    r"(?<=\d) +(?=(?:万亿|[万萬億亿兆千])?[%‰元美港欧日英吨辆台点倍])|(?<=\d) +(?=[万萬億亿兆])"
)
# "以 4041.65", "2025 年 10 月 8日": the spaces some pages put between Chinese and a number.
_SPACED_NUMBER = re.compile(r"(?<=[\u4e00-\u9fff]) +(?=\d)|(?<=\d) +(?=[年月日])")
# "4041.65 美元 / 盎司": a per-unit price written with spaces round its slash.
_SPACED_PER = re.compile(r"(?<=元) */ *(?=[\u4e00-\u9fff])")
# 兆 as 万亿 (Taiwan): before 亿 or a currency, never in 兆瓦 (megawatt).
_TRILLION = re.compile(r"(?<=\d)兆(?=\d|[億亿]|[元美港日台新人])")
_NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?"
# 4万亿6291亿 / 900亿7420万: a larger and a smaller scale written together.
_COMPOUND = re.compile(
    rf"(?P<big>{_NUMBER})(?P<big_scale>万亿|[亿億])(?P<small>{_NUMBER})(?P<small_scale>[亿億万萬])"
)
# Chinese digits with a point, as some outlets write percentages: 〇．二％, 三．五%.
_CHINESE_FIGURE = re.compile(
    r"([〇零一二三四五六七八九]+[.．][〇零一二三四五六七八九]+)(?=\s*[%％])"
)


# 1至10月, 1~10月, 1－10月: one spelling of a run of months, 1-10月.
_MONTH_RANGE = re.compile(r"(?<!\d)(\d{1,2})\s*[至到~～—–－]\s*(\d{1,2})\s*(?=月)")


def _compound(match: re.Match[str]) -> str:
    big_scale = match["big_scale"].translate(_TRADITIONAL_SCALE)
    small_scale = match["small_scale"].translate(_TRADITIONAL_SCALE)
    if SCALES[big_scale] <= SCALES[small_scale]:
        return match.group(0)
    # In 亿, as mainland outlets write such sums: 4万亿6291亿 -> 46291亿, 900亿7420万 -> 900.742亿.
    total = (
        _decimal(match["big"]) * SCALES[big_scale] + _decimal(match["small"]) * SCALES[small_scale]
    ) / SCALES["亿"]
    return f"{plain_number(total)}亿"


def _decimal(number: str) -> Decimal:
    return Decimal(number.replace(",", ""))


def plain_number(value: Decimal) -> str:
    """A decimal as a mainland editor writes it: no exponent, no trailing zeros."""
    text = format(value.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


# Full-width forms of what a figure is written with, one character for one (offsets survive);
# Chinese punctuation (，。：（）) stays.
WIDTH_FOLD = str.maketrans(
    {chr(0xFF01 + i): chr(0x21 + i) for i in range(94) if chr(0x21 + i).isalnum()}
    | {"％": "%", "．": ".", "﹒": ".", "＋": "+", "－": "-", "／": "/", "，": "，", "\u3000": " "}
)


_WIDE_CHARS = {chr(key): value for key, value in WIDTH_FOLD.items() if chr(key) != value}
_WIDE = re.compile("[" + re.escape("".join(_WIDE_CHARS)) + "]")


def fold_width(text: str) -> str:
    """``text.translate(WIDTH_FOLD)``, ~40x faster on Chinese text, where few characters change
    (``str.translate`` looks every character up)."""
    return _WIDE.sub(lambda match: _WIDE_CHARS[match.group(0)], text)


# Each rewrite runs only where a cheaper search finds what any match of it needs (its
# pattern starts with a lookbehind, which the regex engine tries at every character):
# sources of thousands of characters pass here, and most rewrites have nothing to do.
_POINT_HINT = re.compile(r"[﹒．。・·]\d")
_BROKEN_HINT = re.compile(r"[\d.,]\s*\n")
_SPACED_HINT = re.compile(r"\d +[万萬億亿兆千%‰元美港欧日英吨辆台点倍]")
_COMPOUND_HINT = re.compile(r"[亿億]\d")
_MONTH_HINT = re.compile(r"[至到~～—–－]\s*\d{1,2}\s*月")
# A month in Chinese numerals (十月, 九月份, 十二月): news from Hong Kong and Taiwan writes
# 十月CPI年增0.2%，九月为年跌0.3%. Not after another numeral or 第/周 (三十一日, 第一月).
_CHINESE_MONTH = re.compile(
    r"(?<![〇零一二三四五六七八九十百千第周期])(十[一二]?|[一二三四五六七八九])(?=月)"
)
_CHINESE_MONTH_HINT = re.compile(r"[一二三四五六七八九十]月")


def normalise_numbers(text: str) -> str:
    """Every figure of ``text`` in one spelling (see the module docstring)."""
    text = fold_width(text)
    if "%" in text:
        text = _CHINESE_FIGURE.sub(
            lambda m: m.group(1).translate(_CHINESE_DIGITS).replace("．", "."), text
        )
    if _POINT_HINT.search(text):
        text = _POINT.sub(".", text)
    if "\n" in text and _BROKEN_HINT.search(text):
        text = _BROKEN.sub("", text)
    if " " in text and _SPACED_HINT.search(text):
        text = _SPACED_UNIT.sub("", text)
    if " " in text:
        text = _SPACED_NUMBER.sub("", text)
    if " /" in text or "/ " in text:
        text = _SPACED_PER.sub("/", text)
    if "兆" in text:
        text = _TRILLION.sub("万亿", text)
    if _COMPOUND_HINT.search(text):
        text = _COMPOUND.sub(_compound, text)
    if _CHINESE_MONTH_HINT.search(text):
        text = _CHINESE_MONTH.sub(_month_number, text)
    if _MONTH_HINT.search(text):
        text = _MONTH_RANGE.sub(r"\1-\2", text)  # its 月 follows, unconsumed
    return text


def _month_number(match: re.Match[str]) -> str:
    """十 -> 10, 十二 -> 12, 九 -> 9."""
    said = match.group(1).translate(_CHINESE_DIGITS)  # 十 is no digit and stays
    return str(10 + int(said[1:] or 0)) if said.startswith("十") else said


def split_scale(unit: str) -> tuple[Decimal, str]:
    """(scale, unit without it): 万亿元 -> (10^12, 元); 亿 -> (10^8, ""); % -> (1, %)."""
    unit = unit.translate(_TRADITIONAL_SCALE)
    for word, scale in SCALES.items():
        if unit.startswith(word):
            return scale, unit[len(word) :]
    return Decimal(1), unit


def amount(value: str, unit: str) -> tuple[Decimal, str] | None:
    """The quantity ``value`` ``unit`` states, as (value x scale, base unit); None if no number."""
    try:
        number = Decimal(value.replace(",", ""))
    except InvalidOperation:
        return None
    scale, base = split_scale(unit)
    return number * scale, base
