"""The feed service: an ASGI app (Starlette) that serves ``/feeds/<token>.ics``.

Routes (nothing else exists; every other path is the same 404 as an unknown token):

* ``GET|HEAD /feeds/<token>.ics``: the latest published calendar of the token's person,
  ``text/calendar; charset=utf-8``, with ``ETag`` (sha256 of the bytes; weak ``W/`` when
  gzipped), ``Last-Modified`` (publish time of the version in which the person's bytes
  last changed), 304 on ``If-None-Match`` / ``If-Modified-Since``, and a pre-gzipped body
  when the client accepts gzip.
* ``GET|HEAD /admin/links.csv`` and ``/admin/links.html``: every published person with
  their subscription link when the links folder holds it and it is still active, behind
  ``Authorization: Bearer <admin secret>`` (401 otherwise, or always if no secret is set).

Around the routes (outermost first): an access log without tokens or client addresses,
a guard (only GET/HEAD, no request bodies, a token bucket per client address -> 429),
and Starlette's GZipMiddleware for everything but the feeds (whose gzip form is made
once, at publish time, and stored beside the raw bytes).

Feed bytes are cached in memory by token hash (raw and gzip form); the cache is dropped
whenever the database changes (``PRAGMA data_version``, checked on each request), so a
publish, rotate or revoke from the CLI takes effect on the next request without a restart.
"""

from __future__ import annotations

import hmac
import logging
import re
import time
from collections import OrderedDict
from contextlib import asynccontextmanager
from dataclasses import dataclass
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from feeds.links import current_links, links_csv, links_html
from feeds.store import FeedStore, Served, token_hash

TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{43}")
"""The exact shape of a token from ``secrets.token_urlsafe(32)``."""

NOT_FOUND_BODY = b"Not found\n"
GZIP_MIN_BYTES = 500
MAX_PATH_CHARS = 256
access_logger = logging.getLogger("feeds.access")
logger = logging.getLogger("feeds")


@dataclass(frozen=True)
class FeedConfig:
    """Settings of the feed service.

    Attributes:
        db: the feed database (SQLite) written by ``feeds publish``.
        base_url: the public address of the service (for links on the admin pages).
        admin_secret: bearer secret of the admin pages; ``None`` disables them (401).
        links_dir: the folder holding links.csv written by publish/rotate, or None.
        rate: sustained requests per second allowed per client address.
        burst: bucket size: requests a client may make at once.
        cache_bytes: upper bound of the in-memory feed cache.
        refresh_seconds: seconds clients are told to wait (Cache-Control max-age).
        lang: language of the admin page texts.
    """

    db: Path
    base_url: str = "http://127.0.0.1:8080"
    admin_secret: str | None = None
    links_dir: Path | None = None
    rate: float = 10.0
    burst: int = 60
    cache_bytes: int = 512 * 1024 * 1024
    refresh_seconds: int = 0
    lang: str = "nb"


# ---- responses ------------------------------------------------------------------------------
def not_found() -> Response:
    """The one 404: unknown, revoked, malformed tokens and every other path look alike."""
    return Response(NOT_FOUND_BODY, status_code=404, media_type="text/plain",
                    headers={"cache-control": "no-store"})


def _http_date(value) -> str:
    return format_datetime(value, usegmt=True)


def _accepts_gzip(header: str) -> bool:
    """Whether an Accept-Encoding value allows gzip (RFC 9110 12.5.3).

    An explicit ``gzip`` entry wins over ``*``; ``q=0`` refuses; a malformed q refuses.
    """
    quality: dict[str, float] = {}
    for part in header.split(","):
        name, *params = (p.strip() for p in part.split(";"))
        name = name.lower()
        if not name:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
        quality[name] = q
    q = quality.get("gzip", quality.get("x-gzip", quality.get("*", 0.0)))
    return q > 0


def _etag_matches(header: str, etag_hex: str) -> bool:
    """Weak comparison (RFC 9110 13.1.2): ``*`` or any listed tag with the same opaque value."""
    for tag in header.split(","):
        tag = tag.strip()
        if tag == "*":
            return True
        if tag.startswith("W/"):
            tag = tag[2:]
        if tag.strip('"') == etag_hex:
            return True
    return False


@dataclass(frozen=True)
class _Entry:
    served: Served
    last_modified: str
    size: int


