"""Load benchmark of the calendar feed service (issue 4), on loopback only.

Builds a realistic feed with the real writer (``scheduler.export.build_feeds``): a year of
school days and shifts, about 250 events, for one recruit of the example instance; makes
one distinct copy per person (own name and UIDs, so every person has their own bytes,
ETag and cache entry), publishes them for 1,000 people into a fresh feed database, starts
``python cli.py serve`` in its own process on 127.0.0.1 as it runs in production (access
log at ``info``, written to a file; the per-client rate limiter on the path, with limits
high enough for one load client), and fires a bounded number of requests from simulated
subscribers over a fixed number of concurrent keep-alive connections, each request for a
random subscriber's feed. Afterwards the access log is checked: one line per request and
no token in it.

The load client is a thin asyncio HTTP/1.1 client (request line, headers, a body read by
Content-Length), not httpx: on this 2-core machine httpx's connection pool spent ~1 ms of
CPU per request and collapsed at 50 connections (about 250 req/s, p99 ~1 s, with the
server mostly idle), so it measured the client, not the service. httpx still checks one
answer (gzip, ETag, 304) before the load starts.

Scenarios (each is one run of ``--requests`` requests):

* ``full``: every request downloads the whole feed gzipped (``Accept-Encoding: gzip``,
  no validators): the worst case of a fleet of phones polling.
* ``poll``: every subscriber sends ``If-None-Match`` with the ETag it got last (its first
  request is a full download): the steady state when the plan did not change.
* ``identity``: full downloads without gzip (clients that do not ask for it).

Prints requests/s and p50/p99 latency per scenario and whether the bar (>= 1,000 req/s
and p99 < 50 ms) is met. The client runs on the same machine as the server, so the figures
include the client's share of the CPU.

    .venv/bin/python benchmarks/feeds_load.py [--people 1000] [--requests 20000] [--concurrency 50]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

import models  # noqa: E402
from feeds import FeedStore, PersonFeed  # noqa: E402
from models.plan import Activity, ClassDay, Plan  # noqa: E402
from scheduler.export import build_feeds  # noqa: E402

EXAMPLE = ROOT.parent / "shared" / "example-instance"
if not EXAMPLE.exists():
    EXAMPLE = Path("/work/shared/example-instance")
BAR_RPS = 1000.0
BAR_P99_MS = 50.0
RECRUIT = "K1R02"


def year_plan(first: date = date(2026, 8, 3), weeks: int = 47) -> Plan:
    """One recruit's year: school Mon-Wed, day shifts Thu-Fri, a long shift every other Saturday."""
    acts, days = [], []
    for w in range(weeks):
        monday = first + timedelta(weeks=w)
        phase = "vg1" if monday < date(2027, 1, 1) else "vg2"
        for d in range(3):
            day = monday + timedelta(days=d)
            acts.append(Activity(RECRUIT, day, "school", phase, "K1",
                                 start=datetime.combine(day, datetime.min.time()).replace(hour=8, minute=30),
                                 end=datetime.combine(day, datetime.min.time()).replace(hour=15)))
            days.append(ClassDay("K1", day, "T1"))
        shifts = [(3, "D", 7, 30, 15, 0), (4, "D", 7, 30, 15, 0)]
        if w % 2 == 0:
            shifts.append((5, "L", 8, 0, 20, 15))
        for d, code, h1, m1, h2, m2 in shifts:
            day = monday + timedelta(days=d)
            base = datetime.combine(day, datetime.min.time())
            acts.append(Activity(RECRUIT, day, "practice", phase, "K1", "S02", "S02W1", "V006", code,
                                 base.replace(hour=h1, minute=m1), base.replace(hour=h2, minute=m2),
                                 True))
    return Plan(activities=acts, class_days=days)


