"""Which days are working days: city entry > province entry > chinese-calendar > weekdays.

A year the library does not cover (it raises ``NotImplementedError`` outside
2004-2026 in version 1.11) is *national data* only when the province entered at least
one day of it; the province then enters that year's holidays and adjusted working
days (调休) as exceptions and every other day follows Monday-Friday. A year with
neither is a *fallback* year: Monday-Friday only, logged once per year per process
and reported to callers (``Calendar.fallback_years``). City entries are local days
on top and never make a year national data.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

import chinese_calendar

from . import arithmetic

log = logging.getLogger(__name__)

# Where a day's status came from.
CITY, PROVINCE, LIBRARY, WEEKDAYS, FALLBACK = "city", "province", "library", "weekdays", "fallback"


@lru_cache(maxsize=8192)
def _library_workday(d: date) -> bool:
    """The statutory calendar never changes for a past release of the library: memoize it."""
    return chinese_calendar.is_workday(d)


@dataclass(frozen=True)
class Entry:
    """One entered day (a correction or a day of a year the library lacks)."""

    day: date
    is_workday: bool
    name: str


@dataclass(frozen=True)
class YearEntries:
    province: Mapping[date, Entry] = field(default_factory=dict)
    city: Mapping[date, Entry] = field(default_factory=dict)


@dataclass(frozen=True)
class DayInfo:
    day: date
    is_workday: bool
    name: str | None
    source: str


@lru_cache(maxsize=256)
def library_covers(year: int) -> bool:
    """Whether chinese-calendar knows the year (it raises for years it does not)."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def fallback_warning(year: int) -> str:
    return (
        f"no national calendar for {year}: chinese-calendar does not cover it and the province has "
        f"entered no day of it, so working days in {year} were counted Monday-Friday only"
    )


_warned: set[int] = set()
_warned_lock = threading.Lock()


def _warn_fallback(year: int) -> None:
    with _warned_lock:
        if year in _warned:
            return
        _warned.add(year)
    log.warning(
        "%s; enter the State Council's schedule with PUT /api/v1/province/calendar/{date}",
        fallback_warning(year),
    )


@dataclass(frozen=True)
class _Year:
    entries: YearEntries
    national: str  # LIBRARY, PROVINCE or FALLBACK


class Calendar:
    """One consistent view of the calendar for a call chain; years load once, on demand.

    ``load(year)`` returns that year's province and city entries (the service loads
    them from the database, tests may pass dictionaries).
    """

    def __init__(self, load: Callable[[int], YearEntries] | None = None):
        self._load = load or (lambda _year: YearEntries())
        self._years: dict[int, _Year] = {}

    def _year(self, year: int) -> _Year:
        got = self._years.get(year)
        if got is None:
            entries = self._load(year)
            if library_covers(year):
                national = LIBRARY
            elif entries.province:
                national = PROVINCE
            else:
                national = FALLBACK
                _warn_fallback(year)
            got = self._years[year] = _Year(entries, national)
        return got

    def national_source(self, year: int) -> str:
        return self._year(year).national

    @property
    def national_sources(self) -> dict[int, str]:
        """Each year this view consulted, and where its national days came from."""
        return {y: got.national for y, got in self._years.items()}

    @property
    def fallback_years(self) -> list[int]:
        """Years this view consulted that had no national data (weekdays only)."""
        return sorted(y for y, got in self._years.items() if got.national == FALLBACK)

    def day(self, d: date) -> DayInfo:
        year = self._year(d.year)
        for source, entries in ((CITY, year.entries.city), (PROVINCE, year.entries.province)):
            entry = entries.get(d)
            if entry is not None:
                return DayInfo(d, entry.is_workday, entry.name, source)
        if year.national == LIBRARY:
            _on_holiday, name = chinese_calendar.get_holiday_detail(d)
            return DayInfo(d, chinese_calendar.is_workday(d), name, LIBRARY)
        return DayInfo(d, d.weekday() < 5, None, WEEKDAYS if year.national == PROVINCE else FALLBACK)

    def is_workday(self, d: date) -> bool:
        year = self._year(d.year)
        entry = year.entries.city.get(d) or year.entries.province.get(d)
        if entry is not None:
            return entry.is_workday
        if year.national == LIBRARY:
            return _library_workday(d)
        return d.weekday() < 5

    # -- arithmetic over this view ---------------------------------------------------
    def add_working_days(self, start: datetime, n: int) -> datetime:
        return arithmetic.add_working_days(start, n, self.is_workday)

    def working_days_between(self, a: datetime, b: datetime) -> float:
        return arithmetic.working_days_between(a, b, self.is_workday)

    def advance_working_time(self, start: datetime, days: float) -> datetime:
        return arithmetic.advance_working_time(start, days, self.is_workday)

    def fraction_point(self, start: datetime, due: datetime, ratio: float) -> datetime:
        return arithmetic.fraction_point(start, due, ratio, self.is_workday)
