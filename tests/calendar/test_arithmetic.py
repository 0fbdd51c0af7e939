"""Working-day arithmetic on real holidays (chinese-calendar 1.11), no database.

Expected dates were read off the State Council schedules and checked against the library:
Spring Festival 2026 is Feb 15-23 off with Sat Feb 14 and Sat Feb 28 worked; National Day
2025 is Oct 1-8 off with Sun Sep 28 and Sat Oct 11 worked; National Day 2026 is Oct 1-7
off with Sun Sep 20 and Sat Oct 10 worked.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

import pytest

from app.calendar import arithmetic
from app.calendar.arithmetic import TZ, NoWorkingDay
from app.calendar.resolver import Calendar, Entry, YearEntries, library_covers


def at(y, m, d, hh=10, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


def end(y, m, d) -> datetime:
    return datetime(y, m, d, 23, 59, 59, tzinfo=TZ)


def library() -> Calendar:
    return Calendar()


def with_entries(province=(), city=()) -> Calendar:
    def by_year(entries, year):
        return {e.day: e for e in entries if e.day.year == year}

    return Calendar(lambda year: YearEntries(province=by_year(province, year), city=by_year(city, year)))


def test_library_covers_2026_but_not_2027():
    assert library_covers(2026) and not library_covers(2027)


@pytest.mark.parametrize(
    ("received", "n", "due"),
    [
        # Spring Festival 2026: Fri before it; day 1 is the adjusted Saturday Feb 14, then Feb 24.
        (at(2026, 2, 13), 1, end(2026, 2, 14)),
        (at(2026, 2, 13), 3, end(2026, 2, 25)),
        (at(2026, 2, 12, 16), 3, end(2026, 2, 24)),
        # 10 working days cross both adjusted Saturdays (Feb 14 and Feb 28).
        (at(2026, 2, 13), 10, end(2026, 3, 5)),
        # Received on the adjusted Saturday itself: that day does not count.
        (at(2026, 2, 14, 9), 1, end(2026, 2, 24)),
        # National Day 2025: Fri Sep 26 -> Sun Sep 28 (worked), Mon, Tue; then Oct 9.
        (at(2025, 9, 26, 15), 3, end(2025, 9, 30)),
        (at(2025, 9, 26, 15), 4, end(2025, 10, 9)),
        (at(2025, 9, 26, 15), 10, end(2025, 10, 16)),
        # National Day 2026: the third working day is the adjusted Saturday Oct 10.
        (at(2026, 9, 30, 11), 3, end(2026, 10, 10)),
        (at(2026, 9, 30, 11), 10, end(2026, 10, 20)),
        # N = 0: the end of the receipt date.
        (at(2026, 2, 15), 0, end(2026, 2, 15)),
    ],
)
def test_due_dates_across_real_holidays(received, n, due):
    assert library().add_working_days(received, n) == due
    assert library().add_working_days(received, n).tzinfo == UTC


def test_receipt_date_is_the_shanghai_date_not_the_utc_date():
    # 16:30 UTC on Feb 13 is 00:30 on Feb 14 in Shanghai: the adjusted Saturday is the receipt date.
    late = datetime(2026, 2, 13, 16, 30, tzinfo=UTC)
    early = datetime(2026, 2, 13, 15, 30, tzinfo=UTC)
    assert library().add_working_days(early, 1) == end(2026, 2, 14)
    assert library().add_working_days(late, 1) == end(2026, 2, 24)


def test_weekends_alone_would_be_wrong():
    """The same arithmetic with Monday-Friday only gives other dates: the holidays matter."""
    weekdays = lambda d: d.weekday() < 5  # noqa: E731
    assert arithmetic.add_working_days(at(2026, 2, 13), 3, weekdays) == end(2026, 2, 18)
    assert library().add_working_days(at(2026, 2, 13), 3) == end(2026, 2, 25)


def test_2027_without_data_falls_back_to_weekdays_and_says_so(caplog):
    cal = library()
    with caplog.at_level(logging.WARNING, logger="app.calendar.resolver"):
        # Wed Dec 30 2026: Dec 31, then Jan 1 2027 counted as a working day (no data), ...
        due = cal.add_working_days(at(2026, 12, 30), 10)
    assert due == end(2027, 1, 13)
    assert cal.fallback_years == [2027]
    assert cal.national_sources == {2026: "library", 2027: "fallback"}
    assert cal.day(date(2027, 1, 1)).source == "fallback"


def test_fallback_is_logged_once_per_year_per_process(caplog):
    from app.calendar import resolver

    resolver._warned.discard(2031)
    with caplog.at_level(logging.WARNING, logger="app.calendar.resolver"):
        library().add_working_days(at(2031, 3, 2), 2)
        library().add_working_days(at(2031, 3, 2), 2)
    assert sum("2031" in r.getMessage() for r in caplog.records) == 1


def test_a_province_entry_for_2027_moves_the_deadline_and_ends_the_fallback():
    new_year = Entry(date(2027, 1, 1), False, "元旦")
    cal = with_entries(province=[new_year])
    assert cal.add_working_days(at(2026, 12, 30), 10) == end(2027, 1, 14)
    assert cal.fallback_years == []
    assert cal.national_sources[2027] == "province"
    # Days the province did not enter follow Monday-Friday.
    assert cal.day(date(2027, 1, 4)).source == "weekdays"


def test_city_entry_beats_province_beats_library():
    province = [Entry(date(2027, 1, 1), False, "元旦"), Entry(date(2026, 2, 24), False, "更正")]
    city = [Entry(date(2027, 1, 1), True, "本市上班"), Entry(date(2026, 2, 25), False, "本市放假")]
    cal = with_entries(province=province, city=city)
    assert cal.day(date(2027, 1, 1)).source == "city" and cal.is_workday(date(2027, 1, 1))
    assert cal.day(date(2026, 2, 24)).source == "province" and not cal.is_workday(date(2026, 2, 24))
    assert cal.day(date(2026, 2, 14)).source == "library" and cal.is_workday(date(2026, 2, 14))
    # Feb 13 + 3: Feb 14 (adjusted Saturday), 24 off (province), 25 off (city), 26, 27.
    assert cal.add_working_days(at(2026, 2, 13), 3) == end(2026, 2, 27)


def test_working_days_between_counts_working_time_only():
    cal = library()
    # Fri 10:00 -> Wed 10:00 across the Spring Festival: 14h + Sat Feb 14 + Feb 24 + 10h.
    assert cal.working_days_between(at(2026, 2, 13), at(2026, 2, 25)) == pytest.approx(3.0)
    assert cal.working_days_between(at(2026, 2, 25), at(2026, 2, 13)) == pytest.approx(-3.0)
    # Entirely inside the holiday: no working time.
    assert cal.working_days_between(at(2026, 2, 16), at(2026, 2, 22)) == 0


def test_advance_is_the_inverse_of_working_days_between():
    cal = library()
    start = at(2026, 2, 13, 10)
    for days in (0, 0.25, 0.5833333, 1.2, 2.9, 7.5):
        t = cal.advance_working_time(start, days)
        assert cal.working_days_between(start, t) == pytest.approx(days, abs=1e-6)
    # 14 h are left on Feb 13; one more hour lands on the adjusted Saturday, not on Feb 15.
    assert cal.advance_working_time(start, 15 / 24) == at(2026, 2, 14, 1).astimezone(UTC)


def test_fraction_point_warns_inside_the_window():
    cal = library()
    start, due = at(2026, 2, 13), cal.add_working_days(at(2026, 2, 13), 3)
    warn = cal.fraction_point(start, due, 0.8)
    assert start < warn < due
    assert warn.astimezone(TZ).date() == date(2026, 2, 25)
    assert cal.working_days_between(start, warn) == pytest.approx(
        0.8 * cal.working_days_between(start, due), abs=1e-6
    )


def test_bad_input_is_refused():
    cal = library()
    with pytest.raises(ValueError, match="naive"):
        cal.add_working_days(datetime(2026, 2, 13, 10), 1)
    with pytest.raises(ValueError, match="zero or more"):
        cal.add_working_days(at(2026, 2, 13), -1)


def test_a_calendar_without_working_days_is_an_error_not_a_hang():
    never = lambda _d: False  # noqa: E731
    with pytest.raises(NoWorkingDay):
        arithmetic.add_working_days(at(2026, 1, 5), 1, never)
    with pytest.raises(NoWorkingDay):
        arithmetic.advance_working_time(at(2026, 1, 5), 1, never)
    assert arithmetic.add_working_days(at(2026, 1, 5), 0, never) == end(2026, 1, 5)


def test_end_of_day_is_stored_in_utc():
    assert arithmetic.end_of_day(date(2026, 2, 25)) == datetime(2026, 2, 25, 15, 59, 59, tzinfo=UTC)
    assert arithmetic.end_of_day(date(2026, 2, 25)) - arithmetic.start_of_day(date(2026, 2, 25)) == timedelta(
        hours=23, minutes=59, seconds=59
    )
