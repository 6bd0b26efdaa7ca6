"""Generate the example instances ``trondheim-2026`` and ``rogaland-2026``.

Run ``python instances/generate.py`` from the repository root (or anywhere): it rewrites
both folders next to this file. The output depends only on the parameters below and on
each instance's seed, so a rerun gives the same bytes. Only the standard library is used.

How the data is made up
-----------------------
Everything is invented but shaped after the "Menn i helse" evaluations (see DOMAIN.md):

* **Sites** are hand-picked places (district names + "sykehjem", "helsehus", ...) with
  approximate real coordinates in the municipalities around the school, and invented
  street addresses with real postcodes. Any likeness to a real institution's wards,
  staff or rosters is coincidence.
* **Wards** are spread over the sites to reach the wanted number; home-care bases only
  have ``home_care`` wards. Ward types, capacities (1-3 recruits a day) and
  ``first_placement_ok`` (false for most dementia and home-care wards) are drawn from
  the weights below.
* **Rosters** are hand-written 6-week rotations (``ROSTERS``) in the style of Norwegian
  nursing-home rosters: day (D), evening (A), night (N) and long (L) shifts, every 2nd
  or 3rd weekend on, part-time rosters with fewer shifts. ``check_roster`` verifies the
  11-hour rest between shifts (also across the wrap from week 6 to week 1), the weekend
  rhythm and that the hours fit the position percentage (35.5 h/week = 100 %).
* **Supervisors** are placed on wards (at least one per ward, more on larger wards), get
  a roster from a fixed quota per instance, and a ``roster_start`` Monday picked so that
  colleagues on the same ward are phase-shifted. About 70 % are trained (``qualified``);
  a few full-time day workers take two recruits.
* **Recruits** live within ~10 km of a site (weighted towards the city), never in the
  sea (crude water boxes per region). Each one has at least four sites within 45 minutes
  of estimated travel, where travel is estimated as the planner does: haversine km x 1.3
  road factor at 50 km/h plus 5 minutes. ``travel.csv`` overrides about a quarter of the
  recruit-site pairs with that estimate jittered by at most +-15 %.
* **Limits and wishes**: some recruits have a 45 or 75 minute travel limit, a few cannot
  work weekends, at most two per class cannot work one weekday, and that weekday is the
  same for the whole class (``mon`` or ``fri``) so that the weekly model can still give
  every recruit two consecutive practice days. About a third prefer one or two nearby
  sites, a few avoid a ward type.
* **Calendars** are the 2026-27 school calendars of the county (closures.csv); public
  holidays are left to the planner, but this script computes them itself to size
  ``min_school_days`` of the block-model instance.
* **Absences**: a few sick-leave spells of supervisors, one teacher on a course, a few
  days of leave for recruits (and summer holidays for some supervisors in Rogaland,
  where a summer practice phase exists).

Before writing, the script checks that all recruits of a phase can be matched to wards
they can reach without exceeding ward capacity or supervisor slots (a max-flow bound),
and prints a short summary.
"""

from __future__ import annotations

import csv
import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# --------------------------------------------------------------------------- shifts

SHIFTS = (
    ("D", "Dagvakt", "07:30", "15:00"),
    ("A", "Kveldsvakt", "14:30", "22:00"),
    ("N", "Nattevakt", "21:45", "07:45"),
    ("L", "Langvakt", "08:00", "20:15"),
)
FULL_TIME_HOURS = 35.5  # weekly hours of a 100 % position on a rotating roster
MIN_REST_HOURS = 11


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


# start and end in minutes from midnight of the shift's date (end may pass 24:00)
SHIFT_SPAN = {
    code: (_minutes(s), _minutes(e) + (1440 if _minutes(e) <= _minutes(s) else 0)) for code, _, s, e in SHIFTS
}
SHIFT_HOURS = {code: (end - start) / 60 for code, (start, end) in SHIFT_SPAN.items()}

# --------------------------------------------------------------------------- rosters


@dataclass(frozen=True)
class RosterTemplate:
    """A rotating roster: one string per week, seven codes mon..sun, '-' = off."""

    id: str
    position_pct: int
    weeks: tuple[str, ...]
    night: bool = False  # counts as a night roster

    def cells(self) -> list[list[str]]:
        return [w.split() for w in self.weeks]


