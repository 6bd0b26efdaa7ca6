"""Running the feed service with uvicorn: in the foreground (CLI) or in a thread (tests)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from feeds.app import FeedConfig, create_app


def uvicorn_config(config: FeedConfig, *, host: str = "127.0.0.1", port: int = 8080,
                   log_level: str = "info") -> uvicorn.Config:
    """uvicorn settings for the service: no server header, its own access log."""
    return uvicorn.Config(
        create_app(config), host=host, port=port, log_level=log_level, access_log=False,
        server_header=False, proxy_headers=True, forwarded_allow_ips="127.0.0.1",
        timeout_keep_alive=15, limit_concurrency=2000, h11_max_incomplete_event_size=16 * 1024,
    )


def run(config: FeedConfig, *, host: str, port: int, log_level: str = "info") -> None:
    """Serve until interrupted (Ctrl-C / SIGTERM)."""
    uvicorn.Server(uvicorn_config(config, host=host, port=port, log_level=log_level)).run()


@contextmanager
def serve_in_thread(config: FeedConfig, *, log_level: str = "warning",
                    timeout: float = 10.0) -> Iterator[str]:
    """Start the service on 127.0.0.1 on a free port in a background thread.

    Yields the base URL (``http://127.0.0.1:PORT``); stops the server on exit.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn_config(config, host="127.0.0.1", port=port, log_level=log_level))
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
