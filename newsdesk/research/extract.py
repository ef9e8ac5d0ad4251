"""Extract the article from a research page: trafilatura first, a readability-style fallback."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import trafilatura
from bs4 import BeautifulSoup

from newsdesk import encoding
from newsdesk.config import TextLimits
from newsdesk.errors import FeedParseError
from newsdesk.text.clean import clean_text, sanitise

MIN_TEXT = 40


@dataclass(frozen=True)
class Page:
    url: str
    title: str
    text: str
    published: str | None
    author: str | None
    extractor: str


def extract_page(
    body: bytes, url: str, content_type: str | None = None, limits: TextLimits | None = None
) -> Page:
    """Return the page's title and main text; raise FeedParseError when there is none."""
    limits = limits or TextLimits()
    # Extraction time grows with the number of elements, not bytes: 1 MB of "<p>x" kept
    # trafilatura busy for 42 s. Real article pages have a few thousand tags.
    tags = body.count(b"<")
    if tags > limits.page_tags:
        raise FeedParseError(
            f"{url}: page has {tags} tags, over fetch.text_limits.page_tags ({limits.page_tags})"
        )
    html, _ = encoding.decode(body, content_type)
    doc = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, favor_precision=True
    )
    if doc is not None and doc.text and len(doc.text) >= MIN_TEXT:
        title = clean_text(doc.title, limits.title) or _title_from_soup(BeautifulSoup(html, "lxml"))
        text = clean_text(doc.text, limits.body)
        author = clean_text(doc.author, limits.title) or None
        return Page(url, title, text, sanitise(doc.date or "") or None, author, "trafilatura")
    return _fallback(html, url, limits)


def _title_from_soup(soup: BeautifulSoup) -> str:
    heading = soup.find("h1")
    if heading and heading.get_text(strip=True):
        return clean_text(heading.get_text(" "))
    return clean_text(soup.title.get_text(" ")) if soup.title else ""


def _fallback(html: str, url: str, limits: TextLimits) -> Page:
    soup = BeautifulSoup(html, "lxml")
    for tag in soup(["script", "style", "nav", "header", "footer", "aside", "form"]):
        tag.decompose()
    container = soup.find("article") or soup.find("main") or soup.body or soup
    paragraphs = [p.get_text(" ", strip=True) for p in container.find_all(["p", "li"])]
    text = "\n".join(p for p in paragraphs if p)
    if len(text) < MIN_TEXT:
        raise FeedParseError(f"{url}: no article text found on the page")
    return Page(url, _title_from_soup(soup), clean_text(text, limits.body), None, None, "fallback")


def page_links(body: bytes, url: str, limit: int, content_type: str | None = None) -> list[str]:
    """Same-host links of an index page, in page order, without duplicates."""
    html, _ = encoding.decode(body, content_type)
    host = urlsplit(url).hostname
    found: list[str] = []
    for anchor in BeautifulSoup(html, "lxml").find_all("a", href=True):
        target = urljoin(url, anchor["href"]).split("#", 1)[0]
        if urlsplit(target).hostname == host and target != url and target not in found:
            found.append(target)
        if len(found) >= limit:
            break
    return found
