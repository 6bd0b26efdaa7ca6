"""Writers of the plan folder (SPEC.md §4): plan.json, CSV files and .ics feeds.

The plan below is made by hand against the bundled example instance. It is not meant to
keep every rule (the writers do not check rules); it is chosen to hit the calendar edge
cases: the switch from summer to winter time on Sunday 2026-10-25 (a night shift runs
across it), ISO week 53 of 2026 (2026-12-28..2027-01-03) and a joint school day of K1/K2.
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import vobject
from icalendar import Calendar, Timezone

import models
from models.plan import Activity, Assignment, ClassDay, Plan, Result, Status
from scheduler.export import files as export_files
from scheduler.export import write_plan
from scheduler.export.ical import build_feeds, calendar_bytes, event_uid

EXAMPLE = Path(__file__).resolve().parents[2] / "shared" / "example-instance"
if not EXAMPLE.exists():  # pragma: no cover - layout of a fresh checkout
    EXAMPLE = Path("/work/shared/example-instance")
TZID = "Europe/Oslo"


@pytest.fixture(scope="module")
def instance() -> models.Instance:
    return models.read(EXAMPLE)


def dt(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M")


def practice(recruit: str, day: str, code: str, start: str, end: str, *, sup: str = "V006",
             ward: str = "S02W1", site: str = "S02", klass: str = "K1",
             with_sup: bool = True) -> Activity:
    return Activity(recruit, date.fromisoformat(day), "practice", "vg1", klass, site, ward, sup,
                    code, dt(start), dt(end), with_sup)


def school(recruit: str, day: str, klass: str = "K1", phase: str = "vg1") -> Activity:
    return Activity(recruit, date.fromisoformat(day), "school", phase, klass,
                    start=dt(f"{day} 08:30"), end=dt(f"{day} 15:00"))


def make_plan() -> Plan:
    return Plan(
        assignments=[
            Assignment("K1R02", "vg1", "V006", "S02W1", "S02", 12),
            Assignment("K2R06", "vg1", "V001", "S01W1", "S01", 20),
        ],
        activities=[
            school("K1R02", "2026-10-22"),
            school("K2R06", "2026-10-22", klass="K2"),
            # Saturday in summer time, Sunday of the switch, Monday in winter time
            practice("K1R02", "2026-10-24", "D", "2026-10-24 07:30", "2026-10-24 15:00"),
            practice("K1R02", "2026-10-25", "D", "2026-10-25 07:30", "2026-10-25 15:00"),
            practice("K1R02", "2026-10-26", "A", "2026-10-26 14:30", "2026-10-26 22:00"),
            # a night shift across the switch: 21:45 CEST -> 07:45 CET is 11 hours
            practice("K2R06", "2026-10-24", "N", "2026-10-24 21:45", "2026-10-25 07:45",
                     sup="V001", ward="S01W1", site="S01", klass="K2"),
            # ISO week 53 of 2026
            practice("K1R02", "2026-12-28", "D", "2026-12-28 07:30", "2026-12-28 15:00",
                     with_sup=False),
            practice("K1R02", "2027-01-03", "D", "2027-01-03 07:30", "2027-01-03 15:00"),
            school("K1R02", "2027-01-04", phase="vg2"),
        ],
        class_days=[
            ClassDay("K1", date(2026, 10, 22), "T1", "K2"),
            ClassDay("K2", date(2026, 10, 22), "T1", "K1"),
            ClassDay("K1", date(2027, 1, 4), "T2"),
        ],
    )


def make_result(plan: Plan | None, status: Status = Status.OPTIMAL) -> Result:
    return Result(
        status=status, objective=1234.56789012, best_bound=1200.0, gap=0.0281234567,
        wall_seconds=3.14159, plan=plan, breakdown={"travel": 32.0, "without_supervisor": 100.0},
        kpis={"practice_days": 6, "practice_days_without_supervisor": 1,
              "mean_travel_minutes": 16.0, "max_travel_minutes": 20,
              "weekend_shifts_per_recruit": {"min": 1, "max": 3}},
        explanation=["Løst til optimum."], per_recruit={"K1R02": {"travel": 12.0}},
    )


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def parse(data: bytes) -> Calendar:
    return Calendar.from_ical(data)


def text_of(cal: Calendar, key: str) -> str:
    """A TEXT property's value, unescaped by RFC 5545 3.3.11 (icalendar leaves NAME and X-
    properties as written, escapes included)."""
    return re.sub(r"\\([\\,;nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), str(cal[key]))


def events(data: bytes) -> list:
    return list(parse(data).walk("VEVENT"))


def event_on(data: bytes, day: date):
    found = [e for e in events(data) if e.get("DTSTART").dt.date() == day]
    assert len(found) == 1, f"expected one event on {day}, got {len(found)}"
    return found[0]


@pytest.fixture(scope="module")
def written(instance, tmp_path_factory) -> Path:
    return write_plan(instance, make_result(make_plan()), tmp_path_factory.mktemp("w") / "plan")


@pytest.fixture(scope="module")
def files(written) -> dict[str, bytes]:
    return tree(written)


# ---- the folder -----------------------------------------------------------------------------
def test_same_plan_gives_same_bytes(instance, tmp_path, files):
    again = write_plan(instance, make_result(make_plan()), tmp_path / "again")
    assert tree(again) == files
    # rewriting over an existing plan folder gives the same bytes too
    write_plan(instance, make_result(make_plan()), again)
    assert tree(again) == files


def test_calendars_rendered_by_two_processes_are_the_same_bytes(instance, tmp_path, files):
    """``workers`` renders the calendars in forked processes: same files, same order."""
    again = write_plan(instance, make_result(make_plan()), tmp_path / "two", workers=2)
    assert tree(again) == files
    assert list(build_feeds(instance, make_plan(), workers=3)) == list(build_feeds(instance, make_plan()))


def test_one_calendar_per_recruit_supervisor_teacher_class_and_site(instance, files):
    expected = {f"ics/{folder}/{x.id}.ics" for folder, items in [
        ("recruits", instance.recruits), ("supervisors", instance.supervisors),
        ("teachers", instance.teachers), ("classes", instance.classes), ("sites", instance.sites),
    ] for x in items}
    assert {k for k in files if k.startswith("ics/")} == expected
    assert {k for k in files if not k.startswith("ics/")} == {
        "plan.json", "assignments.csv", "recruit_calendar.csv", "class_calendar.csv"}
    # a calendar without events is still a calendar (K1R01 has nothing in this plan)
    assert events(files["ics/recruits/K1R01.ics"]) == []


def test_plan_json_keys_in_order_and_rounded(files):
    data = json.loads(files["plan.json"])
    assert list(data) == ["instance", "status", "objective", "best_bound", "gap",
                          "wall_seconds", "kpis", "breakdown", "explanation", "per_recruit"]
    assert data["instance"] == "Example: two small classes in Rogaland 2026-27"
    assert data["status"] == "OPTIMAL"
    assert data["objective"] == 1234.56789  # 6 decimals
    assert data["wall_seconds"] == 3.142  # 3 decimals
    assert data["explanation"] == ["Løst til optimum."]
    text = files["plan.json"].decode("utf-8")
    assert text.startswith('{\n  "instance"') and text.endswith("}\n")


def test_csv_files_have_header_rows_and_lf_line_ends(files):
    text = files["recruit_calendar.csv"].decode("utf-8")
    assert "\r" not in text
    lines = text.splitlines()
    assert lines[0] == ("recruit_id,date,activity,phase_id,class_id,site_id,ward_id,"
                        "supervisor_id,shift_code,start,end,with_supervisor")
    assert len(lines) == 1 + len(make_plan().activities)
    assert "K2R06,2026-10-24,practice,vg1,K2,S01,S01W1,V001,N,2026-10-24T21:45,2026-10-25T07:45,true" in lines
    assert files["class_calendar.csv"].decode().splitlines() == [
        "class_id,date,teacher_id,joint_with", "K1,2026-10-22,T1,K2", "K1,2027-01-04,T2,",
        "K2,2026-10-22,T1,K1"]
    assert files["assignments.csv"].decode().splitlines()[1] == "K1R02,vg1,V006,S02W1,S02,12"


# ---- RFC 5545 form --------------------------------------------------------------------------
def test_ics_lines_end_in_crlf_and_fold_at_75_octets(files):
    for name, data in files.items():
        if not name.endswith(".ics"):
            continue
        assert data.endswith(b"\r\n")
        assert b"\n" not in data.replace(b"\r\n", b""), name
        for line in data.split(b"\r\n"):
            assert len(line) <= 75, (name, line)


def test_our_folding_gives_icalendars_bytes(instance, files):
    """``calendar_bytes`` takes short lines as they are and lets icalendar fold the rest: the
    same bytes as ``Calendar.to_ical``, also for long lines with multi-octet characters and
    escapes at the fold."""
    long_name = "Ærlige Øyvind Åsmund " * 6 + "\\;,æ" * 20
    renamed = dataclasses.replace(instance, recruits=tuple(
        dataclasses.replace(r, name=long_name) if r.id == "K1R02" else r for r in instance.recruits))
    feeds = {**files, **build_feeds(renamed, make_plan())}
    folded = 0
    for name, data in feeds.items():
        if name.endswith(".ics"):
            cal = Calendar.from_ical(data)
            assert calendar_bytes(cal) == cal.to_ical() == data, name
            folded += b"\r\n " in data
    assert folded > 1


def test_calendar_header(files):
    data = files["ics/recruits/K1R02.ics"]
    text = data.decode("utf-8")
    cal = parse(data)
    assert "METHOD" not in cal
    assert "\r\nMETHOD" not in text
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["CALSCALE"]) == "GREGORIAN"
    assert "PRODID" in cal
    assert text_of(cal, "NAME") == text_of(cal, "X-WR-CALNAME") == "Menn i helse – Tomasz Dahl"
    assert str(cal["X-WR-TIMEZONE"]) == TZID
    assert "\r\nREFRESH-INTERVAL;VALUE=DURATION:PT6H\r\n" in text
    assert "\r\nX-PUBLISHED-TTL:PT6H\r\n" in text


def test_vtimezone_is_yearly_rules_not_rdate_list(files):
    data = files["ics/recruits/K1R02.ics"]
    (vtz,) = parse(data).walk("VTIMEZONE")
    assert str(vtz["TZID"]) == TZID
    subs = vtz.subcomponents
    assert sorted(s.name for s in subs) == ["DAYLIGHT", "STANDARD"]
    for s in subs:
        assert s["RRULE"]["FREQ"] == ["YEARLY"]
        assert "RDATE" not in s
    assert b"RDATE" not in data
    # the rules reproduce Oslo's offsets, read without the tz database (as Outlook does)
    tz = vtz.to_tz(lookup_tzid=False)
    for local, hours in [("2026-10-24 12:00", 2), ("2026-10-25 12:00", 1), ("2027-03-27 12:00", 1),
                         ("2027-03-28 12:00", 2), ("2028-10-30 12:00", 1)]:
        assert dt(local).replace(tzinfo=tz).utcoffset() == timedelta(hours=hours), local


TRICKY_ZONES = [
    ("America/Santiago", 2025, 2031),  # the first sunday on or after the 2nd: 2SU in 2029, 1SU otherwise
    ("Africa/Cairo", 2025, 2031),  # the last thursday at 24:00: friday, in november in 2030
    ("Africa/Casablanca", 2025, 2031),  # no summer time in Ramadan, moving every year
    ("Australia/Lord_Howe", 2025, 2031),  # a change of half an hour
    ("Antarctica/Troll", 2025, 2031),  # a change of two hours
    ("Europe/Dublin", 2025, 2031),  # winter is the "daylight" time in the tz database
    ("Pacific/Chatham", 2025, 2031),
    ("America/Asuncion", 2025, 2031),  # summer time abolished in 2024: one observance without a rule
    ("Asia/Almaty", 2023, 2025),  # one change, in march 2024: nothing in the first year
    ("America/Caracas", 2000, 2010),  # one change, in december 2007
]


@pytest.mark.parametrize(("tzid", "first", "last"), TRICKY_ZONES)
def test_vtimezone_of_any_zone_is_yearly_rules_a_reader_follows(tzid, first, last):
    """SPEC §4's rule-based VTIMEZONE for zones whose changes follow no 'n-th weekday' rule:
    never RDATE, and the rules, read without the tz database by icalendar, give the zone's
    offset all through the years the calendar needs (from ``first + 1``, as the writer
    passes a year before the plan's first): local time to UTC, as a client reads an event's
    DTSTART with its TZID, and UTC to local time. A sweep of all 599 zones of the tz
    database over 2000-2010, 2020-2040 and 2025-2031 passed the same checks and the
    validator's."""
    from scheduler.export.ical import _transitions, vtimezone

    data = vtimezone(tzid, first, last).to_ical()
    vtz = Timezone.from_ical(data)
    assert b"RDATE" not in data
    subs = [sub for sub in vtz.subcomponents if "RRULE" in sub]
    assert all(sub["RRULE"]["FREQ"] == ["YEARLY"] for sub in subs)
    assert len(vtz.subcomponents) - len(subs) <= 1  # at most the offset before the first change
    real, read = ZoneInfo(tzid), vtz.to_tz(lookup_tzid=False)
    local = datetime(first + 1, 1, 1)
    while local < datetime(last + 1, 1, 1):  # every 2 h 15 min, so that every hour of the day comes
        if local.replace(tzinfo=real, fold=0).utcoffset() == local.replace(tzinfo=real, fold=1).utcoffset():
            assert local.replace(tzinfo=read).utcoffset() == local.replace(tzinfo=real).utcoffset(), (tzid, local)
        local += timedelta(hours=2, minutes=15)
    moments = [datetime(y, m, 1, h, tzinfo=UTC) for y in range(first + 1, last + 1) for m in range(1, 13) for h in (0, 12)]
    for change in _transitions(real, first + 1, last):
        # (within the hour before a change the UTC -> local reading is the reader's own fold
        # logic: icalendar's dateutil is an hour off before Almaty's one-off change back, a
        # change between two standard times; every zone's yearly changes of 2025-2031 read
        # right at 15-minute steps)
        moments += [change.utc - timedelta(hours=2), change.utc + timedelta(hours=2)]
    for t in moments:
        assert t.astimezone(read).utcoffset() == t.astimezone(real).utcoffset(), (tzid, t)


def test_santiago_changes_on_the_first_sunday_on_or_after_the_2nd():
    from scheduler.export.ical import vtimezone

    data = vtimezone("America/Santiago", 2028, 2030).to_ical().decode()
    assert data.count("RRULE:FREQ=YEARLY;BYDAY=SU;BYMONTHDAY=2,3,4,5,6,7,8;BYMONTH=") == 2
    assert "UNTIL" not in data


def test_every_event_is_timed_with_tzid(files):
    for name, data in files.items():
        if name.endswith(".ics"):
            for e in events(data):
                for key in ("DTSTART", "DTEND"):
                    assert e[key].params["TZID"] == TZID, (name, key)
                    assert isinstance(e[key].dt, datetime) and e[key].dt.tzinfo is not None
                assert int(e["SEQUENCE"]) == 0


def test_local_times_across_the_dst_switch(files):
    data = files["ics/recruits/K1R02.ics"]
    sat = event_on(data, date(2026, 10, 24))["DTSTART"].dt
    sun = event_on(data, date(2026, 10, 25))["DTSTART"].dt
    assert (sat.hour, sat.minute, sat.utcoffset()) == (7, 30, timedelta(hours=2))
    assert (sun.hour, sun.minute, sun.utcoffset()) == (7, 30, timedelta(hours=1))
    assert b"DTSTART;TZID=Europe/Oslo:20261025T073000" in data
    # the night shift 21:45 summer time -> 07:45 winter time lasts 11 hours
    night = event_on(files["ics/recruits/K2R06.ics"], date(2026, 10, 24))
    start, end = night["DTSTART"].dt, night["DTEND"].dt
    assert (end.hour, end.minute, end.date()) == (7, 45, date(2026, 10, 25))
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=11)


