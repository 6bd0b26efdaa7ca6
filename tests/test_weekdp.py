"""scheduler/weekdp.py: the exact price of one recruit's week (or phase) with one supervisor.

Hand-made weeks where one rule decides the price, and a brute-force oracle that tries every
choice of every day (nothing, the supervisor's shift, or ``D`` without him) under the same
rules, written independently of the dynamic programme.
"""

from __future__ import annotations

from datetime import date
from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.domains import Domains
from scheduler.weekdp import INF, Day, WeekPricer, WeekRule
from tests.builders import D, absence, micro, practice_phase, recruit, weekly_phase

WEEK34 = (2026, 34)  # 17-23 August 2026
MON = D("2026-08-17")
UNIT = 10  # objective units per weight unit (models.score.SCALE)


def pricer(tmp_path, **kwargs) -> tuple[WeekPricer, object]:
    inst = micro(tmp_path, **kwargs)
    return WeekPricer(inst, Domains(inst)), inst


def days_of(*codes: str) -> frozenset[date]:
    """School days by weekday name: ``days_of("mon", "tue")``."""
    names = ["mon", "tue", "wed", "thu", "fri"]
    return frozenset(MON.replace(day=17 + names.index(c)) for c in codes)


# ---- the weekly model --------------------------------------------------------------------------
def test_weekly_week_follows_the_supervisor_for_free(tmp_path):
    """School mon-wed, the supervisor works D every weekday: thu and fri with him, cost 0."""
    wp, _inst = pricer(tmp_path, phases=[weekly_phase("2026-08-17", "2026-08-23")])
    phase = _inst.phase["vg1"]
    (price,) = wp.week("R1", "V1", phase, WEEK34, days_of("mon", "tue", "wed")).values()
    assert price.cost == 0
    assert [(p.day.isoformat(), p.code, p.with_supervisor) for p in price.picks] == [
        ("2026-08-20", "D", True), ("2026-08-21", "D", True)]


def test_weekly_day_off_costs_one_day_without(tmp_path):
    """The supervisor is off on thursday (roster ``D D D - D``): thursday on D without him."""
    wp, inst = pricer(tmp_path, phases=[weekly_phase("2026-08-17", "2026-08-23")],
                      rosters={"RD": ["D D D - D - -"]})
    cost = wp.relaxed("R1", "V1", inst.phase["vg1"], WEEK34, days_of("mon", "tue", "wed"))
    assert cost == 100 * UNIT


def test_weekly_evening_before_a_school_day_cannot_be_followed(tmp_path):
    """Practice mon-tue, school wed-fri, the supervisor on A (14:30-22:00) mon and tue.
    Tuesday's A ends 10.5 h before school on wednesday (R9: 11 h), and after monday's A the
    recruit cannot start before 09:00 on tuesday, so D (07:30) is out too: both days are D
    without him (2 x 100). Monday A + nothing on tuesday would be one day short (R4)."""
    wp, inst = pricer(tmp_path, phases=[weekly_phase("2026-08-17", "2026-08-23")],
                      rosters={"RD": ["A A D D D - -"]})
    price = min(wp.week("R1", "V1", inst.phase["vg1"], WEEK34, days_of("wed", "thu", "fri")).values(),
                key=lambda p: p.cost)
    assert price.cost == 200 * UNIT
    assert [p.with_supervisor for p in price.picks] == [False, False]


def test_weekly_absent_recruit_is_held_to_at_most(tmp_path):
    """R1 is away on monday: held to at most two days, so a week with his supervisor off on
    thu and fri costs nothing (he practises no day) instead of two days without."""
    wp, inst = pricer(tmp_path, phases=[weekly_phase("2026-08-17", "2026-08-23")],
                      rosters={"RD": ["D D D - - - -"]}, absences=[absence("R1", "2026-08-17")])
    assert wp.relaxed("R1", "V1", inst.phase["vg1"], WEEK34, days_of("mon", "tue", "wed")) == 0
    assert wp.relaxed("R2", "V1", inst.phase["vg1"], WEEK34, days_of("mon", "tue", "wed")) == 200 * UNIT


def test_weekly_pattern_without_two_free_consecutive_days_is_impossible(tmp_path):
    """R1 cannot practise on thursday; school mon-wed leaves him thu-fri: impossible (R4)."""
    wp, inst = pricer(tmp_path, phases=[weekly_phase("2026-08-17", "2026-08-23")],
                      recruits=[recruit("R1", unavailable_weekdays="thu"), "R2"])
    assert wp.relaxed("R1", "V1", inst.phase["vg1"], WEEK34, days_of("mon", "tue", "wed")) == INF
    assert wp.relaxed("R1", "V1", inst.phase["vg1"], WEEK34, days_of("wed", "thu", "fri")) == 0


# ---- roster weeks and practice phases ---------------------------------------------------------
def test_practice_week_short_of_shifts_needs_days_without(tmp_path):
    """Practice phase, 3 shifts a full week, the supervisor works D mon and tue only: the
    third shift is D without him (100), and nothing of his roster is missed."""
    wp, inst = pricer(tmp_path, phases=[practice_phase("2026-04-13", "2026-04-19")],
                      rosters={"RD": ["D D - - - - -"]})
    price = wp.chain("R1", "V1", inst.phase["rp"], {})
    assert (price.cost, price.without, price.missed) == (100 * UNIT, 1, 0)


def test_rest_across_the_week_boundary_in_a_practice_phase(tmp_path):
    """Sunday A (to 22:00) then monday D: 9.5 h. Following both is impossible; the chain
    prices the two weeks together, so one roster shift is missed (3)."""
    wp, inst = pricer(tmp_path, phases=[practice_phase("2026-04-13", "2026-04-26", min_shifts_per_week=1)],
                      rosters={"RD": ["D - - - - - A"]})
    price = wp.chain("R1", "V1", inst.phase["rp"], {})
    assert price.missed == 1 and price.without == 0
    assert price.cost == 3 * UNIT


