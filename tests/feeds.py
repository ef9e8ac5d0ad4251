"""Small feed documents for tests."""

from __future__ import annotations

from xml.sax.saxutils import escape


def rss(items: list[tuple[str, str, str]], encoding: str = "utf-8", title: str = "测试源") -> str:
    """RSS 2.0 with (guid, title, link) items."""
    body = "".join(
        f"<item><guid>{escape(g)}</guid><title>{escape(t)}</title><link>{escape(link)}</link>"
        f"<pubDate>Fri, 20 Nov 2026 09:30:00 +0800</pubDate>"
        f"<description>{escape(t)}的摘要。</description></item>"
        for g, t, link in items
    )
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>'
        f'<rss version="2.0"><channel><title>{escape(title)}</title>{body}</channel></rss>'
    )


def rss_bytes(items: list[tuple[str, str, str]], encoding: str = "utf-8") -> bytes:
    return rss(items, encoding).encode(encoding)