def test_local_times_in_iso_week_53(files):
    data = files["ics/recruits/K1R02.ics"]
    for day in (date(2026, 12, 28), date(2027, 1, 3)):
        assert day.isocalendar()[:2] == (2026, 53)
        start = event_on(data, day)["DTSTART"].dt
        assert (start.date(), start.hour, start.minute) == (day, 7, 30)
        assert start.utcoffset() == timedelta(hours=1)


def test_dtstamp_is_the_plans_latest_date_unless_given(instance, files):
    for e in events(files["ics/recruits/K1R02.ics"]):
        assert e["DTSTAMP"].dt == datetime(2027, 1, 4, tzinfo=UTC)
    stamp = datetime(2026, 8, 1, 12, 0, tzinfo=UTC)
    feeds = build_feeds(instance, make_plan(), stamp=stamp)
    assert all(e["DTSTAMP"].dt == stamp for e in events(feeds["recruits/K1R02.ics"]))


# ---- UIDs -----------------------------------------------------------------------------------
def all_uids(feeds: dict[str, bytes]) -> dict[str, list[str]]:
    return {name: [str(e["UID"]) for e in events(data)] for name, data in feeds.items()}


def test_uids_are_unique_and_derived_from_identity(files):
    uids = [u for name, us in all_uids({k: v for k, v in files.items() if k.endswith(".ics")}).items()
            for u in us]
    assert len(uids) == len(set(uids))
    assert all(len(u) == len("@menn-i-helse") + 32 and u.endswith("@menn-i-helse") for u in uids)
    rec = event_on(files["ics/recruits/K1R02.ics"], date(2026, 10, 22))
    assert str(rec["UID"]) == event_uid("recruit", "K1R02", date(2026, 10, 22), "school")


