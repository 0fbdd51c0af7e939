"""Working-day arithmetic over any ``is_workday(date)`` predicate (pure functions).

What "N working days from an instant" means here (the platform-wide rule):

- Days are calendar days in Asia/Shanghai; the instant's local date is the *receipt
  date* and never counts, whatever the hour (次日起算: day 1 is the first working day
  after the receipt date, also when the receipt date is itself a working day).
- The deadline is the end of the Nth working day, 23:59:59 Asia/Shanghai, returned
  in UTC. N = 0 means the end of the receipt date itself (当日办结).
- Elapsed working time (``working_days_between``) counts each working day as one
  whole day of 24 hours, prorated for partial days, and non-working days as zero;
  it is what KPIs average ("average handling time in working days") and what the
  warning threshold of an SLA policy is a fraction of.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
DAY = timedelta(days=1)
END_OF_DAY = time(23, 59, 59)
# A calendar with more than a year of consecutive days off is an entry mistake, not a calendar.
MAX_DAYS_OFF = 366

IsWorkday = Callable[[date], bool]


class NoWorkingDay(ValueError):
    """The calendar has no working day for more than a year: a broken set of entries."""


def aware(at: datetime) -> datetime:
    """Refuse naive datetimes: an instant without a zone has no receipt date."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("naive datetime: pass an aware datetime (UTC or Asia/Shanghai)")
    return at


def local_date(at: datetime) -> date:
    return aware(at).astimezone(TZ).date()


def start_of_day(d: date) -> datetime:
    return datetime.combine(d, time.min, TZ).astimezone(UTC)


def end_of_day(d: date) -> datetime:
    """23:59:59 Asia/Shanghai of ``d``, in UTC."""
    return datetime.combine(d, END_OF_DAY, TZ).astimezone(UTC)


def add_working_days(start: datetime, n: int, is_workday: IsWorkday) -> datetime:
    """End of the Nth working day after the receipt date of ``start`` (see module doc)."""
    if n < 0:
        raise ValueError("working days must be zero or more")
    d = local_date(start)
    counted = days_off = 0
    while counted < n:
        d += DAY
        if is_workday(d):
            counted += 1
            days_off = 0
        else:
            days_off += 1
            if days_off > MAX_DAYS_OFF:
                raise NoWorkingDay(f"no working day in the year after {d - DAY * MAX_DAYS_OFF}")
    return end_of_day(d)


def working_days_between(a: datetime, b: datetime, is_workday: IsWorkday) -> float:
    """Working time from ``a`` to ``b`` in days (negative when ``b`` is before ``a``)."""
    a, b = aware(a).astimezone(UTC), aware(b).astimezone(UTC)
    if b < a:
        return -working_days_between(b, a, is_workday)
    total = 0.0
    d, last = local_date(a), local_date(b)
    while d <= last:
        if is_workday(d):
            lo, hi = max(a, start_of_day(d)), min(b, start_of_day(d + DAY))
            total += (hi - lo).total_seconds() / 86400
        d += DAY
    return total


def advance_working_time(start: datetime, days: float, is_workday: IsWorkday) -> datetime:
    """The first instant at which ``days`` of working time have elapsed since ``start``."""
    if days < 0:
        raise ValueError("working time must be zero or more")
    at = aware(start).astimezone(UTC)
    remaining = days
    d, days_off = local_date(at), 0
    while True:
        if is_workday(d):
            lo = max(at, start_of_day(d))
            available = (start_of_day(d + DAY) - lo).total_seconds() / 86400
            if remaining <= available:
                return lo + timedelta(days=remaining)
            remaining -= available
            days_off = 0
        else:
            days_off += 1
            if days_off > MAX_DAYS_OFF:
                raise NoWorkingDay(f"no working day in the year after {d - DAY * MAX_DAYS_OFF}")
        d += DAY


def fraction_point(start: datetime, due: datetime, ratio: float, is_workday: IsWorkday) -> datetime:
    """When ``ratio`` of the working time between ``start`` and ``due`` has elapsed (warnings)."""
    total = working_days_between(start, due, is_workday)
    if total <= 0:
        return due
    return min(due, advance_working_time(start, ratio * total, is_workday))