# fmt: off
ROSTERS = {
    r.id: r
    for r in (
        # full time, day shifts with some evenings, every 3rd weekend
        RosterTemplate("R100A", 100, (
            "D D - - D D D",
            "D D D A A - -",
            "D D - D D - -",
            "- - D D A A A",
            "- D D D D - -",
            "D A A - D - -",
        )),
        # full time, day and long shifts, every 3rd weekend
        RosterTemplate("R100B", 100, (
            "D D D - D - -",
            "- L - D - L L",
            "- D D D D - -",
            "D D - D D - -",
            "D - L - - L L",
            "- D D D D - -",
        )),
        # full time, day shifts only, every 3rd weekend
        RosterTemplate("R100C", 100, (
            "D D D D D - -",
            "D D - D D - -",
            "- D D - D D D",
            "- D D D D - -",
            "D D D - D - -",
            "D - D D - D D",
        )),
        # full time on long days (12 h), every 3rd weekend
        RosterTemplate("RL100", 100, (
            "- L - - L L L",
            "- - L - L - -",
            "L - L - L - -",
            "- L - - L L L",
            "- - L - L - -",
            "L - L - D - -",
        )),
        # 80 %, day and evening, every 2nd weekend
        RosterTemplate("R80A", 80, (
            "- - D D - A A",
            "- D D - A - -",
            "D D - - D D D",
            "- A A - D - -",
            "D - - D D A A",
            "- D D D - - -",
        )),
        # 80 %, day and long shifts, every 2nd weekend
        RosterTemplate("R80B", 80, (
            "D D - D - - -",
            "- D D - D D D",
            "- D - D D - -",
            "D - L - - L L",
            "- D D - D - -",
            "D - D - - D D",
        )),
        # 75 %, day and evening, every 3rd weekend
        RosterTemplate("R75", 75, (
            "- A - - D D D",
            "D D A - - - -",
            "- - D D A - -",
            "- D - - A A A",
            "- D D D D - -",
            "D - A A - - -",
        )),
        # 60 %, day and evening, every 3rd weekend
        RosterTemplate("R60", 60, (
            "D - - D - - -",
            "- - D - - D D",
            "- D - A A - -",
            "D - D - D - -",
            "- A - - D D D",
            "- D - D - - -",
        )),
        # 60 %, clustered long shifts leaving a free week
        RosterTemplate("R60G", 60, (
            "- - L L - - -",
            "- - - - L L L",
            "- - - - - - -",
            "L - L - - - -",
            "- D - - - L L",
            "- - D D - - -",
        )),
        # 50 %, mostly evenings, every 2nd weekend
        RosterTemplate("R50", 50, (
            "- - A - - A A",
            "- - - D - - -",
            "- A - - - A A",
            "- D - D - - -",
            "- - A A - A A",
            "- D - - - - -",
        )),
        # 50 %, weekend-heavy with thin weeks, every 3rd weekend
        RosterTemplate("R50G", 50, (
            "D - - - - D D",
            "- - - A - - -",
            "- - D - - - -",
            "- A A - - D D",
            "- - - - D - -",
            "D D - D - - -",
        )),
        # 50 %, every 2nd weekend and one or two weekdays between
        RosterTemplate("R50H", 50, (
            "- - D - - D D",
            "- D - D - - -",
            "- - - D - D D",
            "D - D - - - -",
            "- - D - - D D",
            "- - - - A - -",
        )),
        # full time three-shift rotation (tredelt turnus) with night stretches
        RosterTemplate("RDAN", 100, (
            "D D - - A A A",
            "- D D N N - -",
            "D - D D D - -",
            "D - A A - D D",
            "- N N N - - -",
            "- D D D D - -",
        ), night=True),
        # permanent nights, every 3rd weekend
        RosterTemplate("RNIGHT", 75, (
            "- - - - N N N",
            "- - N N - - -",
            "N N - - - - -",
            "- - - - N N N",
            "- N N - - - -",
            "N - - N N - -",
        ), night=True),
    )
}
# fmt: on


def check_roster(r: RosterTemplate) -> None:
    """Raise if a roster breaks the rest rule, the weekend rhythm or its position size."""
    cells = r.cells()
    assert all(len(w) == 7 for w in cells), f"{r.id}: every week needs 7 cells"
    days = [c for w in cells for c in w]
    n = len(days)
    for i, code in enumerate(days):
        nxt = days[(i + 1) % n]
        if code == "-" or nxt == "-":
            continue
        rest = (1440 + SHIFT_SPAN[nxt][0] - SHIFT_SPAN[code][1]) / 60
        assert rest >= MIN_REST_HOURS, f"{r.id}: only {rest} h rest after day {i + 1}"
    weekends = [k for k, w in enumerate(cells) if w[5] != "-" or w[6] != "-"]
    gaps = {(weekends[(j + 1) % len(weekends)] - weekends[j]) % len(cells) for j in range(len(weekends))}
    assert gaps <= {2, 3}, f"{r.id}: weekends {weekends} are not every 2nd or 3rd"
    hours = sum(SHIFT_HOURS[c] for c in days if c != "-") / len(cells)
    pct = 100 * hours / FULL_TIME_HOURS
    assert abs(pct - r.position_pct) <= 0.12 * r.position_pct, (
        f"{r.id}: {hours:.1f} h/week is {pct:.0f} %, not {r.position_pct} %"
    )


# --------------------------------------------------------------------------- names

RECRUIT_NAMES = {  # origin: (weight, first names, surnames)
    "norsk": (
        0.6,
        (
            "Ole",
            "Lars",
            "Jonas",
            "Trond",
            "Espen",
            "Arne",
            "Per",
            "Svein",
            "Øyvind",
            "Jon",
            "Tor",
            "Bjørn",
            "Geir",
            "Rune",
            "Kjetil",
            "Håkon",
            "Stian",
            "Thomas",
            "Marius",
            "Eirik",
            "Sindre",
            "Nils",
            "Pål",
            "Terje",
            "Frode",
            "Jarle",
            "Vegard",
            "Ståle",
            "Kåre",
            "Anders",
            "Magnus",
            "Kristoffer",
            "Roar",
            "Audun",
            "Sigurd",
            "Tore",
        ),
        (
            "Hansen",
            "Johansen",
            "Olsen",
            "Larsen",
            "Andersen",
            "Pedersen",
            "Nilsen",
            "Kristiansen",
            "Jensen",
            "Karlsen",
            "Berg",
            "Haugen",
            "Hagen",
            "Johnsen",
            "Eriksen",
            "Solberg",
            "Strand",
            "Bakken",
            "Lund",
            "Moen",
            "Dahl",
            "Aas",
            "Sæther",
            "Løvås",
            "Ødegård",
            "Bråten",
            "Vik",
            "Nygård",
            "Grønli",
            "Skjærvø",
            "Fjærli",
            "Støren",
            "Hølaas",
            "Rønning",
            "Husby",
            "Tangen",
        ),
    ),
    "polsk": (
        0.12,
        (
            "Tomasz",
            "Piotr",
            "Andrzej",
            "Krzysztof",
            "Marek",
            "Paweł",
            "Jakub",
            "Michał",
        ),
        (
            "Kowalski",
            "Nowak",
            "Mazur",
            "Wójcik",
            "Zieliński",
            "Lewandowski",
            "Kamiński",
        ),
    ),
    "litauisk": (
        0.04,
        (
            "Darius",
            "Mindaugas",
            "Tomas",
            "Andrius",
        ),
        (
            "Kazlauskas",
            "Petrauskas",
            "Jankauskas",
            "Stankevičius",
        ),
    ),
    "arabisk/somali": (
        0.15,
        (
            "Ahmed",
            "Mohammed",
            "Abdi",
            "Hassan",
            "Omar",
            "Ali",
            "Samir",
            "Yusuf",
            "Khalid",
            "Mustafa",
        ),
        (
            "Ali",
            "Hussein",
            "Mohamed",
            "Ahmed",
            "Abdullahi",
            "Osman",
            "Hassan",
            "Farah",
            "Said",
        ),
    ),
    "eritreisk": (
        0.1,
        (
            "Yonas",
            "Dawit",
            "Filmon",
            "Samuel",
            "Tesfaye",
            "Biniam",
            "Mehari",
        ),
        (
            "Tesfay",
            "Haile",
            "Gebremedhin",
            "Kidane",
            "Berhane",
            "Tekle",
        ),
    ),
}

