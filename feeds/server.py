"""Running the feed service with uvicorn: in the foreground (CLI) or in a thread (tests)."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from feeds.app import FeedConfig, create_app

MAX_HEAD_BYTES = 16 * 1024
"""Largest request head (request line and header fields) the service reads; larger gets 431."""

HEAD_TIMEOUT_SECONDS = 10.0
"""Time a client has from connecting (or from the first byte of a later request on a
kept-alive connection) to the end of the request head; then the connection is closed."""

logger = logging.getLogger("feeds")


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with bounds on the request head: its size and its time.

    uvicorn's ``h11_max_incomplete_event_size`` only applies to its h11 protocol; with
    httptools (the faster parser, used here) a request line or header value is buffered
    until its line ends, with no bound at all (a 1 MB header was read and answered).
    This counts the bytes of each request head as they arrive, up to the blank line that
    ends it, and answers ``431 Request Header Fields Too Large`` and closes the connection
    once they pass :data:`MAX_HEAD_BYTES`. Requests pipelined behind the first one in the
    same read are bounded by the read size instead.

    uvicorn also has no timeout for a head: a client could connect and send nothing, or
    one byte a second, and hold one of the ``limit_concurrency`` places for ever. A head
    must be complete within :data:`HEAD_TIMEOUT_SECONDS` of the connection (or of its first
    byte, on a kept-alive connection, whose idle time uvicorn's keep-alive timeout bounds);
    otherwise the connection is closed.
    """

    max_head_bytes = MAX_HEAD_BYTES
    head_timeout = HEAD_TIMEOUT_SECONDS

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._in_head = True
        self._head_bytes = 0
        self._tail = b""
        self._head_timer: asyncio.TimerHandle | None = None
        super().connection_made(transport)
        self._arm_head_timer()

    def _arm_head_timer(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.head_timeout, self._head_too_slow)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if self._in_head and not self.transport.is_closing():
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            self._arm_head_timer()
            seen = self._tail + data
            end = seen.find(b"\r\n\r\n")
            used = len(data) if end < 0 else max(0, end + 4 - len(self._tail))
            if self._head_bytes + used > self.max_head_bytes:
                self._refuse_head()
                return
            if end < 0:
                self._head_bytes += len(data)
                self._tail = seen[-3:]
        super().data_received(data)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._cancel_head_timer()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._in_head = True
        self._head_bytes = 0
        self._tail = b""
        super().on_message_complete()

    def _refuse_head(self) -> None:
        if self.transport.is_closing():
            return
        logger.warning("a request head over %d bytes was refused (431)", self.max_head_bytes)
        body = b"Request header fields too large\n"
        lines = [b"HTTP/1.1 431 Request Header Fields Too Large\r\n"]
        lines += [name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers]
        lines += [b"content-type: text/plain; charset=utf-8\r\n",
                  b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
                  b"cache-control: no-store\r\n", b"connection: close\r\n", b"\r\n", body]
        self.transport.write(b"".join(lines))
        self.transport.close()


def uvicorn_config(config: FeedConfig, *, host: str = "127.0.0.1", port: int = 8080,
                   log_level: str = "info", head_timeout: float = HEAD_TIMEOUT_SECONDS) -> uvicorn.Config:
    """uvicorn settings for the service: no server header, its own access log, bounded heads."""
    protocol = LimitedHttpToolsProtocol
    if head_timeout != protocol.head_timeout:
        protocol = type("LimitedHttpToolsProtocol", (protocol,), {"head_timeout": head_timeout})
    return uvicorn.Config(
        create_app(config), host=host, port=port, log_level=log_level, access_log=False,
        http=protocol, ws="none", server_header=False, proxy_headers=True,
        forwarded_allow_ips="127.0.0.1", timeout_keep_alive=15, limit_concurrency=2000,
    )


def run(config: FeedConfig, *, host: str, port: int, log_level: str = "info") -> None:
    """Serve until interrupted (Ctrl-C / SIGTERM)."""
    uvicorn.Server(uvicorn_config(config, host=host, port=port, log_level=log_level)).run()


@contextmanager
def serve_in_thread(config: FeedConfig, *, log_level: str = "warning", timeout: float = 10.0,
                    head_timeout: float = HEAD_TIMEOUT_SECONDS) -> Iterator[str]:
    """Start the service on 127.0.0.1 on a free port in a background thread.

    Yields the base URL (``http://127.0.0.1:PORT``); stops the server on exit.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn_config(config, host="127.0.0.1", port=port, log_level=log_level,
                                           head_timeout=head_timeout))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True,
                              name="feed-service")
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError("the feed service did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
        sock.close()