def test_same_school_day_has_different_uids_in_class_and_recruit_feed(files):
    day = date(2026, 10, 22)
    in_class = event_on(files["ics/classes/K1.ics"], day)
    in_recruit = event_on(files["ics/recruits/K1R02.ics"], day)
    assert in_class["DTSTART"].dt == in_recruit["DTSTART"].dt
    assert str(in_class["UID"]) != str(in_recruit["UID"])


def test_uids_stay_when_an_unrelated_event_is_added(instance):
    before = all_uids(build_feeds(instance, make_plan()))
    plan = make_plan()
    plan.activities.append(practice("K2R06", "2026-11-02", "D", "2026-11-02 07:30",
                                    "2026-11-02 15:00", sup="V001", ward="S01W1", site="S01",
                                    klass="K2"))
    after = all_uids(build_feeds(instance, plan))
    for name, uids in before.items():
        assert set(uids) <= set(after[name]), name
    assert after["recruits/K1R02.ics"] == before["recruits/K1R02.ics"]
    assert len(after["recruits/K2R06.ics"]) == len(before["recruits/K2R06.ics"]) + 1


def test_uids_ignore_names_and_shift_times(instance):
    before = all_uids(build_feeds(instance, make_plan()))
    renamed = dataclasses.replace(instance, recruits=tuple(
        dataclasses.replace(r, name=r.name + " Jr.") for r in instance.recruits))
    plan = make_plan()
    plan.activities = [
        dataclasses.replace(a, start=a.start + timedelta(minutes=30), end=a.end + timedelta(minutes=30))
        if a.activity == "practice" else a for a in plan.activities]
    assert all_uids(build_feeds(renamed, plan)) == before