def person_feeds(people: int) -> tuple[list[PersonFeed], int]:
    """``people`` distinct copies of a real year feed (own name and UIDs), and its event count."""
    instance = models.read(EXAMPLE)
    feed = build_feeds(instance, year_plan())[f"recruits/{RECRUIT}.ics"].decode("utf-8")
    name = instance.recruit[RECRUIT].name
    events = feed.count("BEGIN:VEVENT")
    uid_re = re.compile(r"^UID:([0-9a-f]{32})@", re.M)
    out = []
    for i in range(people):
        pid = f"R{i:04d}"
        text = feed.replace(name, f"Rekrutt {i:04d}")
        text = uid_re.sub(lambda m, pid=pid: "UID:" + hashlib.sha256(
            f"{pid}{m.group(1)}".encode()).hexdigest()[:32] + "@", text)
        out.append(PersonFeed("recruit", pid, f"Rekrutt {i:04d}", text.encode("utf-8")))
    return out, events


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path, port: int, log: Path) -> subprocess.Popen:
    """``cli.py serve`` with the production defaults but a rate limit one load client cannot hit."""
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "cli.py"), "serve", str(db.parent / "plans"), "--db", str(db),
             "--host", "127.0.0.1", "--port", str(port), "--rate", "1000000", "--burst", "1000000",
             "--log-level", "info"],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                raise RuntimeError(f"the feed service did not start: {log.read_text()}") from None
            time.sleep(0.05)


