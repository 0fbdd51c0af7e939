"""The SLA service the orders domain calls: deadlines across real holidays, hours, returns, extensions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app.calendar import service as calendar
from app.calendar.arithmetic import TZ
from app.errors import DomainError
from app.sla import service
from app.sla.baseline import BASELINE, Limits
from tenants import db, tenant_context


def at(y, m, d, hh=10, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


def end(y, m, d) -> datetime:
    return datetime(y, m, d, 23, 59, 59, tzinfo=TZ)


@pytest.fixture
def sjz(app_ctx, two_tenants):
    with tenant_context("shijiazhuang") as ref:
        yield ref


def test_consultation_received_before_spring_festival(sjz):
    # Fri Feb 13 2026: day 1 is the adjusted Saturday Feb 14, then Feb 24, 25 (Feb 15-23 off).
    d = service.deadlines_for(at(2026, 2, 13), "consultation", "normal")
    assert d.due_at == end(2026, 2, 25)
    assert d.accept_due_at == end(2026, 2, 14)  # 1 working day: the adjusted Saturday
    assert d.unit == "working_days" and d.return_limit_working_days == 2 and d.return_limit_hours is None
    assert d.extension_max_working_days == 10
    assert not d.fallback and d.fallback_years == []
    # Warning at 80% of the working time: early on the last day, never in the holiday.
    assert d.warn_at.astimezone(TZ).date() == date(2026, 2, 25)
    assert d.due_at.tzinfo == UTC


def test_complaint_received_before_national_day(sjz):
    # Fri Sep 26 2025: Sun Sep 28 (worked), 29, 30, then Oct 9, 10, Sat Oct 11 (worked), 13-16.
    d = service.deadlines_for(at(2025, 9, 26, 15), "complaint", "normal")
    assert d.due_at == end(2025, 10, 16)
    assert d.accept_due_at == end(2025, 9, 28)
    # 2026: Wed Sep 30 -> Oct 8, 9, Sat Oct 10 (worked), 12-16, 19, 20 for 10 working days.
    assert service.deadlines_for(at(2026, 9, 30, 11), "report", "normal").due_at == end(2026, 10, 20)
    # Suggestion (13) from the same day: Oct 21, 22, 23.
    assert service.deadlines_for(at(2026, 9, 30, 11), "suggestion", "normal").due_at == end(2026, 10, 23)


def test_urgent_is_shorter(sjz):
    normal = service.deadlines_for(at(2026, 2, 13), "complaint", "normal")
    urgent = service.deadlines_for(at(2026, 2, 13), "complaint", "urgent")
    assert urgent.due_at == end(2026, 2, 27) < normal.due_at  # 5 working days
    assert urgent.extension_max_working_days == 5 and urgent.return_limit_working_days == 1


def test_emergency_counts_wall_clock_hours_even_on_holidays(sjz):
    received = at(2026, 2, 16, 22)  # in the middle of the Spring Festival
    d = service.deadlines_for(received, "help", "emergency")
    assert d.unit == "hours"
    assert d.accept_due_at == received + timedelta(minutes=30)
    assert d.due_at == received + timedelta(hours=24)
    assert d.warn_at == received + timedelta(hours=12)
    assert d.return_limit_hours == 1 and d.return_limit_working_days is None
    assert service.return_due(received, "help", "emergency") == received + timedelta(hours=1)


def test_2027_fallback_is_reported_and_a_province_entry_removes_it(sjz, restore_calendars):
    d = service.deadlines_for(at(2026, 12, 30), "complaint", "normal")
    assert d.due_at == end(2027, 1, 13) and d.fallback and d.fallback_years == [2027]
    calendar.put_entry(city=False, day=date(2027, 1, 1), is_workday=False, name="元旦", by="test")
    db.session.commit()  # services leave the commit to their caller
    moved = service.deadlines_for(at(2026, 12, 30), "complaint", "normal")
    assert moved.due_at == end(2027, 1, 14) and not moved.fallback


def test_return_accept_and_extension_from_their_own_instants(sjz):
    dispatched = at(2026, 2, 12, 17)  # Thu before the Spring Festival
    assert service.accept_due(dispatched, "complaint", "normal") == end(2026, 2, 13)
    assert service.return_due(dispatched, "complaint", "normal") == end(2026, 2, 14)
    # Extending a due date of Fri Feb 13 by 3 working days: Sat Feb 14, Tue Feb 24, Wed Feb 25.
    assert service.extend(end(2026, 2, 13), 3) == end(2026, 2, 25)
    assert service.extend(end(2026, 2, 13), 0) == end(2026, 2, 13)
    warn = service.warn_at_for(at(2026, 2, 10), end(2026, 2, 25), "complaint", "normal")
    assert at(2026, 2, 10) < warn < end(2026, 2, 25)


def test_city_policy_applies_to_that_city_only(sjz, restore_policies):
    service.put_policy("complaint", "normal", Limits("working_days", 1, 5, 2, 10, 0.8), by="test")
    db.session.commit()  # services leave the commit to their caller
    assert service.deadlines_for(at(2026, 2, 13), "complaint", "normal").due_at == end(2026, 2, 27)
    with tenant_context("tangshan"):
        assert service.deadlines_for(at(2026, 2, 13), "complaint", "normal").due_at == end(2026, 3, 5)
    assert BASELINE[("complaint", "normal")].handle_limit == 10  # the baseline itself is untouched


def test_unknown_type_or_urgency_is_a_422_domain_error(sjz):
    with pytest.raises(DomainError) as err:
        service.deadlines_for(at(2026, 2, 13), "gossip", "whenever")
    assert err.value.status == 422 and set(err.value.errors) == {"appeal_type", "urgency"}


def test_naive_datetimes_are_refused(sjz):
    with pytest.raises(ValueError, match="naive"):
        service.deadlines_for(datetime(2026, 2, 13, 10), "help", "normal")
