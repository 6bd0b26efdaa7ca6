"""The calendar feed service (issue 4), tested over real HTTP against the running service.

Every test publishes a plan written by ``scheduler.export.write_plan`` (a hand-made plan
for recruit K1R02 of the example instance), starts the service with uvicorn on a free
loopback port in a background thread, and fetches with httpx. Feeds are parsed with
icalendar, vobject and recurring-ical-events; a CalDAV test stores a feed in Radicale.
"""

from __future__ import annotations

import gzip
import logging
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import icalendar
import pytest
import recurring_ical_events
import vobject
from click.testing import CliRunner

import models
from feeds import FeedStore, publish_plan, resequence, token_hash
from feeds.app import NOT_FOUND_BODY, FeedConfig, TokenBucket, redact_path
from feeds.links import LINKS_CSV, LINKS_HTML, TOKEN_IN_URL
from feeds.server import serve_in_thread
from models.plan import Activity, Assignment, ClassDay, Plan, Result, Status
from scheduler.export import event_uid, write_plan

EXAMPLE = Path(__file__).resolve().parents[1].parent / "shared" / "example-instance"
if not EXAMPLE.exists():  # pragma: no cover - layout of a fresh checkout
    EXAMPLE = Path("/work/shared/example-instance")

V1_AT = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
V2_AT = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
RECRUIT = "K1R02"


# ---- a plan, made by hand ---------------------------------------------------------------------
def _dt(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M")


def _practice(day: str, code: str, start: str, end: str) -> Activity:
    return Activity(RECRUIT, date.fromisoformat(day), "practice", "vg1", "K1", "S02", "S02W1", "V006",
                    code, _dt(f"{day} {start}"), _dt(end if " " in end else f"{day} {end}"), True)


def _school(day: str) -> Activity:
    return Activity(RECRUIT, date.fromisoformat(day), "school", "vg1", "K1",
                    start=_dt(f"{day} 08:30"), end=_dt(f"{day} 15:00"))


def plan_v1() -> Plan:
    return Plan(
        assignments=[Assignment(RECRUIT, "vg1", "V006", "S02W1", "S02", 12)],
        activities=[
            _school("2026-10-22"),
            _practice("2026-10-24", "D", "07:30", "15:00"),   # changed in v2 (evening shift)
            _practice("2026-10-26", "D", "07:30", "15:00"),   # removed in v2
            _practice("2026-10-27", "N", "21:45", "2026-10-28 07:45"),  # unchanged night shift
        ],
        class_days=[ClassDay("K1", date(2026, 10, 22), "T1")],
    )


def plan_v2() -> Plan:
    return Plan(
        assignments=[Assignment(RECRUIT, "vg1", "V006", "S02W1", "S02", 12)],
        activities=[
            _school("2026-10-22"),
            _practice("2026-10-24", "A", "14:30", "22:00"),
            _practice("2026-10-27", "N", "21:45", "2026-10-28 07:45"),
            _practice("2026-10-29", "D", "07:30", "15:00"),   # new
        ],
        class_days=[ClassDay("K1", date(2026, 10, 22), "T1")],
    )


def result(plan: Plan) -> Result:
    return Result(status=Status.FEASIBLE, objective=1.0, best_bound=0.0, gap=1.0, wall_seconds=0.1,
                  plan=plan, kpis={"practice_days": 3})


def uid(day: str, activity: str = "practice") -> str:
    return event_uid("recruit", RECRUIT, date.fromisoformat(day), activity)


@pytest.fixture(scope="module")
def instance() -> models.Instance:
    return models.read(EXAMPLE)


# ---- a running service ------------------------------------------------------------------------
ADMIN_SECRET = "s3cret-for-the-admin-pages-only"


@dataclass
class Service:
    url: str
    db: Path
    plans: Path
    instance: models.Instance
    tokens: dict[tuple[str, str], str]

    @property
    def token(self) -> str:
        return self.tokens["recruit", RECRUIT]

    @property
    def feed_url(self) -> str:
        return f"{self.url}/feeds/{self.token}.ics"

    def publish(self, plan: Plan, now: datetime) -> None:
        folder = write_plan(self.instance, result(plan), self.plans / "plan")
        with FeedStore(self.db) as store:
            report = publish_plan(store, folder, self.instance, now=now)
        self.tokens.update({(i.kind, i.person_id): i.token for i in report.issued})


def start(tmp_path: Path, instance, **config) -> Iterator[Service]:
    svc = Service("", tmp_path / "feeds.sqlite", tmp_path / "plans", instance, {})
    svc.publish(plan_v1(), V1_AT)
    settings = {"rate": 0.0, "admin_secret": ADMIN_SECRET, "links_dir": tmp_path / "links", **config}
    with serve_in_thread(FeedConfig(db=svc.db, **settings)) as url:
        svc.url = url
        yield svc


@pytest.fixture
def service(tmp_path, instance) -> Iterator[Service]:
    yield from start(tmp_path, instance)


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as c:
        yield c


def events_by_uid(data: bytes) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in icalendar.Calendar.from_ical(data).walk("VEVENT")}