SUPERVISOR_WOMEN = (
    "Randi",
    "Liv",
    "Nina",
    "Marit",
    "Heidi",
    "Hilde",
    "Ingrid",
    "Siri",
    "Anne",
    "Kristin",
    "Tone",
    "Mona",
    "Aud",
    "Solveig",
    "Bjørg",
    "Åse",
    "Gunn",
    "Hege",
    "Ragnhild",
    "Torill",
    "Turid",
    "Kari",
    "Ida",
    "Sara",
    "Maria",
    "Emma",
    "Ingeborg",
    "Mette",
    "Trine",
    "Camilla",
    "Silje",
    "Marte",
    "Guro",
    "Tuva",
    "Synnøve",
    "Bodil",
    "Agnieszka",
    "Joanna",
    "Maricel",
    "Fatima",
    "Amina",
    "Sølvi",
    "Gro",
    "Elin",
)
SUPERVISOR_MEN = ("Morten", "Petter", "Kjetil", "Geir", "Stian", "Knut", "Even", "Dag")
SUPERVISOR_MEN_SHARE = 0.15
STAFF_SURNAMES = (
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Berg",
    "Haugen",
    "Hagen",
    "Eriksen",
    "Solberg",
    "Strand",
    "Bakken",
    "Lund",
    "Moen",
    "Dahl",
    "Aas",
    "Sæther",
    "Ødegård",
    "Bråten",
    "Vik",
    "Nygård",
    "Myhre",
    "Fosse",
    "Aune",
    "Rønning",
    "Hårstad",
    "Kvål",
    "Østby",
    "Gjære",
    "Sørli",
    "Tangvik",
    "Bjørnstad",
    "Halvorsen",
    "Ellingsen",
    "Ulvik",
)

# --------------------------------------------------------------------------- wards

WARD_TYPE_WEIGHTS = {  # for nursing homes; home-care bases only have home_care
    "somatic": 0.34,
    "dementia": 0.26,
    "short_term": 0.16,
    "rehab": 0.12,
    "psychiatry": 0.08,
}
WARD_NAMES = {
    "somatic": "Langtidsavdeling",
    "dementia": "Skjermet enhet",
    "short_term": "Korttidsavdeling",
    "rehab": "Rehabilitering",
    "psychiatry": "Psykisk helse",
    "home_care": "Hjemmetjeneste",
}
HOME_CARE_ZONES = ("sone nord", "sone sør", "sone øst", "sone vest")
CAPACITY_WEIGHTS = {1: 0.15, 2: 0.55, 3: 0.30}
FIRST_PLACEMENT_OK_PROB = {"dementia": 0.2, "home_care": 0.2, "psychiatry": 0.6}


# --------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class Site:
    name: str
    municipality: str
    lat: float
    lon: float
    address: str
    home_care: bool = False  # a home-care base: only home_care wards
    home_weight: float = 1.0  # how many recruits live around it


@dataclass(frozen=True)
class Teacher:
    name: str
    weekdays: str
    max_days_per_week: int


@dataclass(frozen=True)
class Box:
    """A lat/lon rectangle of sea where nobody lives."""

    lat_min: float
    lat_max: float
    lon_min: float
    lon_max: float

    def contains(self, lat: float, lon: float) -> bool:
        return self.lat_min <= lat <= self.lat_max and self.lon_min <= lon <= self.lon_max


@dataclass(frozen=True)
class Params:
    """Everything that distinguishes one generated instance from another."""

    folder: str
    name: str
    seed: int
    school_name: str
    school_lat: float
    school_lon: float
    school_address: str
    recruits_per_class: tuple[int, ...]
    shared_day: bool  # the classes share a school day (weekly model)
    single_unavailable_day: tuple[str, ...]  # per class: the one weekday some can't work
    sites: tuple[Site, ...]
    wards: int
    roster_quota: dict[str, int]  # roster id -> number of supervisors on it
    two_recruit_supervisors: int
    teachers: tuple[Teacher, ...]
    closures: tuple[tuple[str, str, str], ...]
    phases: tuple[dict, ...]
    water: tuple[Box, ...] = ()
    summer_holidays: int = 0  # supervisors with three weeks' holiday in July
    supervisor_sick_spells: int = 5
    recruit_leaves: int = 2
    teacher_course_week: str = ""  # Monday of the week one teacher is on a course
    block_school_share: float = 0.55  # block model: sizes min_school_days
    roster_starts: tuple[str, ...] = (
        "2026-01-05",
        "2026-01-12",
        "2026-01-19",
        "2026-01-26",
        "2026-02-02",
        "2026-02-09",
    )
    qualified_share: float = 0.7
    travel_override_share: float = 0.25
    home_radius_km: float = 10.0
    max_travel_options: tuple[tuple[int, float], ...] = ((45, 0.14), (75, 0.08))
    weekend_off_share: float = 0.1
    preferred_share: float = 0.33
    avoid_share: float = 0.12
    default_max_travel: int = 60
    near_minutes: int = 45  # every recruit has at least 4 sites this close
    extra_sites: dict = field(default_factory=dict)


