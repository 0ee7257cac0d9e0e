"""Dates as news text writes them ("September 21, 2020", "21 Sept. 2020", "2020-09-21"), to ISO 8601.

A small fixed set of patterns rather than a general parser: datelines and bylines use few forms,
and a general parser (dateparser) costs more to import than slant's whole cold start allows.
Numeric day/month orders are ambiguous; ``DD.MM.YYYY`` is read European, ``MM/DD/YYYY`` American,
as those separators are used in practice.
"""

from __future__ import annotations

import datetime as dt
import re

from .errors import SlantError

_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
    "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"

_PATTERNS = [
    re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<mnum>[01]\d)-(?P<day>[0-3]\d)(?:[T ](?P<time>\d\d:\d\d(?::\d\d)?))?"),
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.IGNORECASE),
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b", re.IGNORECASE),
    re.compile(r"\b(?P<day>[0-3]?\d)\.(?P<mnum>[01]?\d)\.(?P<year>(?:19|20)\d\d)\b"),
    re.compile(r"\b(?P<mnum>[01]?\d)/(?P<day>[0-3]?\d)/(?P<year>(?:19|20)\d\d)\b"),
]


def find_date(s: str) -> tuple[str, re.Match[str]] | None:
    """The first date written in ``s``, as (ISO date, match), or None."""
    for pat in _PATTERNS:
        for m in pat.finditer(s):
            iso = _to_iso(m)
            if iso:
                return iso, m
    return None


def parse_date(s: str | None) -> str | None:
    """ISO 8601 date (YYYY-MM-DD) of the first date in ``s``, or None."""
    if not s:
        return None
    found = find_date(s)
    return found[0] if found else None


def _to_iso(m: re.Match[str]) -> str | None:
    g = m.groupdict()
    month = int(g["mnum"]) if g.get("mnum") else _MONTHS[g["month"].lower().rstrip(".")]
    try:
        d = dt.date(int(g["year"]), month, int(g["day"]))
    except ValueError:
        return None
    return d.isoformat()


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def check_iso_date(value: str | None, name: str) -> str | None:
    """``value`` when it is a calendar date written YYYY-MM-DD (or None), else a ``SlantError`` that
    names the option: a filter on "2019-13-45" would compare as a string and quietly match nothing."""
    if value is None or value == "":
        return None
    if not _ISO_DAY.fullmatch(value):
        raise SlantError(f"{name} {value}: not a date; write it YYYY-MM-DD, e.g. 2024-03-01")
    try:
        dt.date.fromisoformat(value)
    except ValueError as exc:
        raise SlantError(f"{name} {value}: not a date ({exc})") from None
    return value