def test_tolls_move_practice_away_from_a_crowded_date(tmp_path):
    """A toll on monday (a crowded ward) larger than a missed shift: the recruit drops monday
    (one missed shift, 3) instead of paying the toll; a small toll is paid."""
    wp, inst = pricer(tmp_path, phases=[practice_phase("2026-04-13", "2026-04-19", min_shifts_per_week=3)])
    phase = inst.phase["rp"]
    high = wp.chain("R1", "V1", phase, {}, tolls={D("2026-04-13"): 50 * UNIT})
    assert D("2026-04-13") not in [p.day for p in high.picks] and high.cost == 3 * UNIT
    low = wp.chain("R1", "V1", phase, {}, tolls={D("2026-04-13"): 1 * UNIT})
    assert D("2026-04-13") in [p.day for p in low.picks] and low.cost == 1 * UNIT


# ---- the dynamic programme against brute force ------------------------------------------------
SHIFTS = {"D": (450, 900), "A": (870, 1320), "L": (480, 1215), "N": (1305, 1905)}  # minutes from 00:00


def brute_force(days: tuple[Day, ...], rule: WeekRule, rest: int, w_without: int, w_missed: int, w_unused: int) -> int:
    """Try every choice of every day: nothing, the supervisor's shift, or D without him."""
    best = INF
    options = []
    for day in days:
        if day.school is not None or not day.may_practise:
            options.append([None])
            continue
        opts = [None, ("D", False)]
        if day.shift is not None:
            opts.append((day.shift, True))
        options.append(opts)
    for choice in product(*options):
        acts, cost, count, minutes, missed, without = [], 0, 0, 0, 0, 0
        worked = []
        for day, pick in zip(days, choice, strict=True):
            base = day.weekday * 1440
            if day.school is not None:
                acts.append(day.school)
            if pick is None:
                if day.shift is not None and rule.mode == "roster" and rule.hi > 0:
                    missed += 1
                continue
            code, with_sup = pick
            s, e = SHIFTS[code]
            acts.append((base + s, base + e))
            worked.append(day.weekday)
            count += 1
            minutes += e - s
            cost += day.toll
            if not with_sup:
                without += 1
                if day.shift is not None and rule.mode == "roster":
                    missed += 1
        if count < rule.lo or count > rule.hi or (rule.cap is not None and minutes > rule.cap):
            continue
        if rule.mode == "weekly" and worked and worked != list(range(worked[0], worked[0] + len(worked))):
            continue
        acts.sort()
        if any(b[0] - a[1] < rest for a, b in zip(acts, acts[1:], strict=False)):
            continue
        unused = max(0, rule.possible - count) if rule.mode == "weekly" else 0
        best = min(best, cost + without * w_without + missed * w_missed + unused * w_unused)
    return best


day_strategy = st.builds(
    Day,
    weekday=st.just(0),
    school=st.sampled_from([None, None, None, (510, 900)]),
    may_practise=st.booleans(),
    shift=st.sampled_from([None, "D", "A", "L", "N"]),
    toll=st.sampled_from([0, 0, 0, 20, 2000]),
)


@settings(max_examples=300, deadline=None)
@given(
    week=st.lists(day_strategy, min_size=1, max_size=7),
    mode=st.sampled_from(["weekly", "roster"]),
    lo=st.integers(0, 3),
    span=st.integers(0, 3),
    possible=st.integers(0, 2),
    cap=st.sampled_from([None, 900, 1500, 2250]),
)
def test_week_price_equals_brute_force(tmp_path_factory, week, mode, lo, span, possible, cap):
    """For any week (school days, days he may practise, his supervisor's shifts, tolls) and
    rule, the dynamic programme's price equals the brute-force minimum."""
    days = tuple(Day(i, (d.school[0] + i * 1440, d.school[1] + i * 1440) if d.school else None,
                     d.may_practise and d.school is None, d.shift if d.may_practise and d.school is None else None,
                     d.toll if d.may_practise and d.school is None else 0) for i, d in enumerate(week))
    rule = WeekRule(mode, lo, lo + span, possible if mode == "weekly" else 0, cap)
    wp = _shared_pricer(tmp_path_factory)
    expected = brute_force(days, rule, wp.rest, wp.w_without, wp.w_missed, wp.w_unused)
    assert wp.relaxed_cost(days, rule) == expected


_PRICER: list[WeekPricer] = []


def _shared_pricer(tmp_path_factory) -> WeekPricer:
    """One pricer on the default micro-instance (shifts D, A, L, N as in SHIFTS, 11 h rest)."""
    if not _PRICER:
        inst = micro(tmp_path_factory.mktemp("weekdp"), phases=[weekly_phase("2026-08-17", "2026-08-23")])
        wp = WeekPricer(inst, Domains(inst))
        assert {c: wp.windows[c] for c in SHIFTS} == SHIFTS
        _PRICER.append(wp)
    return _PRICER[0]


@pytest.mark.parametrize("school", [("mon", "tue", "wed"), ("wed", "thu", "fri"), ("mon", "thu", "fri")])
def test_chain_of_one_week_equals_its_relaxed_price(tmp_path, school):
    """With nothing before or after, a week chained alone costs its relaxed price."""
    wp, inst = pricer(tmp_path, phases=[weekly_phase("2026-08-17", "2026-08-23")],
                      rosters={"RD": ["D A - D A - -"]})
    phase = inst.phase["vg1"]
    s = days_of(*school)
    assert wp.chain("R1", "V1", phase, {WEEK34: s}).cost == wp.relaxed("R1", "V1", phase, WEEK34, s)