class FeedCache:
    """Feed bytes by token hash; dropped as a whole when the database changes."""

    def __init__(self, store: FeedStore, max_bytes: int) -> None:
        self.store = store
        self.max_bytes = max_bytes
        self.entries: OrderedDict[str, _Entry | None] = OrderedDict()
        self.size = 0
        self.version = store.data_version()

    def get(self, token: str) -> _Entry | None:
        version = self.store.data_version()
        if version != self.version:
            self.entries.clear()
            self.size = 0
            self.version = version
        key = token_hash(token)
        if key in self.entries:
            self.entries.move_to_end(key)
            return self.entries[key]
        served = self.store.lookup(token)
        entry = None
        if served is not None:
            entry = _Entry(served, _http_date(served.modified_at), len(served.body) + len(served.gz))
            self.size += entry.size
            self.entries[key] = entry
            while self.size > self.max_bytes and len(self.entries) > 1:
                _, old = self.entries.popitem(last=False)
                self.size -= old.size if old is not None else 0
        # misses are not cached: a guessing client must not fill memory
        return entry


class FeedService:
    """The route handlers, sharing one store connection on the event loop's thread."""

    def __init__(self, config: FeedConfig) -> None:
        self.config = config
        self._store: FeedStore | None = None
        self._cache: FeedCache | None = None
        self.cache_control = (f"private, max-age={config.refresh_seconds}" if config.refresh_seconds
                              else "private, no-cache")

    @property
    def store(self) -> FeedStore:
        if self._store is None:
            self._store = FeedStore(self.config.db)
        return self._store

    @property
    def cache(self) -> FeedCache:
        if self._cache is None:
            self._cache = FeedCache(self.store, self.config.cache_bytes)
        return self._cache

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
            self._cache = None

    async def feed(self, request: Request) -> Response:
        token = request.path_params["token"]
        if not TOKEN_RE.fullmatch(token):
            return not_found()
        entry = self.cache.get(token)
        if entry is None:
            return not_found()
        served = entry.served
        headers = {
            "last-modified": entry.last_modified,
            "cache-control": self.cache_control,
            "vary": "Accept-Encoding",
            "x-content-type-options": "nosniff",
            "referrer-policy": "no-referrer",
        }
        gz = (_accepts_gzip(request.headers.get("accept-encoding", ""))
              and len(served.body) >= GZIP_MIN_BYTES)
        headers["etag"] = f'W/"{served.etag}"' if gz else f'"{served.etag}"'
        inm = request.headers.get("if-none-match")
        if inm is not None:
            fresh = _etag_matches(inm, served.etag)
        else:
            fresh = _not_modified_since(request.headers.get("if-modified-since"), served)
        if fresh:
            return Response(status_code=304, headers=headers)
        headers["content-disposition"] = 'inline; filename="calendar.ics"'
        if gz:
            headers["content-encoding"] = "gzip"
            body = served.gz
        else:
            body = served.body
        return Response(body, headers=headers, media_type="text/calendar; charset=utf-8")

    # ---- admin -----------------------------------------------------------------------------
    def _authorised(self, request: Request) -> bool:
        secret = self.config.admin_secret
        if not secret:
            return False
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(given.strip().encode("utf-8"), secret.encode("utf-8"))

    def _unauthorised(self) -> Response:
        return Response(b"Unauthorized\n", status_code=401, media_type="text/plain",
                        headers={"www-authenticate": 'Bearer realm="feeds-admin"',
                                 "cache-control": "no-store"})

    def _links(self):
        return current_links(self.store, self.config.base_url, self.config.links_dir)

    async def admin_csv(self, request: Request) -> Response:
        if not self._authorised(request):
            return self._unauthorised()
        return Response(links_csv(self._links()), media_type="text/csv; charset=utf-8",
                        headers={"cache-control": "no-store", "x-content-type-options": "nosniff"})

    async def admin_html(self, request: Request) -> Response:
        if not self._authorised(request):
            return self._unauthorised()
        page = links_html(self._links(), lang=self.config.lang)
        return Response(page, media_type="text/html; charset=utf-8",
                        headers={"cache-control": "no-store", "x-content-type-options": "nosniff",
                                 "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
                                 "referrer-policy": "no-referrer"})


def _not_modified_since(header: str | None, served: Served) -> bool:
    if not header:
        return False
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return False
    if since is None or since.tzinfo is None:
        return False
    return served.modified_at <= since