RULES = {
    "min_rest_hours": 11,
    "max_travel_minutes": 60,
    "school_day": {"start": "08:30", "end": "15:00"},
    "practice_on_weekends": False,
    "practice_in_school_holidays": False,
}
BLOCK_KEYS = {
    "school_block_weeks": [3, 5],
    "practice_block_weeks": [2, 4],
    "min_shifts_per_practice_week": 3,
    "max_hours_per_week": 37.5,
}


def practice_phase(pid: str, start: str, end: str) -> dict:
    return {
        "id": pid,
        "kind": "practice",
        "start": date.fromisoformat(start),
        "end": date.fromisoformat(end),
        "min_shifts_per_week": 3,
        "max_hours_per_week": 37.5,
        "allow_night": False,
    }


def weekly_phase(pid: str, start: str, end: str, min_school_days: int) -> dict:
    return {
        "id": pid,
        "kind": "alternation",
        "start": date.fromisoformat(start),
        "end": date.fromisoformat(end),
        "model": "weekly",
        "school_days_per_week": 3,
        "practice_days_per_week": 2,
        "min_school_days": min_school_days,
        **BLOCK_KEYS,
    }


def block_phase(pid: str, start: str, end: str) -> dict:
    """A block-model phase; min_school_days is filled in from the calendar later."""
    return {
        "id": pid,
        "kind": "alternation",
        "start": date.fromisoformat(start),
        "end": date.fromisoformat(end),
        "model": "block",
        "min_school_days": None,
        **BLOCK_KEYS,
    }


TRONDHEIM = Params(
    folder="trondheim-2026",
    name="Trøndelag 2026-27",
    seed=2026_50,
    school_name="Nidaros videregående skole",
    school_lat=63.4300,
    school_lon=10.3900,
    school_address="Elgeseter gate 10, 7030 Trondheim",
    recruits_per_class=(25, 25),
    shared_day=True,
    single_unavailable_day=("mon", "fri"),
    sites=(
        Site("Byåsen sykehjem", "Trondheim", 63.4105, 10.3490, "Byåsveien 162, 7021 Trondheim", home_weight=1.2),
        Site("Moholt sykehjem", "Trondheim", 63.4120, 10.4330, "Moholt allé 20, 7050 Trondheim", home_weight=1.2),
        Site("Tiller helsehus", "Trondheim", 63.3580, 10.3820, "Tillerbruvegen 150, 7092 Tiller", home_weight=1.2),
        Site("Saupstad sykehjem", "Trondheim", 63.3700, 10.3480, "Saupstadringen 7, 7078 Saupstad", home_weight=1.2),
        Site("Lade helsehus", "Trondheim", 63.4420, 10.4440, "Haakon VIIs gate 31, 7041 Trondheim", home_weight=1.2),
        Site("Ranheim sykehjem", "Trondheim", 63.4280, 10.5280, "Ranheimsvegen 281, 7054 Ranheim"),
        Site("Øya helsehus", "Trondheim", 63.4220, 10.3880, "Vangslunds gate 4, 7030 Trondheim", home_weight=1.2),
        Site("Heimdal hjemmetjeneste", "Trondheim", 63.3505, 10.3570, "Heimdalsvegen 10, 7080 Heimdal", home_care=True),
        Site("Charlottenlund sykehjem", "Trondheim", 63.4270, 10.4850, "Jakobslivegen 3, 7054 Ranheim"),
        Site(
            "Hommelvik sykehjem", "Malvik", 63.4115, 10.7950, "Nordre Hommelvikveg 2, 7550 Hommelvik", home_weight=0.6
        ),
        Site(
            "Vikhammer hjemmetjeneste",
            "Malvik",
            63.4330,
            10.6200,
            "Vikhammerløkka 3, 7560 Vikhammer",
            home_care=True,
            home_weight=0.6,
        ),
        Site("Melhus sykehjem", "Melhus", 63.2850, 10.2790, "Gimsvegen 12, 7224 Melhus", home_weight=0.8),
        Site("Horg helsetun", "Melhus", 63.1950, 10.2100, "Horgvegen 40, 7232 Lundamo", home_weight=0.4),
        Site("Stjørdal helsehus", "Stjørdal", 63.4690, 10.9250, "Kjøpmannsgata 45, 7500 Stjørdal", home_weight=0.8),
        Site("Skaun sykehjem", "Skaun", 63.3300, 10.0450, "Skaunvegen 1930, 7353 Børsa", home_weight=0.5),
    ),
    wards=30,
    roster_quota={
        "R100A": 7,
        "R100B": 6,
        "R100C": 5,
        "RL100": 4,
        "R80A": 6,
        "R80B": 5,
        "R75": 5,
        "R60": 5,
        "R50": 3,
        "RDAN": 8,
        "RNIGHT": 6,
    },
    two_recruit_supervisors=5,
    teachers=(
        Teacher("Guri Myhre", "mon;tue;wed;thu;fri", 4),
        Teacher("Svein Tangen", "mon;tue;wed;thu", 3),
        Teacher("Laila Fosse", "tue;wed;thu;fri", 3),
        Teacher("Rolf Aune", "mon;wed;fri", 2),
        Teacher("Hege Sørli", "mon;tue;thu;fri", 3),
    ),
    closures=(
        ("2026-09-28", "2026-10-02", "Høstferie"),
        ("2026-11-20", "2026-11-20", "Planleggingsdag"),
        ("2026-12-21", "2027-01-01", "Juleferie"),
        ("2027-03-01", "2027-03-05", "Vinterferie"),
        ("2027-03-22", "2027-03-26", "Påskeferie"),
        ("2027-05-07", "2027-05-07", "Planleggingsdag"),
    ),
    phases=(
        practice_phase("recruit", "2026-04-06", "2026-06-26"),
        weekly_phase("vg1", "2026-08-17", "2026-12-18", 45),
        weekly_phase("vg2", "2027-01-04", "2027-06-18", 55),
    ),
    water=(
        Box(63.445, 63.80, 9.70, 10.86),  # Trondheimsfjorden
        Box(63.478, 63.80, 10.86, 11.30),  # Stjørdalsfjorden
        Box(63.345, 63.390, 10.00, 10.22),  # Gaulosen
    ),
    teacher_course_week="2026-10-19",
)

