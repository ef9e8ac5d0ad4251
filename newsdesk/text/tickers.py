"""Security codes kept as single tokens: 600519, 000001.SZ, SH600036, 0700.HK, $AAPL.

A bare six-digit number counts as an A-share code only with a known board
prefix (60/68 Shanghai, 00/30 Shenzhen, 43/83/87/92 Beijing) and when it is
not followed by a unit (亿, 万, 元, %, 年 ...), so amounts are not taken for codes.
"""

from __future__ import annotations

import re

TICKER = re.compile(
    r"(?<![A-Za-z0-9.$])("
    r"\$[A-Za-z]{1,5}(?![A-Za-z])"  # $AAPL
    r"|(?:SH|SZ|BJ|sh|sz|bj)\d{6}(?!\d)"  # SH600036
    r"|\d{6}\.(?:SH|SZ|BJ|SS|sh|sz|bj|ss)(?![A-Za-z])"  # 000001.SZ
    r"|\d{4,5}\.(?:HK|hk)(?![A-Za-z])"  # 0700.HK
    r"|(?:60|68|00|30|43|83|87|92)\d{4}(?![\d.%亿万元年月日点个股只家倍])"  # 600519
    r")"
)


def canonical_ticker(raw: str) -> str:
    return raw.upper()


def split_tickers(text: str) -> list[tuple[str, bool]]:
    """Split text into (piece, is_ticker) runs, in order."""
    pieces: list[tuple[str, bool]] = []
    last = 0
    for match in TICKER.finditer(text):
        if match.start() > last:
            pieces.append((text[last : match.start()], False))
        pieces.append((canonical_ticker(match.group(1)), True))
        last = match.end()
    if last < len(text):
        pieces.append((text[last:], False))
    return pieces