# ---- middleware -----------------------------------------------------------------------------
async def _send_simple(send: Send, status: int, body: bytes, extra: list[tuple[bytes, bytes]] = ()) -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
               (b"cache-control", b"no-store"), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class TokenBucket:
    """Per-client token buckets: ``rate`` requests/s sustained, ``burst`` at once."""

    def __init__(self, rate: float, burst: int, max_clients: int = 100_000) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.max_clients = max_clients
        self.buckets: dict[str, list[float]] = {}

    def allow(self, client: str, now: float | None = None) -> float:
        """0.0 if the request may go ahead, else the seconds until it could."""
        now = time.monotonic() if now is None else now
        bucket = self.buckets.get(client)
        if bucket is None:
            if len(self.buckets) >= self.max_clients:
                self._forget_idle(now)
            bucket = self.buckets[client] = [self.burst, now]
        tokens = min(self.burst, bucket[0] + (now - bucket[1]) * self.rate)
        bucket[1] = now
        if tokens >= 1.0:
            bucket[0] = tokens - 1.0
            return 0.0
        bucket[0] = tokens
        return (1.0 - tokens) / self.rate if self.rate > 0 else 60.0

    def _forget_idle(self, now: float) -> None:
        full = self.burst / self.rate if self.rate > 0 else 0.0
        for key in [k for k, (_, last) in self.buckets.items() if now - last >= full]:
            del self.buckets[key]
        if len(self.buckets) >= self.max_clients:  # a flood of addresses: start again
            self.buckets.clear()


class Guard:
    """Only GET/HEAD, no bodies, short paths, and a rate limit per client address."""

    def __init__(self, app: ASGIApp, rate: float, burst: int) -> None:
        self.app = app
        self.limiter = TokenBucket(rate, burst) if rate > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            await self.app(scope, receive, send)
            return
        if self.limiter is not None:
            client = scope.get("client")
            wait = self.limiter.allow(client[0] if client else "?")
            if wait > 0:
                await _send_simple(send, 429, b"Too many requests\n",
                                   [(b"retry-after", str(max(1, int(wait + 0.999))).encode())])
                return
        method = scope["method"]
        if method not in ("GET", "HEAD"):
            await _send_simple(send, 405, b"Method not allowed\n", [(b"allow", b"GET, HEAD")])
            return
        for name, value in scope["headers"]:
            if name == b"transfer-encoding" or (name == b"content-length" and value.strip() not in (b"0", b"")):
                await _send_simple(send, 413, b"Request bodies are not accepted\n")
                return
        if len(scope["path"]) > MAX_PATH_CHARS:
            await _send_simple(send, 404, NOT_FOUND_BODY)
            return
        await self.app(scope, receive, send)


_TOKENISH = re.compile(r"[A-Za-z0-9_%-]{8,}")


def redact_path(path: str) -> str:
    """The path for the log, with anything that could be a token cut to 4 characters + '…'.

    Not only ``/feeds/<token>.ics``: a link pasted with a prefix (``/calendar/feeds/...``),
    a doubled slash or percent-encoded characters must not put a token into the log either,
    so every run of 8 or more URL-safe characters is cut. Long paths are cut at 64.
    """
    redacted = _TOKENISH.sub(lambda m: m.group(0)[:4] + "…", path)
    return redacted[:64] + ("…" if len(redacted) > 64 else "")


class AccessLog:
    """One log line per request: method, redacted path, status, bytes, milliseconds.

    No client address, query string, token or header is logged.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not access_logger.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 0
        sent = 0

        async def logged_send(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and scope["method"] != "HEAD":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, logged_send)
        finally:
            access_logger.info('"%s %s" %d %d %.1fms', scope["method"], redact_path(scope["path"]),
                               status, sent, 1000 * (time.perf_counter() - start))


# ---- the app --------------------------------------------------------------------------------
def create_app(config: FeedConfig) -> ASGIApp:
    """The feed service as an ASGI app (serve it with uvicorn)."""
    service = FeedService(config)

    async def _not_found(request: Request, exc: Exception) -> Response:
        return not_found()

    routes = [
        Route("/feeds/{token}.ics", service.feed, methods=["GET", "HEAD"]),
        Route("/admin/links.csv", service.admin_csv, methods=["GET", "HEAD"]),
        Route("/admin/links.html", service.admin_html, methods=["GET", "HEAD"]),
    ]
    @asynccontextmanager
    async def lifespan(app):
        if not config.admin_secret:
            logger.warning("no admin secret is set: the admin pages answer 401")
        service.store  # open the database on the event loop's thread  # noqa: B018
        yield
        service.close()

    app = Starlette(routes=routes, exception_handlers={404: _not_found, 405: _not_found},
                    lifespan=lifespan)
    app.router.redirect_slashes = False
    app.state.service = service
    gzipped = GZipMiddleware(app, minimum_size=GZIP_MIN_BYTES, compresslevel=6)

    async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
        # feeds carry their own pre-gzipped bodies; the middleware compresses the rest
        if scope["type"] == "http" and scope["path"].startswith("/feeds/"):
            await app(scope, receive, send)
        else:
            await gzipped(scope, receive, send)

    return AccessLog(Guard(dispatch, config.rate, config.burst))