ROGALAND = Params(
    folder="rogaland-2026",
    name="Rogaland 2026-27 (blokkmodell)",
    seed=2026_11,
    school_name="Jåttå videregående skole",
    school_lat=58.9700,
    school_lon=5.7300,
    school_address="Kannikbakken 4, 4005 Stavanger",
    recruits_per_class=(16, 16),
    shared_day=False,
    single_unavailable_day=("mon", "fri"),
    sites=(
        Site("Tasta sykehjem", "Stavanger", 58.9950, 5.6980, "Tastaveden 40, 4027 Stavanger", home_weight=1.2),
        Site("Hundvåg sykehjem", "Stavanger", 58.9930, 5.7490, "Hundvågveien 60, 4085 Hundvåg"),
        Site(
            "Ullandhaug helsehus", "Stavanger", 58.9380, 5.6960, "Ullandhaugveien 120, 4021 Stavanger", home_weight=1.2
        ),
        Site("Hinna hjemmetjeneste", "Stavanger", 58.9150, 5.7300, "Hinnasvingen 8, 4020 Stavanger", home_care=True),
        Site("Lura sykehjem", "Sandnes", 58.8520, 5.7360, "Luravegen 55, 4313 Sandnes", home_weight=1.2),
        Site("Sola sykehjem", "Sola", 58.8880, 5.6500, "Solakrossvegen 20, 4050 Sola"),
        Site("Randaberg sykehjem", "Randaberg", 59.0010, 5.6160, "Randabergveien 300, 4070 Randaberg", home_weight=0.7),
        Site("Kleppheimen", "Klepp", 58.7770, 5.6260, "Jærvegen 420, 4353 Klepp stasjon", home_weight=0.7),
        Site("Bryne sykehjem", "Time", 58.7350, 5.6480, "Storgata 80, 4340 Bryne", home_weight=0.7),
        Site("Ålgård sykehjem", "Gjesdal", 58.7650, 5.8530, "Ålgårdvegen 12, 4330 Ålgård", home_weight=0.5),
    ),
    wards=20,
    roster_quota={
        "R100A": 3,
        "R100C": 1,
        "RL100": 1,
        "R80A": 4,
        "R75": 3,
        "R60": 4,
        "R60G": 6,
        "R50": 3,
        "R50G": 4,
        "R50H": 3,
        "RDAN": 4,
        "RNIGHT": 4,
    },
    two_recruit_supervisors=3,
    teachers=(
        Teacher("Astrid Tjelta", "mon;tue;wed;thu;fri", 5),
        Teacher("Kjell Sola", "mon;tue;wed;thu;fri", 4),
        Teacher("Berit Ravndal", "mon;tue;wed;thu", 4),
        Teacher("Øystein Hetland", "tue;wed;thu;fri", 4),
    ),
    closures=(
        ("2026-10-05", "2026-10-09", "Høstferie"),
        ("2026-12-21", "2027-01-01", "Juleferie"),
        ("2027-02-22", "2027-02-26", "Vinterferie"),
        ("2027-03-22", "2027-03-26", "Påskeferie"),
    ),
    phases=(
        practice_phase("recruit", "2026-03-30", "2026-06-19"),
        practice_phase("summer", "2026-07-01", "2026-07-31"),
        block_phase("vg1", "2026-08-17", "2026-12-18"),
        block_phase("vg2", "2027-01-04", "2027-06-18"),
    ),
    water=(
        Box(58.60, 59.30, 5.00, 5.555),  # the North Sea off Jæren
        Box(59.018, 59.30, 5.00, 6.20),  # Byfjorden / Boknafjorden
        Box(58.925, 58.958, 5.59, 5.64),  # Hafrsfjord
        Box(58.875, 58.955, 5.748, 5.80),  # Gandsfjorden
        Box(58.86, 59.00, 5.86, 6.20),  # Høgsfjorden / Riskafjorden
        Box(58.96, 59.018, 5.77, 6.20),  # Åmøyfjorden
    ),
    summer_holidays=6,
    supervisor_sick_spells=4,
    recruit_leaves=2,
    teacher_course_week="2026-11-09",
)

# --------------------------------------------------------------------------- calendar


