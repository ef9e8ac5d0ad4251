"""Serve the demo desk's feeds and research pages over HTTP on 127.0.0.1.

The demo goes through the real fetch path (HTTP, conditional GET, parsing),
so it needs a real server; this one is the standard library's, in a thread.
"""

from __future__ import annotations

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class _Handler(SimpleHTTPRequestHandler):
    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        # No charset: the XML declaration names it (one demo feed is GBK).
        ".xml": "application/xml",
        ".html": "text/html; charset=utf-8",
    }

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the CLI prints its own summary."""


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
