"""Event and calendar texts of the .ics feeds, Norwegian bokmål (default) and English.

Every text the calendars show lives here, so a translation never touches the writer.
Placeholders are ``str.format`` fields; ids never appear in texts shown to people
except where a name is missing.
"""

from __future__ import annotations

from typing import Final

LANGUAGES: Final = ("nb", "en")
"""Supported ``lang`` codes: Norwegian bokmål and English."""

TEXTS: Final[dict[str, dict[str, str]]] = {
    "nb": {
        "calendar_name": "Menn i helse – {name}",
        "calendar_description": "Plan for Menn i helse: {name}",
        # a recruit's calendar description (counts from models.kpis.recruit_counts)
        "recruit_counts": "Praksis: {shifts}, herav {weekend}, {evening} og {holiday}.",
        "recruit_counts_none": "Praksis: ingen vakter.",
        "shifts_one": "{n} vakt",
        "shifts_other": "{n} vakter",
        "weekend_shifts_one": "{n} helgevakt",
        "weekend_shifts_other": "{n} helgevakter",
        "evening_shifts_one": "{n} kvelds-/nattevakt",
        "evening_shifts_other": "{n} kvelds-/nattevakter",
        "holiday_shifts_one": "{n} helligdagsvakt",
        "holiday_shifts_other": "{n} helligdagsvakter",
        # school
        "school_summary": "Skole – {phase}",
        "teaching_summary": "Undervisning – {phase}, {classes}",
        "joint_suffix": " (felles dag)",
        "and": " og ",
        "class_line": "Klasse: {name}",
        "school_line": "Skole: {name}",
        "teacher_line": "Lærer: {name}",
        "joint_line": "Felles dag med {name}",
        "time_line": "Tid: {start}–{end}",
        # practice
        "practice_summary": "Praksis – {shift}, {ward}, {supervision}",
        "supervisor_summary": "Praksis – {recruit}, {shift}, {ward}",
        "site_summary": "Praksis – {recruit}, {ward}, {shift}",
        "with_supervisor_named": "veileder {name}",
        "without_supervisor": "uten veileder",
        "site_line": "Sted: {name}",
        "ward_line": "Avdeling: {name}",
        "shift_line": "Vakt: {code} {name} {start}–{end}",
        "next_day": " (neste dag)",
        "supervisor_line": "Veileder: {name}",
        "recruit_line": "Rekrutt: {name}",
        "with_line": "Med veileder",
        "without_line": "Uten veileder",
    },
    "en": {
        "calendar_name": "Menn i helse – {name}",
        "calendar_description": "Menn i helse plan: {name}",
        # a recruit's calendar description (counts from models.kpis.recruit_counts)
        "recruit_counts": "Practice: {shifts}, of which {weekend}, {evening} and {holiday}.",
        "recruit_counts_none": "Practice: no shifts.",
        "shifts_one": "{n} shift",
        "shifts_other": "{n} shifts",
        "weekend_shifts_one": "{n} weekend shift",
        "weekend_shifts_other": "{n} weekend shifts",
        "evening_shifts_one": "{n} evening/night shift",
        "evening_shifts_other": "{n} evening/night shifts",
        "holiday_shifts_one": "{n} public-holiday shift",
        "holiday_shifts_other": "{n} public-holiday shifts",
        # school
        "school_summary": "School – {phase}",
        "teaching_summary": "Teaching – {phase}, {classes}",
        "joint_suffix": " (joint day)",
        "and": " and ",
        "class_line": "Class: {name}",
        "school_line": "School: {name}",
        "teacher_line": "Teacher: {name}",
        "joint_line": "Joint day with {name}",
        "time_line": "Time: {start}–{end}",
        # practice
        "practice_summary": "Practice – {shift}, {ward}, {supervision}",
        "supervisor_summary": "Practice – {recruit}, {shift}, {ward}",
        "site_summary": "Practice – {recruit}, {ward}, {shift}",
        "with_supervisor_named": "supervisor {name}",
        "without_supervisor": "without supervisor",
        "site_line": "Site: {name}",
        "ward_line": "Ward: {name}",
        "shift_line": "Shift: {code} {name} {start}–{end}",
        "next_day": " (next day)",
        "supervisor_line": "Supervisor: {name}",
        "recruit_line": "Recruit: {name}",
        "with_line": "With supervisor",
        "without_line": "Without supervisor",
    },
}


def texts(lang: str) -> dict[str, str]:
    """The texts of one language.

    Raises:
        ValueError: ``lang`` is not one of :data:`LANGUAGES`.
    """
    try:
        return TEXTS[lang]
    except KeyError:
        raise ValueError(
            f"calendar language {lang!r} is not supported; use one of {', '.join(LANGUAGES)}"
        ) from None


def counted(t: dict[str, str], key: str, n: int) -> str:
    """``n`` with the singular or plural of ``key``: ``1 vakt``, ``84 vakter``."""
    return t[f"{key}_one" if n == 1 else f"{key}_other"].format(n=n)


def recruit_counts(t: dict[str, str], counts: dict[str, int]) -> str:
    """A recruit's shift counts as one sentence (his calendar's description).

    ``counts`` is his entry of ``models.kpis.recruit_counts``: ``practice_days``,
    ``weekend_shifts``, ``evening_shifts``, ``night_shifts`` and ``holiday_shifts``;
    evening and night shifts are told together.
    """
    total = counts.get("practice_days", 0)
    if not total:
        return t["recruit_counts_none"]
    return t["recruit_counts"].format(
        shifts=counted(t, "shifts", total),
        weekend=counted(t, "weekend_shifts", counts.get("weekend_shifts", 0)),
        evening=counted(t, "evening_shifts", counts.get("evening_shifts", 0) + counts.get("night_shifts", 0)),
        holiday=counted(t, "holiday_shifts", counts.get("holiday_shifts", 0)),
    )


def phase_label(phase_id: str) -> str:
    """A phase id as people write it: ``vg1`` -> ``Vg1``, ``recruit`` -> ``Recruit``."""
    return phase_id[:1].upper() + phase_id[1:]