def stop_server(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def check_log(log: Path, tokens: list[str], requests: int) -> str:
    """One access-log line per request, and no token (not even a 12-character piece) in the log."""
    text = log.read_text(encoding="utf-8")
    lines = sum(1 for line in text.splitlines() if " feeds.access " in line)
    assert lines >= requests, f"{lines} access-log lines for {requests} requests"
    pieces = {t[4:16] for t in tokens}
    leaked = sum(1 for piece in pieces if piece in text)
    assert not leaked, f"{leaked} token(s) appear in the access log"
    return f"access log: {lines} lines, {len(text) / 2**20:.1f} MiB, no token in it"


class _Connection:
    """One subscriber-side keep-alive HTTP/1.1 connection (a thin client: see the docstring)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        lines = [f"GET {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "User-Agent: feeds-load"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("ascii"))
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        got = {}
        for line in header_lines:
            if line:
                k, _, v = line.partition(":")
                got[k.strip().lower()] = v.strip()
        body = await self.reader.readexactly(int(got.get("content-length", "0")))
        if got.get("connection", "").lower() == "close":
            await self.close()
        return status, got, body

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:  # pragma: no cover
                pass
        self.reader = self.writer = None


async def _load(port: int, tokens: list[str], requests: int, concurrency: int, mode: str,
                time_limit: float, seed: int) -> dict:
    """Fire ``requests`` requests over ``concurrency`` keep-alive connections."""
    rng = random.Random(seed)
    order = [rng.randrange(len(tokens)) for _ in range(requests)]
    etags: dict[int, str] = {}
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    received = errors = next_i = 0
    deadline = time.perf_counter() + time_limit
    encoding = "identity" if mode == "identity" else "gzip"

    async def worker() -> None:
        nonlocal next_i, received, errors
        conn = _Connection("127.0.0.1", port)
        await conn.get(f"/feeds/{tokens[0]}.ics", {"Accept-Encoding": encoding})  # connect, warm up
        await barrier.wait()
        while next_i < len(order) and time.perf_counter() < deadline:
            who = order[next_i]
            next_i += 1
            headers = {"Accept-Encoding": encoding}
            if mode == "poll" and who in etags:
                headers["If-None-Match"] = etags[who]
            t0 = time.perf_counter()
            try:
                status, got, body = await conn.get(f"/feeds/{tokens[who]}.ics", headers)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                errors += 1
                await conn.close()
                continue
            latencies.append(time.perf_counter() - t0)
            received += len(body)
            statuses[status] = statuses.get(status, 0) + 1
            if status == 200:
                etags[who] = got["etag"]
        await conn.close()

    barrier = asyncio.Barrier(concurrency + 1)
    tasks = [asyncio.create_task(worker()) for _ in range(concurrency)]
    await barrier.wait()
    t_start = time.perf_counter()
    await asyncio.gather(*tasks)
    wall = time.perf_counter() - t_start
    latencies.sort()
    n = len(latencies)
    return {
        "mode": mode, "requests": n, "errors": errors, "seconds": wall, "rps": n / wall if wall else 0.0,
        "p50_ms": 1000 * statistics.median(latencies) if n else float("nan"),
        "p99_ms": 1000 * latencies[min(n - 1, int(0.99 * n))] if n else float("nan"),
        "mean_kb": received / n / 1024 if n else 0.0, "statuses": statuses,
    }


def check_with_httpx(port: int, token: str, feed: bytes) -> None:
    """One request through a real HTTP client, so the figures are for correct answers."""
    url = f"http://127.0.0.1:{port}/feeds/{token}.ics"
    r = httpx.get(url, headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers["content-encoding"] == "gzip", r.headers
    assert r.content.count(b"BEGIN:VEVENT") == feed.count(b"BEGIN:VEVENT")
    again = httpx.get(url, headers={"If-None-Match": r.headers["etag"], "Accept-Encoding": "gzip"})
    assert again.status_code == 304


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), or NaN."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):  # pragma: no cover
        return float("nan")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=1000)
    ap.add_argument("--requests", type=int, default=20000, help="requests per scenario")
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--time-limit", type=float, default=120.0, help="seconds per scenario at most")
    ap.add_argument("--modes", default="full,poll,identity")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)

    try:
        import uvloop
        uvloop.install()
    except ImportError:  # pragma: no cover
        pass

    with tempfile.TemporaryDirectory(prefix="feeds-load-") as tmp:
        db = Path(tmp) / "feeds.sqlite"
        t0 = time.perf_counter()
        feeds, events = person_feeds(args.people)
        with FeedStore(db) as store:
            report = store.publish(feeds, source="benchmark", instance="benchmark")
        tokens = [i.token for i in report.issued]
        size = len(feeds[0].ics)
        gz_size = len(__import__("gzip").compress(feeds[0].ics, 9))
        print(f"published {len(tokens)} feeds of {events} events each ({size / 1024:.0f} KiB, "
              f"{gz_size / 1024:.1f} KiB gzipped) in {time.perf_counter() - t0:.1f} s; "
              f"database {os.path.getsize(db) / 2**20:.0f} MiB")
        port = free_port()
        log = Path(tmp) / "serve.log"
        proc = start_server(db, port, log)
        try:
            check_with_httpx(port, tokens[0], feeds[0].ics)
            results = []
            for mode in [m.strip() for m in args.modes.split(",") if m.strip()]:
                cpu0, t0 = _cpu_seconds(proc.pid), time.process_time()
                res = asyncio.run(_load(port, tokens, args.requests, args.concurrency, mode,
                                        args.time_limit, args.seed))
                res["server_cpu"] = _cpu_seconds(proc.pid) - cpu0
                res["client_cpu"] = time.process_time() - t0
                results.append(res)
                ok = res["rps"] >= BAR_RPS and res["p99_ms"] < BAR_P99_MS
                print(f"{mode:<9} {res['requests']:>6} requests in {res['seconds']:5.1f} s: "
                      f"{res['rps']:7.0f} req/s, p50 {res['p50_ms']:5.1f} ms, p99 {res['p99_ms']:5.1f} ms, "
                      f"{res['mean_kb']:6.1f} KiB/response, statuses {res['statuses']}, errors {res['errors']}, "
                      f"CPU s server {res['server_cpu']:.1f} / client {res['client_cpu']:.1f}"
                      f" -> bar {'met' if ok else 'NOT met'}")
        finally:
            stop_server(proc)
        print(check_log(log, tokens, sum(r["requests"] for r in results)))
    met = all(r["rps"] >= BAR_RPS and r["p99_ms"] < BAR_P99_MS and not r["errors"] for r in results)
    print(f"bar (>= {BAR_RPS:.0f} req/s, p99 < {BAR_P99_MS:.0f} ms, {args.people} subscribers, "
          f"concurrency {args.concurrency}): {'met' if met else 'NOT met'} in every scenario"
          if met else f"bar (>= {BAR_RPS:.0f} req/s, p99 < {BAR_P99_MS:.0f} ms): NOT met in every scenario")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