def test_names_with_commas_semicolons_backslashes_and_line_breaks_are_escaped(instance):
    """A name is TEXT wherever it goes: in NAME and X-WR-CALNAME of the calendar as in the
    events' SUMMARY (a comma unescaped there cuts the name short in readers like vobject; a
    line break unescaped is no calendar at all)."""
    odd = "Hansen, Ole; jr.\\ \nandre linje"
    renamed = dataclasses.replace(instance, recruits=tuple(
        dataclasses.replace(r, name=odd) if r.id == "K1R02" else r for r in instance.recruits))
    data = build_feeds(renamed, make_plan())["recruits/K1R02.ics"]
    assert "\r\nNAME:Menn i helse – Hansen\\, Ole\\; jr.\\\\ \\nandre linje\r\n" in data.decode()
    cal = parse(data)
    assert text_of(cal, "NAME") == text_of(cal, "X-WR-CALNAME") == f"Menn i helse – {odd}"
    assert vobject.readOne(data.decode()).x_wr_calname.value == f"Menn i helse – {odd}"


# ---- texts ----------------------------------------------------------------------------------
def test_norwegian_event_texts(files):
    rec = files["ics/recruits/K1R02.ics"]
    school_day = event_on(rec, date(2026, 10, 22))
    assert str(school_day["SUMMARY"]) == "Skole – Vg1"
    assert str(school_day["LOCATION"]) == "Skulevegen 1"  # the address (SPEC §4), the name is in the text
    shift = event_on(rec, date(2026, 10, 24))
    assert str(shift["SUMMARY"]) == "Praksis – dagvakt, Avdeling A, veileder Hilde Karlsen"
    assert str(shift["LOCATION"]) == "Gate 2, 5007"
    assert "Sjøbris sykehjem 2" in str(shift["SUMMARY"]) + str(shift["DESCRIPTION"])
    description = str(shift["DESCRIPTION"])
    for part in ("Sjøbris sykehjem 2", "Avdeling A", "D Dagvakt 07:30–15:00",
                 "Veileder: Hilde Karlsen", "Med veileder"):
        assert part in description
    alone = event_on(rec, date(2026, 12, 28))
    assert str(alone["SUMMARY"]) == "Praksis – dagvakt, Avdeling A, uten veileder"
    assert "Uten veileder" in str(alone["DESCRIPTION"])


