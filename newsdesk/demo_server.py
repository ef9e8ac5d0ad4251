"""Serve the demo desk's feeds and research pages over HTTP on 127.0.0.1.

The demo goes through the real fetch path (HTTP, conditional GET, parsing),
so it needs a real server; this one is the standard library's, in a thread.
The feeds' items link to ``/articles/...`` pages that exist nowhere on disk:
the server renders each from its feed entry, so an editor's 原文 link opens.
"""

from __future__ import annotations

import html
import threading
from functools import cache, partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from newsdesk.entries import Entry
from newsdesk.feeds.parse import parse_feed


@cache
def _articles(feeds: Path) -> dict[str, tuple[str, Entry]]:
    """Every demo feed entry by the path of its link, with the outlet's name."""
    found: dict[str, tuple[str, Entry]] = {}
    for path in sorted(feeds.glob("*.xml")):
        parsed = parse_feed(path.read_bytes())
        for entry in parsed.entries:
            if entry.link:
                found[urlsplit(entry.link).path] = (parsed.title, entry)
    return found


def _article_page(outlet: str, entry: Entry) -> bytes:
    when = entry.published.isoformat() if entry.published else ""
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{html.escape(entry.title)}</title></head><body><article>"
        f"<h1>{html.escape(entry.title)}</h1><p>{html.escape(outlet)} · {html.escape(when)}</p>"
        f"<p>{html.escape(entry.summary)}</p></article></body></html>"
    ).encode()


class _Handler(SimpleHTTPRequestHandler):
    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        # No charset: the XML declaration names it (one demo feed is GBK).
        ".xml": "application/xml",
        ".html": "text/html; charset=utf-8",
    }

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the CLI prints its own summary."""

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        path = urlsplit(self.path).path
        if not path.startswith("/articles/"):
            super().do_GET()
            return
        found = _articles(Path(self.directory) / "feeds").get(path)
        if found is None:
            self.send_error(404, "no such demo article")
            return
        body = _article_page(*found)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class DemoServer:
    """A file server for ``directory`` on ``host:port`` (port 0 picks a free one)."""

    def __init__(self, directory: Path, host: str = "127.0.0.1", port: int = 8765) -> None:
        handler = partial(_Handler, directory=str(directory))
        self._server = ThreadingHTTPServer((host, port), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host = str(self._server.server_address[0])  # an AF_INET server's address is text
        return f"http://{host}:{self._server.server_port}"

    def start(self) -> DemoServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