def easter(year: int) -> date:
    """Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ll = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ll) // 451
    month, day = divmod(h + ll - 7 * m + 114, 31)
    return date(year, month, day + 1)


def norwegian_holidays(year: int) -> set[date]:
    e = easter(year)
    moving = {e + timedelta(days=k) for k in (-3, -2, 0, 1, 39, 49, 50)}
    fixed = {date(year, 1, 1), date(year, 5, 1), date(year, 5, 17), date(year, 12, 25), date(year, 12, 26)}
    return moving | fixed


def closed_days(p: Params) -> set[date]:
    days: set[date] = set()
    for start, end, _ in p.closures:
        d, last = date.fromisoformat(start), date.fromisoformat(end)
        while d <= last:
            days.add(d)
            d += timedelta(days=1)
    for year in (2026, 2027):
        days |= norwegian_holidays(year)
    return days


def open_weeks(phase: dict, closed: set[date]) -> list[int]:
    """Number of open school days for each ISO week of an alternation phase."""
    counts: dict[tuple[int, int], int] = {}
    d = phase["start"]
    while d <= phase["end"]:
        key = d.isocalendar()[:2]
        counts.setdefault(key, 0)
        if d.weekday() < 5 and d not in closed:
            counts[key] += 1
        d += timedelta(days=1)
    return [n for n in counts.values() if n > 0]


# --------------------------------------------------------------------------- geometry


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def estimated_minutes(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The planner's estimate: road km = 1.3 x great-circle km at 50 km/h, + 5 min."""
    return haversine_km(lat1, lon1, lat2, lon2) * 1.3 / 50 * 60 + 5


def offset(lat: float, lon: float, km: float, bearing: float) -> tuple[float, float]:
    dlat = km * math.cos(bearing) / 111.32
    dlon = km * math.sin(bearing) / (111.32 * math.cos(math.radians(lat)))
    return lat + dlat, lon + dlon


# --------------------------------------------------------------------------- building


def pick_weighted(rng: random.Random, weights: dict):
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def quota_flags(rng: random.Random, n: int, share: float) -> list[bool]:
    """Exactly round(n * share) True values in random order."""
    k = round(n * share)
    flags = [True] * k + [False] * (n - k)
    rng.shuffle(flags)
    return flags