def test_english_event_texts(instance):
    rec = build_feeds(instance, make_plan(), lang="en")["recruits/K1R02.ics"]
    assert str(event_on(rec, date(2026, 10, 22))["SUMMARY"]) == "School – Vg1"
    assert str(event_on(rec, date(2026, 10, 24))["SUMMARY"]) == (
        "Practice – dagvakt, Avdeling A, supervisor Hilde Karlsen")
    assert str(event_on(rec, date(2026, 12, 28))["SUMMARY"]) == (
        "Practice – dagvakt, Avdeling A, without supervisor")
    with pytest.raises(ValueError, match="language"):
        build_feeds(instance, make_plan(), lang="de")


def test_recruit_calendar_description_counts_his_shifts(instance, files):
    """Issue 5: a recruit's calendar says how many shifts he works, of which weekend,
    evening/night and public-holiday shifts (models.kpis.kpis_of), as DESCRIPTION and
    X-WR-CALDESC on the VCALENDAR. K1R02: D sat 24 Oct, D sun 25 Oct, A (evening) mon 26 Oct,
    D mon 28 Dec, D sun 3 Jan; K2R06: one night shift on a saturday."""
    cal = parse(files["ics/recruits/K1R02.ics"])
    counts = "Praksis: 5 vakter, herav 3 helgevakter, 1 kvelds-/nattevakt og 0 helligdagsvakter."
    assert str(cal["DESCRIPTION"]) == text_of(cal, "X-WR-CALDESC") == counts
    # escaped as TEXT (RFC 5545 3.3.11): a reader that splits on bare commas keeps it whole
    assert "\r\nX-WR-CALDESC:Praksis: 5 vakter\\, herav 3 helgevakter\\, " in files["ics/recruits/K1R02.ics"].decode()
    assert vobject.readOne(files["ics/recruits/K1R02.ics"].decode()).x_wr_caldesc.value == counts
    assert text_of(parse(files["ics/recruits/K2R06.ics"]), "X-WR-CALDESC") == (
        "Praksis: 1 vakt, herav 1 helgevakt, 1 kvelds-/nattevakt og 0 helligdagsvakter.")
    assert text_of(parse(files["ics/recruits/K1R01.ics"]), "X-WR-CALDESC") == "Praksis: ingen vakter."
    # only recruits' calendars carry the counts
    assert "X-WR-CALDESC" not in parse(files["ics/supervisors/V006.ics"])
    # a shift on Christmas Day (a friday) counts as a public-holiday shift, in English too
    plan = make_plan()
    plan.activities.append(practice("K1R02", "2026-12-25", "D", "2026-12-25 07:30", "2026-12-25 15:00"))
    feeds = build_feeds(instance, plan, lang="en")
    cal = parse(feeds["recruits/K1R02.ics"])
    assert str(cal["DESCRIPTION"]) == text_of(cal, "X-WR-CALDESC") == (
        "Practice: 6 shifts, of which 3 weekend shifts, 1 evening/night shift and 1 public-holiday shift.")
    assert feeds == build_feeds(instance, plan, lang="en")  # deterministic


