"""The feed database (SQLite): people, capability tokens and published plan versions.

Only a sha256 hash of each token is stored. The token itself exists once: in the return
value of :meth:`FeedStore.issue` / :meth:`FeedStore.rotate`, which the CLI writes into the
coordinator's links file. Losing that file means rotating, never recovering.

Tables::

    people   (kind, person_id, name)                 one row per person, class and site
    tokens   (hash, kind, person_id, created_at,     every token ever issued; the active
              revoked_at, reason)                    one has revoked_at NULL
    versions (id, published_at, source, instance)    one row per publish
    blobs    (hash, body, gz)                        feed bytes by sha256, with gzip form
    feeds    (version_id, kind, person_id, hash,     which bytes each person has in each
              modified_at, dropped)                  version and since when; dropped = 1 for
                                                     the empty feed of someone not in that plan
    events   (kind, person_id, uid, sequence,        every event UID a person's feed ever
              content, dtstamp)                      published, as last published (SEQUENCE)

A feed's ``modified_at`` (its HTTP Last-Modified) is the publish time of the version in
which its bytes last changed, so a re-publish that leaves someone's calendar alone keeps
their 304s. Bytes are shared between versions (content addressed), so keeping a few
versions costs little. The event history outlives pruned versions, so an event's
SEQUENCE never goes down, even when it was absent from some versions in between.
"""

from __future__ import annotations

import gzip
import hashlib
import secrets
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from feeds.versioning import EventState, event_states, resequence_with_states, without_events

KINDS: tuple[str, ...] = ("recruit", "supervisor", "teacher", "class", "site")
"""Feed owners: recruits, supervisors, teachers, and classes and sites for coordinators."""

FOLDER_OF_KIND = {"recruit": "recruits", "supervisor": "supervisors", "teacher": "teachers",
                  "class": "classes", "site": "sites"}
KIND_OF_FOLDER = {v: k for k, v in FOLDER_OF_KIND.items()}

TOKEN_BYTES = 32
"""Random bytes per token (256 bits; ``secrets.token_urlsafe`` gives 43 characters)."""

GZIP_LEVEL = 9

_SCHEMA = """
CREATE TABLE IF NOT EXISTS people (
    kind TEXT NOT NULL, person_id TEXT NOT NULL, name TEXT NOT NULL,
    PRIMARY KEY (kind, person_id));
CREATE TABLE IF NOT EXISTS tokens (
    hash TEXT PRIMARY KEY, kind TEXT NOT NULL, person_id TEXT NOT NULL,
    created_at TEXT NOT NULL, revoked_at TEXT, reason TEXT);
CREATE INDEX IF NOT EXISTS tokens_person ON tokens (kind, person_id);
CREATE TABLE IF NOT EXISTS versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT, published_at TEXT NOT NULL,
    source TEXT NOT NULL, instance TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blobs (hash TEXT PRIMARY KEY, body BLOB NOT NULL, gz BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS feeds (
    version_id INTEGER NOT NULL REFERENCES versions (id), kind TEXT NOT NULL,
    person_id TEXT NOT NULL, hash TEXT NOT NULL REFERENCES blobs (hash),
    modified_at TEXT NOT NULL, dropped INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (version_id, kind, person_id));
CREATE TABLE IF NOT EXISTS events (
    kind TEXT NOT NULL, person_id TEXT NOT NULL, uid TEXT NOT NULL,
    sequence INTEGER NOT NULL, content TEXT NOT NULL, dtstamp TEXT NOT NULL,
    PRIMARY KEY (kind, person_id, uid));
"""


def token_hash(token: str) -> str:
    """The stored form of a token: sha256 hex of its UTF-8 bytes."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh capability token: 32 random bytes, URL-safe base64 without padding."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).replace(microsecond=0).isoformat()


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown feed kind {kind!r}; expected one of {', '.join(KINDS)}")
    return kind


@dataclass(frozen=True)
class PersonFeed:
    """One person's (class's, site's) calendar for a publish."""

    kind: str
    person_id: str
    name: str
    ics: bytes


@dataclass(frozen=True)
class Issued:
    """A token handed out now: the only moment the plain token exists."""

    kind: str
    person_id: str
    name: str
    token: str
    created_at: str