# ---- serving and parsing ----------------------------------------------------------------------
def test_feed_over_http_parses_with_three_parsers(service, client):
    r = client.get(service.feed_url, headers={"Accept-Encoding": "identity"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/calendar; charset=utf-8"
    assert r.headers["etag"].strip('"') == __import__("hashlib").sha256(r.content).hexdigest()
    assert "last-modified" in r.headers

    # icalendar (the writer's own library)
    cal = icalendar.Calendar.from_ical(r.content)
    assert str(cal["X-WR-CALNAME"]).endswith("Tomasz Dahl") and str(cal["NAME"]) == str(cal["X-WR-CALNAME"])
    assert "REFRESH-INTERVAL" in cal and "X-PUBLISHED-TTL" in cal and "SOURCE" not in cal
    ical_starts = {str(e["UID"]): e["DTSTART"].dt for e in cal.walk("VEVENT")}
    assert set(ical_starts) == {uid("2026-10-22", "school"), uid("2026-10-24"), uid("2026-10-26"),
                                uid("2026-10-27")}

    # vobject: same UIDs and the same instants (it resolves TZID through the VTIMEZONE)
    vcal = vobject.readOne(r.text)
    vob_starts = {ev.uid.value: ev.dtstart.value for ev in vcal.vevent_list}
    assert set(vob_starts) == set(ical_starts)
    for key, start in ical_starts.items():
        assert vob_starts[key] == start and vob_starts[key].utcoffset() == start.utcoffset()

    # recurring-ical-events: the events of October 2026, with the night shift crossing midnight
    occurrences = recurring_ical_events.of(cal).between(date(2026, 10, 1), date(2026, 11, 1))
    assert {str(e["UID"]) for e in occurrences} == set(ical_starts)
    night = next(e for e in occurrences if str(e["UID"]) == uid("2026-10-27"))
    assert night["DTEND"].dt - night["DTSTART"].dt == timedelta(hours=10)
    assert night["DTSTART"].dt.utcoffset() == timedelta(hours=1)  # winter time after 25 October


def test_head_has_headers_and_no_body(service, client):
    r = client.head(service.feed_url)
    assert r.status_code == 200 and r.content == b"" and r.headers["etag"]


def test_url_survives_republish_with_same_uids_and_raised_sequence(service, client):
    before = client.get(service.feed_url)
    old = events_by_uid(before.content)
    service.publish(plan_v2(), V2_AT)
    after = client.get(service.feed_url)  # the same URL
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
    new = events_by_uid(after.content)

    # unchanged events: same UID, SEQUENCE and bytes of DTSTAMP as before
    for key in (uid("2026-10-22", "school"), uid("2026-10-27")):
        assert new[key]["SEQUENCE"] == old[key]["SEQUENCE"] == 0
        assert new[key]["DTSTAMP"].dt == old[key]["DTSTAMP"].dt
    # the changed day keeps its UID and gets SEQUENCE 1 and the evening shift
    changed = new[uid("2026-10-24")]
    assert changed["SEQUENCE"] == 1 and changed["DTSTART"].dt.hour == 14
    assert uid("2026-10-26") not in new                 # removed: gone
    assert new[uid("2026-10-29")]["SEQUENCE"] == 0      # new
    # parsers other than icalendar agree
    assert {ev.uid.value for ev in vobject.readOne(after.text).vevent_list} == set(new)

    # a third publish changing the same event again raises SEQUENCE once more
    third = plan_v2()
    third.activities[1] = _practice("2026-10-24", "L", "08:00", "20:15")
    service.publish(third, V2_AT + timedelta(days=1))
    again = events_by_uid(client.get(service.feed_url).content)
    assert again[uid("2026-10-24")]["SEQUENCE"] == 2 and again[uid("2026-10-27")]["SEQUENCE"] == 0


def test_republishing_the_same_plan_keeps_etag_and_last_modified(service, client):
    first = client.get(service.feed_url)
    service.publish(plan_v1(), V2_AT)
    second = client.get(service.feed_url)
    assert second.content == first.content
    assert second.headers["etag"] == first.headers["etag"]
    assert second.headers["last-modified"] == first.headers["last-modified"]


def test_person_dropped_from_plan_gets_a_feed_without_events(service, client):
    sup_url = f"{service.url}/feeds/{service.tokens['supervisor', 'V006']}.ics"
    assert len(events_by_uid(client.get(sup_url).content)) == 3  # three supervised shifts
    empty = Plan(activities=[_school("2026-10-22")], class_days=plan_v1().class_days)
    service.publish(empty, V2_AT)
    r = client.get(sup_url)
    assert r.status_code == 200 and events_by_uid(r.content) == {}


# ---- conditional requests and gzip ------------------------------------------------------------
def test_conditional_requests_give_304(service, client):
    r = client.get(service.feed_url)
    etag, modified = r.headers["etag"], r.headers["last-modified"]
    assert modified == "Sun, 01 Nov 2026 12:00:00 GMT"  # the publish time of version 1

    r304 = client.get(service.feed_url, headers={"If-None-Match": etag})
    assert r304.status_code == 304 and r304.content == b"" and r304.headers["etag"] == etag
    strong = etag.removeprefix("W/")  # httpx asks for gzip, so the tag is weak
    assert client.get(service.feed_url, headers={"If-None-Match": f'"x", W/{strong}'}).status_code == 304
    assert client.get(service.feed_url, headers={"If-None-Match": strong}).status_code == 304
    assert client.get(service.feed_url, headers={"If-Modified-Since": modified}).status_code == 304
    earlier = "Sat, 31 Oct 2026 12:00:00 GMT"
    assert client.get(service.feed_url, headers={"If-Modified-Since": earlier}).status_code == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2)
    both = {"If-None-Match": '"stale"', "If-Modified-Since": modified}
    assert client.get(service.feed_url, headers=both).status_code == 200
    assert client.get(service.feed_url, headers={"If-Modified-Since": "yesterday"}).status_code == 200


def test_gzip_when_accepted(service, client):
    plain = client.get(service.feed_url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    raw = httpx.get(service.feed_url, headers={"Accept-Encoding": "gzip"})
    assert raw.headers["content-encoding"] == "gzip" and raw.headers["vary"] == "Accept-Encoding"
    assert raw.content == plain.content  # httpx decodes; check the wire form too
    with httpx.stream("GET", service.feed_url, headers={"Accept-Encoding": "gzip"}) as s:
        wire = b"".join(s.iter_raw())
    assert gzip.decompress(wire) == plain.content and len(wire) < len(plain.content)
    # the gzipped representation revalidates with its weak ETag
    assert raw.headers["etag"] == "W/" + plain.headers["etag"]
    assert client.get(service.feed_url, headers={"If-None-Match": raw.headers["etag"],
                                                 "Accept-Encoding": "gzip"}).status_code == 304


# ---- security ---------------------------------------------------------------------------------
def _alter(token: str) -> str:
    c = token[10]
    return token[:10] + ("A" if c != "A" else "B") + token[11:]


def test_guessed_truncated_altered_and_revoked_tokens_get_the_same_404(service, client):
    from feeds import new_token

    token = service.token
    assert client.get(service.feed_url).status_code == 200
    with FeedStore(service.db) as store:
        assert store.revoke("recruit", "K1R03")
    revoked = service.tokens["recruit", "K1R03"]
    paths = [
        f"/feeds/{new_token()}.ics",            # guessed
        f"/feeds/{token[:-1]}.ics",             # truncated
        f"/feeds/{token[:20]}.ics",
        f"/feeds/{_alter(token)}.ics",          # altered
        f"/feeds/{token.swapcase()}.ics",
        f"/feeds/{token}x.ics",
        f"/feeds/{revoked}.ics",                # revoked
        f"/feeds/{token}",                      # not the exact route pattern
        f"/feeds/{token}.ics/",
        f"/feeds/{token}.ICS",
        f"/feeds/{token_hash(token)}.ics",      # the stored hash is not a token
        "/feeds/", "/feeds", "/", "/admin/", "/ics/recruits/K1R02.ics",
        f"/feeds/..%2F{token}.ics", "/feeds/..%2F..%2Fetc%2Fpasswd",
        "/feeds/" + "A" * 4000 + ".ics",
    ]
    answers = [client.get(service.url + p) for p in paths]
    for p, r in zip(paths, answers, strict=True):
        assert r.status_code == 404, p
        assert r.content == NOT_FOUND_BODY, p
        assert {k: v for k, v in r.headers.items() if k != "date"} == \
            {k: v for k, v in answers[0].headers.items() if k != "date"}, p
    # path traversal with raw dots (httpx would normalise them away)
    with socket.create_connection(("127.0.0.1", int(service.url.rsplit(":", 1)[1]))) as s:
        s.sendall(f"GET /feeds/../feeds/{token}.ics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        reply = b""
        while chunk := s.recv(65536):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 404") and reply.endswith(NOT_FOUND_BODY)


def test_rotated_token_stops_and_the_new_one_works(service, client):
    old_url = service.feed_url
    with FeedStore(service.db) as store:
        issued = store.rotate("recruit", RECRUIT)
    assert client.get(old_url).status_code == 404
    assert client.get(f"{service.url}/feeds/{issued.token}.ics").status_code == 200


def test_tokens_are_stored_only_as_hashes(service):
    raw = b"".join(p.read_bytes() for p in service.db.parent.glob("feeds.sqlite*"))
    assert service.tokens and all(t.encode() not in raw for t in service.tokens.values())
    with FeedStore(service.db) as store:
        stored = {h for (h,) in store.conn.execute("SELECT hash FROM tokens")}
        assert stored == {token_hash(t) for t in service.tokens.values()}
        assert store.is_active(service.token, "recruit", RECRUIT)
        assert len(service.token) == 43  # 32 random bytes, URL-safe base64


def test_only_get_and_head_and_no_bodies(service, client):
    assert client.post(service.feed_url, content=b"x").status_code == 405
    assert client.request("DELETE", service.feed_url).status_code == 405
    r = client.request("GET", service.feed_url, content=b"x" * 10)
    assert r.status_code == 413


def test_rate_limit_gives_429(tmp_path, instance, client):
    for svc in start(tmp_path, instance, rate=1.0, burst=3):
        codes = [client.get(svc.feed_url).status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
        assert int(client.get(svc.feed_url).headers["retry-after"]) >= 1


def test_token_bucket_refills():
    bucket = TokenBucket(rate=2.0, burst=2)
    assert [bucket.allow("a", now=0.0) for _ in range(3)] == [0.0, 0.0, 0.5]
    assert bucket.allow("b", now=0.0) == 0.0  # per client
    assert bucket.allow("a", now=0.5) == 0.0


def test_admin_pages_need_the_secret(service, client):
    for page in ("/admin/links.csv", "/admin/links.html"):
        assert client.get(service.url + page).status_code == 401
        wrong = client.get(service.url + page, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and wrong.headers["www-authenticate"].startswith("Bearer")
        basic = client.get(service.url + page, headers={"Authorization": f"Basic {ADMIN_SECRET}"})
        assert basic.status_code == 401
    auth = {"Authorization": f"Bearer {ADMIN_SECRET}"}
    # no links file was written in this test: people are listed without links
    rows = client.get(service.url + "/admin/links.csv", headers=auth).text.splitlines()
    assert rows[0].startswith("kind,id,name,status") and "no link on file" in rows[1]
    assert service.token not in "".join(rows)


def test_access_log_has_no_tokens(service, client, caplog):
    caplog.set_level(logging.INFO, logger="feeds.access")
    client.get(service.feed_url)
    client.get(f"{service.url}/feeds/{_alter(service.token)}.ics?who=K1R02")
    time.sleep(0.05)
    lines = [r.getMessage() for r in caplog.records if r.name == "feeds.access"]
    assert len(lines) == 2
    assert all(service.token[4:12] not in line and "K1R02" not in line for line in lines)
    assert f"/feeds/{service.token[:4]}….ics" in lines[0] and " 200 " in lines[0]
    assert redact_path("/feeds/abcdefgh.ics") == "/feeds/abcd….ics"


# ---- the coordinator's commands ---------------------------------------------------------------
def test_cli_publish_rotate_revoke_list_and_links(tmp_path, instance):
    from cli import main

    folder = write_plan(instance, result(plan_v1()), tmp_path / "plan")
    runner = CliRunner()
    base = "https://feeds.example.no"
    out = runner.invoke(main, ["feeds", "publish", str(folder), str(EXAMPLE), "--links-out",
                               str(tmp_path / "links"), "--base-url", base])
    assert out.exit_code == 0, out.output
    db = tmp_path / "feeds.sqlite"  # beside the plan folder
    assert db.exists()
    csv_text = (tmp_path / "links" / LINKS_CSV).read_text(encoding="utf-8")
    people = len(instance.recruits) + len(instance.supervisors) + len(instance.teachers) \
        + len(instance.classes) + len(instance.sites)
    assert csv_text.count(f"{base}/feeds/") == people
    assert csv_text.count("webcal://feeds.example.no/feeds/") == people
    page = (tmp_path / "links" / LINKS_HTML).read_text(encoding="utf-8")
    assert page.count("<svg") == people and "Tomasz Dahl" in page

    def link_of(kind: str, pid: str) -> str:
        for line in (tmp_path / "links" / LINKS_CSV).read_text(encoding="utf-8").splitlines():
            if line.startswith(f"{kind},{pid},"):
                m = TOKEN_IN_URL.search(line.split(",")[4])
                return m.group(1) if m else ""
        raise AssertionError(pid)

    before = link_of("recruit", RECRUIT)
    common = ["--db", str(db), "--links-out", str(tmp_path / "links"), "--base-url", base]
    out = runner.invoke(main, ["feeds", "rotate", "recruit", RECRUIT, *common])
    assert out.exit_code == 0, out.output
    after = link_of("recruit", RECRUIT)
    assert after and after != before and after in out.output
    out = runner.invoke(main, ["feeds", "revoke", "recruit", "K1R03", *common])
    assert out.exit_code == 0 and "revoked" in out.output
    assert link_of("recruit", "K1R03") == ""
    # re-publishing keeps every link and issues none
    out = runner.invoke(main, ["feeds", "publish", str(folder), str(EXAMPLE), "--db", str(db),
                               "--links-out", str(tmp_path / "links"), "--base-url", base])
    assert out.exit_code == 0 and "0 new link(s)" in out.output
    assert link_of("recruit", RECRUIT) == after
    listing = runner.invoke(main, ["feeds", "list", "--db", str(db)])
    assert "K1R03" in listing.output and "revoked" in listing.output and after not in listing.output
    assert runner.invoke(main, ["feeds", "rotate", "recruit", "NOPE", "--db", str(db)]).exit_code == 2


def test_admin_pages_serve_links_written_by_publish(tmp_path, instance, client):
    from feeds import write_links

    for svc in start(tmp_path, instance):
        with FeedStore(svc.db) as store:
            issued = store.rotate("recruit", RECRUIT)
            write_links(store, tmp_path / "links", "http://old.example", [issued])
            store.revoke("recruit", "K1R03")
        auth = {"Authorization": f"Bearer {ADMIN_SECRET}"}
        text = client.get(svc.url + "/admin/links.csv", headers=auth).text
        # rebuilt on the service's base URL (FeedConfig's default here), not the file's
        assert f"http://127.0.0.1:8080/feeds/{issued.token}.ics" in text and "old.example" not in text
        assert "recruit,K1R03,Arne Kristiansen,revoked" in text
        page = client.get(svc.url + "/admin/links.html", headers={**auth, "Accept-Encoding": "gzip"})
        assert page.headers["content-encoding"] == "gzip" and page.text.count("<svg") == 1


def test_resequence_is_idempotent(instance, tmp_path):
    folder = write_plan(instance, result(plan_v1()), tmp_path / "plan")
    data = (folder / "ics" / "recruits" / f"{RECRUIT}.ics").read_bytes()
    once = resequence(data, None)
    assert resequence(data, once) == once
    assert icalendar.Calendar.from_ical(once).to_ical()  # still valid


# ---- CalDAV: Radicale ---------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def radicale(tmp_path) -> Iterator[str]:
    port = _free_port()
    config = tmp_path / "radicale.conf"
    config.write_text(
        f"[server]\nhosts = 127.0.0.1:{port}\n[auth]\ntype = none\n"
        f"[storage]\nfilesystem_folder = {tmp_path / 'collections'}\n"
        "[web]\ntype = none\n[logging]\nlevel = warning\n", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "radicale", "--config", str(config)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("Radicale did not start: "
                                       + (proc.stderr.read().decode() if proc.poll() is not None else "")) from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:  # pragma: no cover
            proc.kill()
            proc.wait()
        proc.stderr.close()


CALDAV_QUERY = b"""<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/><C:calendar-data/></D:prop>
  <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/></C:comp-filter></C:filter>
</C:calendar-query>"""


def test_feed_stored_in_caldav_server_and_read_back(service, radicale):
    feed = httpx.get(service.feed_url).content
    cal = icalendar.Calendar.from_ical(feed)
    tz = next(iter(cal.walk("VTIMEZONE")))
    sent = {str(e["UID"]): e["DTSTART"].dt for e in cal.walk("VEVENT")}
    collection = f"{radicale}/coordinator/k1r02/"
    with httpx.Client(auth=("coordinator", "x"), timeout=5.0) as dav:
        assert dav.request("MKCALENDAR", collection).status_code == 201
        for event in cal.walk("VEVENT"):
            one = icalendar.Calendar()
            one.add("PRODID", "-//Menn i helse//feed test//EN")
            one.add("VERSION", "2.0")
            one.add_component(tz)
            one.add_component(event)
            name = str(event["UID"]).split("@")[0] + ".ics"
            r = dav.put(collection + name, content=one.to_ical(),
                        headers={"Content-Type": "text/calendar; charset=utf-8"})
            assert r.status_code == 201, r.text
        report = dav.request("REPORT", collection, content=CALDAV_QUERY,
                             headers={"Depth": "1", "Content-Type": "application/xml"})
        assert report.status_code == 207
        datas = [el.text for el in ET.fromstring(report.content).iter("{urn:ietf:params:xml:ns:caldav}calendar-data")]
        back = {}
        for text in datas:
            for e in icalendar.Calendar.from_ical(text).walk("VEVENT"):
                back[str(e["UID"])] = e["DTSTART"].dt
        assert back == sent
        assert all(back[k].utcoffset() == sent[k].utcoffset() for k in sent)
        one = dav.get(collection + uid("2026-10-24").split("@")[0] + ".ics")
        assert one.status_code == 200 and uid("2026-10-24") in one.text