def test_supervisor_site_teacher_and_class_feeds(files):
    # supervisor: only the shifts the recruit works with him (not 2026-12-28), naming him
    sup = events(files["ics/supervisors/V006.ics"])
    assert [e["DTSTART"].dt.date() for e in sup] == [
        date(2026, 10, 24), date(2026, 10, 25), date(2026, 10, 26), date(2027, 1, 3)]
    assert "Tomasz Dahl" in str(sup[0]["SUMMARY"])
    # site: every shift at the site, naming recruit and ward
    site = events(files["ics/sites/S02.ics"])
    assert len(site) == 5
    assert all("Tomasz Dahl" in str(e["SUMMARY"]) and "Avdeling A" in str(e["SUMMARY"]) for e in site)
    # teacher: one event for the joint day, naming both classes
    (joint,) = [e for e in events(files["ics/teachers/T1.ics"])]
    summary = str(joint["SUMMARY"])
    assert "Menn i helse 2026 A" in summary and "Menn i helse 2026 B" in summary
    assert "felles" in summary
    # class: its school days
    assert [e["DTSTART"].dt.date() for e in events(files["ics/classes/K1.ics"])] == [
        date(2026, 10, 22), date(2027, 1, 4)]
    assert str(events(files["ics/classes/K1.ics"])[1]["SUMMARY"]) == "Skole – Vg2"