@dataclass(frozen=True)
class Person:
    """A row of :meth:`FeedStore.people`."""

    kind: str
    person_id: str
    name: str
    status: str  # "active" | "revoked" | "none"
    token_hash: str | None
    token_created_at: str | None
    in_latest: bool  # in the latest plan (False: not published, or only an empty feed)
    revoked_at: str | None = None  # status "revoked": when the last link was revoked


@dataclass(frozen=True)
class PublishReport:
    version_id: int
    published_at: str
    feeds: int
    changed: int
    emptied: int
    issued: list[Issued]


@dataclass(frozen=True)
class Served:
    """What the service needs to answer for one token."""

    body: bytes
    gz: bytes
    etag: str  # sha256 hex of body
    modified_at: datetime


class FeedStore:
    """The SQLite feed database at ``path`` (created on first use, WAL mode)."""

    def __init__(self, path: str | Path, *, create: bool = True) -> None:
        self.path = Path(path)
        if not create and not self.path.exists():
            raise FileNotFoundError(f"no feed database at {self.path}; publish a plan first")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        self.conn.execute("PRAGMA busy_timeout=5000")
        self.conn.executescript(_SCHEMA)
        columns = {row[1] for row in self.conn.execute("PRAGMA table_info(feeds)")}
        if "dropped" not in columns:  # a database made before the column existed
            self.conn.execute("ALTER TABLE feeds ADD COLUMN dropped INTEGER NOT NULL DEFAULT 0")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> FeedStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def data_version(self) -> int:
        """Changes whenever another connection commits (cheap; the service polls it)."""
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    # ---- tokens ------------------------------------------------------------------------
    def _active_hash(self, kind: str, person_id: str) -> str | None:
        row = self.conn.execute(
            "SELECT hash FROM tokens WHERE kind=? AND person_id=? AND revoked_at IS NULL",
            (kind, person_id)).fetchone()
        return row[0] if row else None

    def _name(self, kind: str, person_id: str) -> str:
        row = self.conn.execute("SELECT name FROM people WHERE kind=? AND person_id=?",
                                (kind, person_id)).fetchone()
        return row[0] if row else person_id

    def _insert_token(self, kind: str, person_id: str, now: datetime) -> Issued:
        token = new_token()
        created = _iso(now)
        self.conn.execute(
            "INSERT INTO tokens (hash, kind, person_id, created_at) VALUES (?, ?, ?, ?)",
            (token_hash(token), kind, person_id, created))
        return Issued(kind, person_id, self._name(kind, person_id), token, created)

    def _known(self, kind: str, person_id: str) -> bool:
        return self.conn.execute("SELECT 1 FROM people WHERE kind=? AND person_id=?",
                                 (kind, person_id)).fetchone() is not None

    def rotate(self, kind: str, person_id: str, *, now: datetime | None = None) -> Issued:
        """Revoke the person's token (if any) and issue a new one (also after a revoke)."""
        check_kind(kind)
        now = now or _now()
        with self._tx():
            if not self._known(kind, person_id):
                raise KeyError(f"no {kind} with id {person_id!r} has been published")
            self.conn.execute(
                "UPDATE tokens SET revoked_at=?, reason='rotated' WHERE kind=? AND person_id=? "
                "AND revoked_at IS NULL", (_iso(now), kind, person_id))
            return self._insert_token(kind, person_id, now)

    def revoke(self, kind: str, person_id: str, *, now: datetime | None = None) -> bool:
        """Revoke the person's active token; False if there was none. No new token is made."""
        check_kind(kind)
        with self._tx():
            if not self._known(kind, person_id):
                raise KeyError(f"no {kind} with id {person_id!r} has been published")
            cur = self.conn.execute(
                "UPDATE tokens SET revoked_at=?, reason='revoked' WHERE kind=? AND person_id=? "
                "AND revoked_at IS NULL", (_iso(now or _now()), kind, person_id))
            return cur.rowcount > 0

    def is_active(self, token: str, kind: str | None = None, person_id: str | None = None) -> bool:
        """Whether ``token`` is a person's active token (and that person's, when given)."""
        row = self.conn.execute("SELECT kind, person_id FROM tokens WHERE hash=? AND revoked_at IS NULL",
                                (token_hash(token),)).fetchone()
        if row is None:
            return False
        return (kind is None or row[0] == kind) and (person_id is None or row[1] == person_id)

    # ---- people ------------------------------------------------------------------------
    def latest_version(self) -> int | None:
        row = self.conn.execute("SELECT max(id) FROM versions").fetchone()
        return row[0]

    def people(self) -> list[Person]:
        """Every person ever published, with the status of their link."""
        latest = self.latest_version()
        rows = self.conn.execute(
            """SELECT p.kind, p.person_id, p.name, t.hash, t.created_at,
                      EXISTS (SELECT 1 FROM tokens r WHERE r.kind=p.kind AND r.person_id=p.person_id),
                      EXISTS (SELECT 1 FROM feeds f WHERE f.version_id=? AND f.kind=p.kind
                              AND f.person_id=p.person_id AND NOT f.dropped),
                      (SELECT max(r.revoked_at) FROM tokens r WHERE r.kind=p.kind AND r.person_id=p.person_id)
               FROM people p LEFT JOIN tokens t
                 ON t.kind=p.kind AND t.person_id=p.person_id AND t.revoked_at IS NULL""",
            (latest if latest is not None else -1,)).fetchall()
        order = {k: i for i, k in enumerate(KINDS)}
        out = [Person(kind, pid, name, "active" if h else ("revoked" if any_token else "none"),
                      h, created, bool(in_latest), None if h else revoked)
               for kind, pid, name, h, created, any_token, in_latest, revoked in rows]
        return sorted(out, key=lambda p: (order.get(p.kind, 99), p.person_id))

    # ---- publishing --------------------------------------------------------------------
    def _previous(self, version_id: int | None) -> dict[tuple[str, str], tuple[str, str, bytes]]:
        if version_id is None:
            return {}
        rows = self.conn.execute(
            "SELECT f.kind, f.person_id, f.hash, f.modified_at, b.body FROM feeds f "
            "JOIN blobs b ON b.hash=f.hash WHERE f.version_id=?", (version_id,))
        return {(k, p): (h, m, body) for k, p, h, m, body in rows}

    def _history(self, kind: str, person_id: str, previous: bytes | None) -> dict[str, EventState]:
        """UID -> state of every event the person's feed ever published.

        Every publish records all of its events, so the table is complete for anyone
        published since it exists; for a database made before it, the previous version's
        bytes stand in.
        """
        rows = self.conn.execute(
            "SELECT uid, sequence, content, dtstamp FROM events WHERE kind=? AND person_id=?",
            (kind, person_id)).fetchall()
        if rows:
            return {uid: EventState(seq, content, stamp) for uid, seq, content, stamp in rows}
        return event_states(previous) if previous is not None else {}

    def _record_events(self, kind: str, person_id: str, states: dict[str, EventState],
                       history: dict[str, EventState]) -> None:
        rows = [(kind, person_id, uid, st.sequence, st.content, st.dtstamp)
                for uid, st in states.items() if history.get(uid) != st]
        self.conn.executemany(
            "INSERT INTO events (kind, person_id, uid, sequence, content, dtstamp) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (kind, person_id, uid) DO UPDATE SET "
            "sequence=excluded.sequence, content=excluded.content, dtstamp=excluded.dtstamp", rows)

    def _put_blob(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        if self.conn.execute("SELECT 1 FROM blobs WHERE hash=?", (digest,)).fetchone() is None:
            gz = gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)
            self.conn.execute("INSERT INTO blobs (hash, body, gz) VALUES (?, ?, ?)", (digest, data, gz))
        return digest

    def publish(
        self,
        feeds: Iterable[PersonFeed],
        *,
        source: str = "",
        instance: str = "",
        now: datetime | None = None,
        keep: int = 10,
    ) -> PublishReport:
        """Publish a plan version: every person's feed bytes, in one transaction.

        Each feed is passed through :func:`feeds.versioning.resequence` against the same
        person's event history (SEQUENCE raised for changed events, UIDs kept, and never
        lower than in any earlier version). People of the previous version who are missing now keep a feed without
        events, so that their phones drop the events instead of keeping stale ones. People
        who never had a token get one (returned in ``issued``); revoked people do not.

        Args:
            feeds: one :class:`PersonFeed` per person, class and site.
            source: where the feeds came from (the plan folder), for ``feeds list``.
            instance: the instance's name.
            now: the publish time (default: now, whole seconds, UTC).
            keep: how many versions to keep; older ones and unused bytes are deleted.
        """
        now = now or _now()
        published = _iso(now)
        issued: list[Issued] = []
        changed = emptied = count = 0
        with self._tx():
            prev_id = self.latest_version()
            prev = self._previous(prev_id)
            vid = self.conn.execute(
                "INSERT INTO versions (published_at, source, instance) VALUES (?, ?, ?)",
                (published, source, instance)).lastrowid
            seen: set[tuple[str, str]] = set()
            todo = [(f.kind, f.person_id, f.name, f.ics, False) for f in feeds]
            for kind, pid, _name, _body, _ in todo:
                check_kind(kind)
                if (kind, pid) in seen:
                    raise ValueError(f"the {kind} {pid!r} has two feeds in one publish")
                seen.add((kind, pid))
            for (kind, pid), (_h, _m, body) in sorted(prev.items()):
                if (kind, pid) not in seen:
                    todo.append((kind, pid, self._name(kind, pid), without_events(body), True))
            for kind, pid, name, raw, dropped in todo:
                old = prev.get((kind, pid))
                history = self._history(kind, pid, old[2] if old else None)
                data, states = resequence_with_states(raw, history)
                self._record_events(kind, pid, states, history)
                digest = self._put_blob(data)
                if old is not None and old[0] == digest:
                    modified = old[1]
                else:
                    changed += 1
                    modified = published
                    if old is not None and datetime.fromisoformat(old[1]) >= now:
                        # two publishes within one second: keep Last-Modified increasing
                        modified = _iso(datetime.fromisoformat(old[1]) + timedelta(seconds=1))
                self.conn.execute(
                    "INSERT INTO feeds (version_id, kind, person_id, hash, modified_at, dropped) "
                    "VALUES (?, ?, ?, ?, ?, ?)", (vid, kind, pid, digest, modified, int(dropped)))
                if dropped:
                    emptied += 1
                    continue
                count += 1
                self.conn.execute(
                    "INSERT INTO people (kind, person_id, name) VALUES (?, ?, ?) "
                    "ON CONFLICT (kind, person_id) DO UPDATE SET name=excluded.name",
                    (kind, pid, name))
                has_any = self.conn.execute("SELECT 1 FROM tokens WHERE kind=? AND person_id=?",
                                            (kind, pid)).fetchone()
                if has_any is None:
                    issued.append(self._insert_token(kind, pid, now))
            self._prune(keep)
        return PublishReport(vid, published, count, changed, emptied, issued)

    def _prune(self, keep: int) -> None:
        keep = max(1, keep)
        self.conn.execute(
            "DELETE FROM feeds WHERE version_id NOT IN "
            "(SELECT id FROM versions ORDER BY id DESC LIMIT ?)", (keep,))
        self.conn.execute(
            "DELETE FROM versions WHERE id NOT IN (SELECT id FROM versions ORDER BY id DESC LIMIT ?)",
            (keep,))
        self.conn.execute("DELETE FROM blobs WHERE hash NOT IN (SELECT hash FROM feeds)")

    def versions(self) -> list[tuple[int, str, str, str]]:
        """(id, published_at, source, instance) of every kept version, newest first."""
        return self.conn.execute(
            "SELECT id, published_at, source, instance FROM versions ORDER BY id DESC").fetchall()

    # ---- serving -----------------------------------------------------------------------
    def lookup(self, token: str) -> Served | None:
        """The latest published feed of the token's person, or None (unknown/revoked/none)."""
        row = self.conn.execute(
            """SELECT b.body, b.gz, b.hash, f.modified_at FROM tokens t
               JOIN feeds f ON f.kind=t.kind AND f.person_id=t.person_id
                           AND f.version_id=(SELECT max(id) FROM versions)
               JOIN blobs b ON b.hash=f.hash
               WHERE t.hash=? AND t.revoked_at IS NULL""", (token_hash(token),)).fetchone()
        if row is None:
            return None
        return Served(row[0], row[1], row[2], datetime.fromisoformat(row[3]))
