"""Turn parser output into clean, comparable values: links and times (an entry's keys and
hashes are in ``newsdesk/entries.py``)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from dateutil import parser as dateparser

_TRACKING_KEYS = r"utm_[a-z_]+|fbclid|gclid|mc_cid|mc_eid|spm"  # query keys dropped from links
_TRACKING = re.compile(rf"^({_TRACKING_KEYS})$", re.IGNORECASE)
MAX_LINK = 2048
# A link canonical_link returns as it is, whatever the base: absolute http(s), lower-case host,
# a path, and nothing the URL parser rewrites (port, user info, params, an empty fragment,
# spaces or controls). A query is such when re-encoding its pairs gives it back and drops none:
# keys and values of the characters urlencode leaves as they are, no empty pair, no tracking key.
# Most feed links are such; the full parse cost more than the fast parser.
_PAIR = rf"(?!(?i:{_TRACKING_KEYS})=)[\w.~-]+=[\w.~-]*"
_PLAIN = re.compile(
    r"https?://[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?/[^?#;\\\x00-\x20\x7f]*"
    rf"(?:\?{_PAIR}(?:&{_PAIR})*)?(?:#[^\x00-\x20\x7f]+)?",
    re.ASCII,
)


def canonical_link(link: str | None, base: str | None = None) -> str | None:
    """Absolute http(s) link without tracking parameters or default port.

    The fragment stays: some feeds give every entry the same page with its own
    anchor (a journal, a link blog), and the link is a dedup key.
    """
    if not link:
        return None
    link = link.strip()
    if _PLAIN.fullmatch(link):
        return link if len(link) <= MAX_LINK else None
    return _canonical(link, base)


def _canonical(link: str, base: str | None) -> str | None:
    """canonical_link by the URL parser, for any link."""
    if base:
        link = urljoin(base, link)
    try:
        parts = urlsplit(link)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    scheme = parts.scheme.lower()
    host = parts.hostname.lower()
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)
    ]
    canonical = urlunsplit((scheme, host, parts.path or "/", urlencode(query), parts.fragment))
    return canonical if len(canonical) <= MAX_LINK else None


def parse_time(value: object, default_tz: tzinfo) -> datetime | None:
    """A feed date (RFC 822, ISO 8601, struct_time, datetime) as an aware UTC datetime.

    Dates without a zone are read in the desk's zone: Chinese finance feeds
    that omit it mean Beijing time.
    """
    if value is None or value == "":
        return None
    parsed: datetime | None = None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, tuple) or hasattr(value, "tm_year"):
        t: tuple[int, ...] = tuple(value)  # type: ignore[arg-type]
        parsed = datetime(t[0], t[1], t[2], t[3], t[4], t[5], tzinfo=UTC)
    elif isinstance(value, str):
        parsed = _parse_time_text(value.strip())
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=default_tz)
    return parsed.astimezone(UTC)


def _parse_time_text(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return dateparser.parse(text)
    except (ValueError, OverflowError, TypeError):
        return None