def test_events_sorted_by_start(files):
    starts = [e["DTSTART"].dt for e in events(files["ics/recruits/K1R02.ics"])]
    assert starts == sorted(starts)


# ---- atomic writing and plans without a plan ------------------------------------------------
def test_failure_midway_leaves_the_previous_plan_intact(instance, tmp_path, monkeypatch):
    out = write_plan(instance, make_result(make_plan()), tmp_path / "plan")
    before = tree(out)
    real = export_files._write_bytes
    calls = {"n": 0}

    def failing(path: Path, data: bytes) -> None:
        calls["n"] += 1
        if calls["n"] == 5:
            raise OSError("disk full")
        real(path, data)

    monkeypatch.setattr(export_files, "_write_bytes", failing)
    plan = make_plan()
    plan.activities = plan.activities[:3]
    with pytest.raises(OSError, match="disk full"):
        write_plan(instance, make_result(plan), out)
    assert calls["n"] == 5
    assert tree(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["plan"]  # no temporary folder left


def test_without_a_plan_only_plan_json_is_written(instance, tmp_path):
    out = write_plan(instance, make_result(make_plan()), tmp_path / "plan")
    result = make_result(None, Status.INFEASIBLE)
    result.objective = result.best_bound = result.gap = None
    result.kpis = {}  # as the solver leaves them without a plan
    result.explanation = ["R1: K1R03 reaches no supervisor within 45 minutes (recruits.csv line 4)."]
    write_plan(instance, result, out)
    assert sorted(tree(out)) == ["plan.json"]
    data = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert data["status"] == "INFEASIBLE" and data["objective"] is None
    # SPEC §4's kpis keys are there all the same, each null: no plan, no figure
    assert data["kpis"] == {"max_travel_minutes": None, "mean_travel_minutes": None, "practice_days": None,
                            "practice_days_without_supervisor": None,
                            "weekend_shifts_per_recruit": {"max": None, "min": None}}
    assert data["explanation"] == result.explanation
    assert [p.name for p in tmp_path.iterdir()] == ["plan"]


def test_refuses_to_replace_a_folder_that_is_not_a_plan(instance, tmp_path):
    (tmp_path / "notes.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="not a plan folder"):
        write_plan(instance, make_result(make_plan()), tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "keep me"


def test_feed_base_url_gives_each_calendar_its_source(instance):
    feeds = build_feeds(instance, make_plan(), feed_base_url="https://example.org/plan/")
    text = feeds["recruits/K1R02.ics"].decode()
    assert "\r\nSOURCE;VALUE=URI:https://example.org/plan/ics/recruits/K1R02.ics\r\n" in text
    assert "SOURCE" not in build_feeds(instance, make_plan())["recruits/K1R02.ics"].decode()


def test_every_feed_folder_is_written_also_without_calendars(instance, tmp_path):
    """SPEC §4 names five feed folders; an instance without teachers still gets an empty
    ics/teachers/ (a reader that lists the folder finds it)."""
    no_teachers = dataclasses.replace(instance, teachers=[])
    assert not no_teachers.teachers
    out = write_plan(no_teachers, make_result(make_plan()), tmp_path / "plan")
    assert sorted(p.name for p in (out / "ics").iterdir()) == ["classes", "recruits", "sites", "supervisors",
                                                               "teachers"]
    assert list((out / "ics" / "teachers").iterdir()) == []