class Names:
    """Unique person names within one instance."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def _unique(self, make) -> str:
        for _ in range(1000):
            name = make()
            if name not in self.used:
                self.used.add(name)
                return name
        raise RuntimeError("ran out of names")

    def recruit(self) -> str:
        origins = list(RECRUIT_NAMES)
        weights = [RECRUIT_NAMES[o][0] for o in origins]

        def make() -> str:
            _, firsts, lasts = RECRUIT_NAMES[self.rng.choices(origins, weights)[0]]
            return f"{self.rng.choice(firsts)} {self.rng.choice(lasts)}"

        return self._unique(make)

    def staff(self) -> str:
        def make() -> str:
            pool = SUPERVISOR_MEN if self.rng.random() < SUPERVISOR_MEN_SHARE else SUPERVISOR_WOMEN
            return f"{self.rng.choice(pool)} {self.rng.choice(STAFF_SURNAMES)}"

        return self._unique(make)


@dataclass
class Tables:
    """The rows of every CSV file of one instance, header first."""

    files: dict[str, list[list]] = field(default_factory=dict)

    def add(self, name: str, header: list[str]) -> list[list]:
        self.files[name] = [header]
        return self.files[name]


def build_sites(p: Params, t: Tables) -> list[dict]:
    rows = t.add("sites.csv", ["id", "name", "municipality", "lat", "lon", "address"])
    sites = []
    for i, s in enumerate(p.sites, start=1):
        sid = f"S{i:02d}"
        rows.append([sid, s.name, s.municipality, s.lat, s.lon, s.address])
        sites.append({"id": sid, "spec": s})
    return sites


def build_wards(p: Params, rng: random.Random, t: Tables, sites: list[dict]) -> list[dict]:
    # how many wards each site gets: home-care bases 1-2, nursing homes share the rest
    counts = {s["id"]: (rng.choice((1, 2)) if s["spec"].home_care else 1) for s in sites}
    homes = [s["id"] for s in sites if not s["spec"].home_care]
    while sum(counts.values()) < p.wards:
        sid = rng.choice(homes)
        if counts[sid] < 4:
            counts[sid] += 1
    rows = t.add("wards.csv", ["id", "site_id", "name", "ward_type", "capacity", "first_placement_ok"])
    wards = []
    for s in sites:
        if s["spec"].home_care:
            types = ["home_care"] * counts[s["id"]]
        else:
            types = [pick_weighted(rng, WARD_TYPE_WEIGHTS) for _ in range(counts[s["id"]])]
            types.sort(key=list(WARD_TYPE_WEIGHTS).index)
        for k, wtype in enumerate(types, start=1):
            wid = f"{s['id']}W{k}"
            if wtype == "home_care":
                zone = HOME_CARE_ZONES[(k - 1) % len(HOME_CARE_ZONES)]
                name = f"Hjemmetjeneste {zone}" if types.count(wtype) > 1 else "Hjemmetjeneste"
            else:
                name = WARD_NAMES[wtype]
                if types.count(wtype) > 1:
                    name += f" {types[:k].count(wtype)}. etasje"
            capacity = pick_weighted(rng, CAPACITY_WEIGHTS)
            ok = rng.random() < FIRST_PLACEMENT_OK_PROB.get(wtype, 1.0)
            rows.append([wid, s["id"], name, wtype, capacity, str(ok).lower()])
            wards.append({"id": wid, "site": s, "type": wtype, "capacity": capacity})
    return wards


def build_rosters(p: Params, t: Tables) -> None:
    rows = t.add("rosters.csv", ["roster_id", "week", *WEEKDAYS])
    for rid in p.roster_quota:
        r = ROSTERS[rid]
        check_roster(r)
        for k, week in enumerate(r.cells(), start=1):
            rows.append([rid, k, *week])
    shifts = t.add("shifts.csv", ["code", "name", "start", "end"])
    shifts.extend(list(s) for s in SHIFTS)


def build_supervisors(p: Params, rng: random.Random, t: Tables, names: Names, wards: list[dict]) -> list[dict]:
    n = sum(p.roster_quota.values())
    # at least one supervisor per ward, the rest where capacity is larger
    per_ward = {w["id"]: 1 for w in wards}
    while sum(per_ward.values()) < n:
        w = rng.choices(wards, weights=[w["capacity"] for w in wards])[0]
        if per_ward[w["id"]] < w["capacity"] + 1:
            per_ward[w["id"]] += 1
    roster_ids = [rid for rid, k in p.roster_quota.items() for _ in range(k)]
    rng.shuffle(roster_ids)
    qualified = quota_flags(rng, n, p.qualified_share)
    sups = []
    for w in wards:
        starts = list(p.roster_starts)
        rng.shuffle(starts)
        for k in range(per_ward[w["id"]]):
            sups.append({"ward": w, "roster": ROSTERS[roster_ids.pop()], "start": starts[k % len(starts)], "max": 1})
    # a few full-time day workers on roomy wards take two recruits
    candidates = [
        s for s in sups if s["roster"].position_pct >= 80 and not s["roster"].night and s["ward"]["capacity"] >= 2
    ]
    for s in rng.sample(candidates, min(p.two_recruit_supervisors, len(candidates))):
        s["max"] = 2
    rows = t.add(
        "supervisors.csv",
        ["id", "name", "ward_id", "roster_id", "roster_start", "position_pct", "qualified", "max_recruits"],
    )
    for i, s in enumerate(sups, start=1):
        s["id"] = f"V{i:03d}"
        rows.append(
            [
                s["id"],
                names.staff(),
                s["ward"]["id"],
                s["roster"].id,
                s["start"],
                s["roster"].position_pct,
                str(qualified[i - 1]).lower(),
                s["max"],
            ]
        )
    return sups


def place_home(p: Params, rng: random.Random, sites: list[dict]) -> tuple[float, float]:
    weights = [s["spec"].home_weight for s in sites]
    while True:
        anchor = rng.choices(sites, weights)[0]["spec"]
        km = p.home_radius_km * math.sqrt(rng.random())
        lat, lon = offset(anchor.lat, anchor.lon, km, rng.uniform(0, 2 * math.pi))
        if not any(b.contains(lat, lon) for b in p.water):
            return round(lat, 5), round(lon, 5)


def build_recruits(p: Params, rng: random.Random, t: Tables, names: Names, sites: list[dict]) -> list[dict]:
    rec_rows = t.add(
        "recruits.csv",
        [
            "id",
            "name",
            "class_id",
            "lat",
            "lon",
            "max_travel_minutes",
            "unavailable_weekdays",
            "preferred_sites",
            "avoid_ward_types",
        ],
    )
    travel_rows = t.add("travel.csv", ["recruit_id", "site_id", "minutes"])
    recruits = []
    for c, size in enumerate(p.recruits_per_class, start=1):
        limits = [""] * size
        pos = 0
        for minutes, share in p.max_travel_options:
            for _ in range(round(size * share)):
                limits[pos] = minutes
                pos += 1
        rng.shuffle(limits)
        weekend_off = quota_flags(rng, size, p.weekend_off_share)
        single_day = [False] * size
        for i in rng.sample([i for i in range(size) if not weekend_off[i]], rng.choice((1, 2))):
            single_day[i] = True
        preferred = quota_flags(rng, size, p.preferred_share)
        avoid = quota_flags(rng, size, p.avoid_share)
        for i in range(size):
            rid = f"K{c}R{i + 1:02d}"
            limit = limits[i] or p.default_max_travel
            while True:  # redraw the home until at least four sites are near enough
                lat, lon = place_home(p, rng, sites)
                minutes = {s["id"]: estimated_minutes(lat, lon, s["spec"].lat, s["spec"].lon) for s in sites}
                overrides = {
                    sid: round(m * rng.uniform(0.85, 1.15))
                    for sid, m in minutes.items()
                    if rng.random() < p.travel_override_share
                }
                effective = {sid: overrides.get(sid, m) for sid, m in minutes.items()}
                near = [sid for sid, m in effective.items() if m <= min(limit, p.near_minutes)]
                if len(near) >= 4:
                    break
            near.sort(key=effective.get)
            unavailable = "sat;sun" if weekend_off[i] else p.single_unavailable_day[c - 1] if single_day[i] else ""
            pref = ";".join(sorted(rng.sample(near[:5], rng.choice((1, 1, 2)))))
            avoid_type = rng.choice(("dementia", "dementia", "psychiatry")) if avoid[i] else ""
            rec_rows.append(
                [
                    rid,
                    names.recruit(),
                    f"K{c}",
                    lat,
                    lon,
                    limits[i],
                    unavailable,
                    pref if preferred[i] else "",
                    avoid_type,
                ]
            )
            for sid in sorted(overrides):
                travel_rows.append([rid, sid, overrides[sid]])
            recruits.append({"id": rid, "class": f"K{c}", "travel": effective, "limit": limit})
    return recruits


def build_school(p: Params, t: Tables, names: Names) -> None:
    t.add("schools.csv", ["id", "name", "lat", "lon", "address"]).append(
        ["SK1", p.school_name, p.school_lat, p.school_lon, p.school_address]
    )
    rows = t.add("classes.csv", ["id", "school_id", "name", "model", "shared_day_with"])
    n = len(p.recruits_per_class)
    for c in range(1, n + 1):
        partner = f"K{3 - c}" if p.shared_day and n == 2 else ""
        rows.append([f"K{c}", "SK1", f"Menn i helse 2026 {'ABCDEFGH'[c - 1]}", "", partner])
    rows = t.add("teachers.csv", ["id", "school_id", "name", "weekdays", "max_days_per_week"])
    for i, teacher in enumerate(p.teachers, start=1):
        names.used.add(teacher.name)
        rows.append([f"T{i}", "SK1", teacher.name, teacher.weekdays, teacher.max_days_per_week])
    rows = t.add("closures.csv", ["start", "end", "reason"])
    rows.extend(list(c) for c in p.closures)


def build_absences(
    p: Params, rng: random.Random, t: Tables, sups: list[dict], recruits: list[dict], closed: set[date]
) -> None:
    rows = []
    alternation = [ph for ph in p.phases if ph["kind"] == "alternation"]
    people = rng.sample(sups, p.supervisor_sick_spells + p.summer_holidays)
    for s in people[: p.supervisor_sick_spells]:  # one or two weeks inside some phase
        ph = rng.choices(p.phases, [(x["end"] - x["start"]).days for x in p.phases])[0]
        start = ph["start"] + timedelta(days=rng.randrange((ph["end"] - ph["start"]).days - 7))
        rows.append([s["id"], start, start + timedelta(days=rng.choice((6, 13))), "sykefravær"])
    for s in people[p.supervisor_sick_spells :]:
        start = date(2026, 7, 6) + timedelta(weeks=rng.choice((-1, 0, 1)))
        rows.append([s["id"], start, start + timedelta(days=20), "ferie"])
    if p.teacher_course_week:
        monday = date.fromisoformat(p.teacher_course_week)
        teacher = f"T{rng.randrange(1, len(p.teachers) + 1)}"
        rows.append([teacher, monday, monday + timedelta(days=4), "kurs"])
    for r in rng.sample(recruits, p.recruit_leaves):
        while True:
            ph = rng.choice(alternation)
            start = ph["start"] + timedelta(days=rng.randrange((ph["end"] - ph["start"]).days))
            if start.weekday() < 3 and start not in closed:
                break
        rows.append([r["id"], start, start + timedelta(days=rng.choice((1, 2))), "permisjon"])
    rows.sort(key=lambda row: (row[1], row[0]))
    t.add("absences.csv", ["person_id", "start", "end", "reason"]).extend(rows)


# --------------------------------------------------------------------------- checks


def max_assignable(recruits: list[dict], sups: list[dict], wards: list[dict], skip_night: bool = False) -> int:
    """Max-flow bound: recruits -> reachable wards -> min(capacity, supervisor slots)."""
    slots = {w["id"]: 0 for w in wards}
    for s in sups:
        if not (skip_night and s["roster"].night):
            slots[s["ward"]["id"]] += s["max"]
    room = {w["id"]: min(w["capacity"], slots[w["id"]]) for w in wards}
    reach = {
        r["id"]: [w["id"] for w in wards if r["travel"][w["site"]["id"]] <= r["limit"] and room[w["id"]] > 0]
        for r in recruits
    }
    holder: dict[str, list[str]] = {wid: [] for wid in room}

    def augment(rid: str, seen: set[str]) -> bool:
        for wid in reach[rid]:
            if wid in seen:
                continue
            seen.add(wid)
            if len(holder[wid]) < room[wid]:
                holder[wid].append(rid)
                return True
            for other in list(holder[wid]):
                if augment(other, seen):
                    holder[wid].remove(other)
                    holder[wid].append(rid)
                    return True
        return False

    return sum(augment(r["id"], set()) for r in recruits)


# --------------------------------------------------------------------------- writing


def toml_value(v) -> str:
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, (int, float, date)):
        return str(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(x)}" for k, x in v.items()) + " }"
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def instance_toml(p: Params) -> str:
    lines = ["[instance]", f"name = {toml_value(p.name)}", 'timezone = "Europe/Oslo"', 'country = "NO"', "", "[rules]"]
    lines += [f"{k} = {toml_value(v)}" for k, v in RULES.items()]
    for ph in p.phases:
        lines += ["", "[[phases]]"]
        lines += [f"{k} = {toml_value(v)}" for k, v in ph.items()]
    lines += ["", "[weights]", "# empty: the planner's default weights apply; set e.g. a name = value here"]
    return "\n".join(lines) + "\n"


def write(p: Params) -> dict:
    rng = random.Random(p.seed)
    names = Names(rng)
    t = Tables()
    closed = closed_days(p)
    phases = []
    for ph in p.phases:  # size block-model curricula from the calendar
        ph = dict(ph)
        if ph.get("model") == "block":
            weeks = open_weeks(ph, closed)
            ph["min_school_days"] = 5 * math.floor(p.block_school_share * len(weeks))
        phases.append(ph)
    p = Params(**{**p.__dict__, "phases": tuple(phases)})

    build_school(p, t, names)
    sites = build_sites(p, t)
    wards = build_wards(p, rng, t, sites)
    build_rosters(p, t)
    sups = build_supervisors(p, rng, t, names, wards)
    recruits = build_recruits(p, rng, t, names, sites)
    build_absences(p, rng, t, sups, recruits, closed)

    placed = max_assignable(recruits, sups, wards)
    placed_day = max_assignable(recruits, sups, wards, skip_night=True)
    assert placed == len(recruits), f"{p.folder}: only {placed} recruits can be placed"

    out = HERE / p.folder
    out.mkdir(exist_ok=True)
    (out / "instance.toml").write_text(instance_toml(p), encoding="utf-8", newline="\n")
    for name, rows in t.files.items():
        with open(out / name, "w", encoding="utf-8", newline="") as f:
            csv.writer(f, lineterminator="\n").writerows(rows)
    return {
        "instance": p.folder,
        "recruits": len(recruits),
        "sites": len(sites),
        "wards": len(wards),
        "ward_capacity": sum(w["capacity"] for w in wards),
        "supervisors": len(sups),
        "rosters": len(p.roster_quota),
        "teachers": len(p.teachers),
        "placeable": placed,
        "placeable_without_night_rosters": placed_day,
        "min_school_days": {ph["id"]: ph["min_school_days"] for ph in p.phases if "min_school_days" in ph},
    }


def main() -> None:
    for params in (TRONDHEIM, ROGALAND):
        print(write(params))


if __name__ == "__main__":
    main()
