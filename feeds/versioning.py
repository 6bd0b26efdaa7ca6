"""Published feed versions: SEQUENCE bumps and byte stability across re-publishes.

The plan writers give every event ``SEQUENCE:0`` and a ``DTSTAMP`` fixed by the plan.
A subscribed phone needs more: when an event that it already holds changes, its
``SEQUENCE`` must go up (same ``UID``), and events that did not change should stay
byte-identical so that an unchanged feed keeps its ETag and clients get 304s.

:func:`resequence` does this on the iCalendar *text* (no parse/serialise round trip, so
the writer's bytes are kept exactly, and 250,000 events publish in seconds). Events are
compared by ``UID`` with what was published before for the same feed: the previous
bytes, or better the feed's *event history* (:class:`EventState` per UID ever
published, kept by the store), so that an event removed in one version and back in a
later one still gets a higher ``SEQUENCE`` than any version a phone may have seen. An
event's content is every property line except ``DTSTAMP`` and ``SEQUENCE``:

* unchanged event: previous ``SEQUENCE`` and previous ``DTSTAMP`` are kept;
* changed event: ``SEQUENCE`` = previous + 1, the new ``DTSTAMP``, or one second after
  the previous one when the new is not later (two plans that end on the same day have the
  same stamp; RFC 5545 has DTSTAMP say when the event was last revised);
* new event: as written (``SEQUENCE:0``);
* removed event: gone from the feed (its history stays).

Calendar-level ``SOURCE`` lines are dropped: the plan folder's static address names the
person's id, and the capability URL is the only address a feed should have.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

CRLF = "\r\n"
_DROP_CALENDAR = ("SOURCE",)
_DROP_WHEN_EMPTY = ("DESCRIPTION", "X-WR-CALDESC")
_VOLATILE = ("DTSTAMP", "SEQUENCE")


_NAME = re.compile(r"[^:;]*")


def _name(logical: str) -> str:
    """The property name of an unfolded content line (upper case)."""
    return _NAME.match(logical).group(0).upper()


class _Line:
    """One content line: its physical (folded) lines, the unfolded text and the name."""

    __slots__ = ("logical", "name", "physical")

    def __init__(self, physical: list[str]) -> None:
        self.physical = physical
        first = physical[0]
        self.logical = first if len(physical) == 1 else first + "".join(p[1:] for p in physical[1:])
        self.name = _NAME.match(first).group(0).upper()

    def text(self) -> str:
        return CRLF.join(self.physical)


class _Event:
    """A top-level VEVENT: its lines from BEGIN:VEVENT to END:VEVENT."""

    def __init__(self, lines: list[_Line]) -> None:
        self.lines = lines

    def get(self, name: str) -> _Line | None:
        for line in self.lines:
            if line.name == name:
                return line
        return None

    @cached_property
    def uid(self) -> str:
        line = self.get("UID")
        return line.logical.split(":", 1)[1] if line is not None else ""

    @property
    def sequence(self) -> int:
        line = self.get("SEQUENCE")
        try:
            return int(line.logical.split(":", 1)[1]) if line is not None else 0
        except ValueError:
            return 0

    @cached_property
    def content(self) -> tuple[str, ...]:
        """Every line but DTSTAMP and SEQUENCE (which are the only lines ever replaced)."""
        return tuple(line.logical for line in self.lines if line.name not in _VOLATILE)


@dataclass
class _Calendar:
    head: list[_Line]  # BEGIN:VCALENDAR, properties, VTIMEZONE, ... before the events
    events: list[_Event]
    tail: list[_Line]  # END:VCALENDAR and anything after the last event

    def to_bytes(self) -> bytes:
        parts = [line.text() for line in self.head]
        for e in self.events:
            parts.extend(line.text() for line in e.lines)
        parts.extend(line.text() for line in self.tail)
        return (CRLF.join(parts) + CRLF).encode("utf-8")


def _lines(data: bytes) -> list[_Line]:
    text = data.decode("utf-8")
    groups: list[list[str]] = []
    for raw in text.replace("\r\n", "\n").split("\n"):
        if not raw:
            continue
        if raw[0] in " \t" and groups:
            groups[-1].append(raw)
        else:
            groups.append([raw])
    return [_Line(g) for g in groups]


def split_calendar(data: bytes) -> _Calendar:
    """Cut an iCalendar text into head, top-level VEVENTs and tail (line-exact)."""
    head: list[_Line] = []
    events: list[_Event] = []
    tail: list[_Line] = []
    current: list[_Line] | None = None
    depth = 0
    for line in _lines(data):
        logical = line.logical.upper()
        if current is not None:
            current.append(line)
            if logical.startswith("BEGIN:"):
                depth += 1
            elif logical.startswith("END:"):
                depth -= 1
                if depth == 0:
                    events.append(_Event(current))
                    current = None
            continue
        if logical == "BEGIN:VEVENT":
            current, depth = [line], 1
            continue
        (tail if events else head).append(line)
    if current is not None:
        raise ValueError("the calendar ends inside a VEVENT")
    # calendar-level lines between events (unusual) belong to the head
    if tail and tail[-1].logical.upper() == "END:VCALENDAR":
        head.extend(tail[:-1])
        tail = tail[-1:]
    return _Calendar(head, events, tail)


def _with(event: _Event, name: str, line: _Line | None, after: str = "UID") -> None:
    """Replace the ``name`` line of ``event`` by ``line`` (insert after ``after`` if absent)."""
    for i, old in enumerate(event.lines):
        if old.name == name:
            if line is None:
                del event.lines[i]
            else:
                event.lines[i] = line
            return
    if line is None:
        return
    for i, old in enumerate(event.lines):
        if old.name == after:
            event.lines.insert(i + 1, line)
            return
    event.lines.insert(len(event.lines) - 1, line)


def _calendar_level(head: list[_Line], drop: tuple[str, ...]) -> list[_Line]:
    """``head`` without the calendar's own ``drop`` properties (those of VTIMEZONE etc. stay)."""
    out, depth = [], 0
    for line in head:
        name = line.name
        if name == "BEGIN":
            depth += 1
        elif name == "END":
            depth -= 1
        elif depth == 1 and name in drop:
            continue
        out.append(line)
    return out


