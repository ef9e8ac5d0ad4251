"""A raw TCP server on 127.0.0.1 for replies no HTTP framework would send.

Each connection is handed to ``reply(conn)`` in its own thread: a server that
drips one byte every few seconds, or a redirect whose Location header breaks
URL parsers. Leaving the block closes every connection still open.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable


class RawServer:
    def __init__(self, reply: Callable[[socket.socket], None]) -> None:
        self.reply = reply
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections: list[socket.socket] = []
        self._closed = threading.Event()

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _serve(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(conn)
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        try:
            read_request(conn)
            self.reply(conn)
        except OSError:
            pass  # the client hung up, as a fetcher that gives up does
        finally:
            conn.close()

    def __enter__(self) -> RawServer:
        threading.Thread(target=self._serve, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closed.set()
        self.sock.close()
        for conn in self.connections:
            conn.close()


def read_request(conn: socket.socket) -> bytes:
    """The request head (up to the blank line); bodies are not needed here."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def drip(data: bytes, every: float) -> Callable[[socket.socket], None]:
    """A reply that sends ``data`` one byte at a time, ``every`` seconds apart."""

    def reply(conn: socket.socket) -> None:
        for byte in data:
            conn.sendall(bytes([byte]))
            time.sleep(every)

    return reply


def send(data: bytes) -> Callable[[socket.socket], None]:
    """A reply that sends ``data`` at once."""

    def reply(conn: socket.socket) -> None:
        conn.sendall(data)

    return reply