@dataclass(frozen=True)
class EventState:
    """What a feed last published for one UID: enough to resequence a later version."""

    sequence: int
    content: str  # sha256 hex of the event's lines other than DTSTAMP and SEQUENCE
    dtstamp: str  # the published DTSTAMP line, unfolded


def _content_digest(event: _Event) -> str:
    return hashlib.sha256("\n".join(event.content).encode("utf-8")).hexdigest()


def _state(event: _Event) -> EventState:
    stamp = event.get("DTSTAMP")
    return EventState(event.sequence, _content_digest(event), stamp.logical if stamp is not None else "")


_STAMP = re.compile(r"DTSTAMP:(\d{8}T\d{6})Z$")


def _later_stamp(new: _Line | None, old: str) -> str | None:
    """A DTSTAMP line one second after ``old`` when the ``new`` line is not later than it
    (both UTC, ``DTSTAMP:YYYYMMDDTHHMMSSZ``); None when the new one may stay or either
    cannot be read."""
    m_old = _STAMP.match(old or "")
    m_new = _STAMP.match(new.logical) if new is not None else None
    if m_old is None or m_new is None or m_new.group(1) > m_old.group(1):
        return None
    bumped = datetime.strptime(m_old.group(1), "%Y%m%dT%H%M%S") + timedelta(seconds=1)
    return f"DTSTAMP:{bumped:%Y%m%dT%H%M%S}Z"


def event_states(feed: bytes) -> dict[str, EventState]:
    """The :class:`EventState` of every event of ``feed``, by UID."""
    return {e.uid: _state(e) for e in split_calendar(feed).events}


def resequence(new: bytes, previous: bytes | Mapping[str, EventState] | None) -> bytes:
    """The bytes to publish for ``new``, given what the feed published before.

    Args:
        new: the feed as the plan writer made it (every ``SEQUENCE`` 0).
        previous: the previously published bytes of the same feed, or its event history
            (UID -> :class:`EventState`, including events no longer in the feed), or
            ``None`` for a first publish.

    Returns:
        ``new`` without calendar-level ``SOURCE``, with ``SEQUENCE``/``DTSTAMP`` of each
        event set as described in the module docstring. Publishing the same feed twice
        gives the same bytes.
    """
    return resequence_with_states(new, previous)[0]


def resequence_with_states(new: bytes, previous: bytes | Mapping[str, EventState] | None
                           ) -> tuple[bytes, dict[str, EventState]]:
    """:func:`resequence`, and the :class:`EventState` of every event it publishes."""
    cal = split_calendar(new)
    cal.head = _calendar_level(cal.head, _DROP_CALENDAR)
    if previous is None:
        before: Mapping[str, EventState] = {}
    elif isinstance(previous, bytes | bytearray):
        before = event_states(previous)
    else:
        before = previous
    states = {}
    for event in cal.events:
        digest = _content_digest(event)
        old = before.get(event.uid)
        if old is not None and old.content == digest:
            _with(event, "SEQUENCE", _Line([f"SEQUENCE:{old.sequence}"]))
            if old.dtstamp:
                _with(event, "DTSTAMP", _Line([old.dtstamp]))
        elif old is not None:
            _with(event, "SEQUENCE", _Line([f"SEQUENCE:{old.sequence + 1}"]))
            later = _later_stamp(event.get("DTSTAMP"), old.dtstamp)
            if later is not None:
                _with(event, "DTSTAMP", _Line([later]))
        stamp = event.get("DTSTAMP")
        states[event.uid] = EventState(event.sequence, digest, stamp.logical if stamp is not None else "")
    return cal.to_bytes(), states


def without_events(feed: bytes) -> bytes:
    """The same calendar with every VEVENT removed (for a person dropped from the plan).

    The calendar's ``DESCRIPTION``/``X-WR-CALDESC`` go too: they summarise the events
    (a recruit's shift counts) and would be stale.
    """
    cal = split_calendar(feed)
    cal.events = []
    cal.head = _calendar_level(cal.head, _DROP_WHEN_EMPTY)
    return cal.to_bytes()
