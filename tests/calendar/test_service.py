"""The calendar service against the database: province and city entries, cache and its invalidation."""

from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import date, datetime

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import event, text

from app.calendar import service
from app.calendar.arithmetic import TZ
from app.extensions import redis_client
from tenants import db, tenant_context

RECEIVED = datetime(2026, 12, 30, 10, 0, tzinfo=TZ)  # Wed; 10 working days reach into 2027


def end(y, m, d) -> datetime:
    return datetime(y, m, d, 23, 59, 59, tzinfo=TZ)


def due_in(city: str, n: int = 10) -> datetime:
    with tenant_context(city):
        return service.add_working_days(RECEIVED, n)


@contextmanager
def calendar_queries():
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        if "calendar_days" in statement:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_2027_without_entries_counts_weekdays_and_is_flagged(app_ctx, two_tenants, restore_calendars):
    with tenant_context("shijiazhuang"):
        cal = service.snapshot()
        assert cal.add_working_days(RECEIVED, 10) == end(2027, 1, 13)
        assert cal.fallback_years == [2027]


def test_province_entry_for_2027_moves_every_city(app_ctx, two_tenants, restore_calendars):
    service.put_entry(city=False, day=date(2027, 1, 1), is_workday=False, name="元旦", by="test")
    db.session.commit()  # services leave the commit to their caller
    assert due_in("shijiazhuang") == due_in("tangshan") == end(2027, 1, 14)
    with tenant_context("tangshan"):
        assert service.snapshot().national_source(2027) == "province"
        assert not service.is_workday(date(2027, 1, 1))


def test_city_override_moves_only_that_city(app_ctx, two_tenants, restore_calendars):
    service.put_entry(city=False, day=date(2027, 1, 1), is_workday=False, name="元旦", by="test")
    db.session.commit()  # services leave the commit to their caller
    with tenant_context("shijiazhuang"):
        service.put_entry(city=True, day=date(2027, 1, 12), is_workday=False, name="本市停工", by="test")
        db.session.commit()  # services leave the commit to their caller
    assert due_in("shijiazhuang") == end(2027, 1, 15)
    assert due_in("tangshan") == end(2027, 1, 14)
    # In a year the library covers, a city entry beats the library too.
    with tenant_context("tangshan"):
        service.put_entry(city=True, day=date(2026, 2, 24), is_workday=False, name="本市放假", by="test")
        db.session.commit()  # services leave the commit to their caller
        assert service.add_working_days(datetime(2026, 2, 13, 10, tzinfo=TZ), 3) == end(2026, 2, 26)
    with tenant_context("shijiazhuang"):
        assert service.add_working_days(datetime(2026, 2, 13, 10, tzinfo=TZ), 3) == end(2026, 2, 25)


def test_deleting_an_entry_restores_the_previous_source(app_ctx, two_tenants, restore_calendars):
    with tenant_context("shijiazhuang"):
        service.put_entry(city=True, day=date(2026, 2, 14), is_workday=False, name="误录", by="test")
        db.session.commit()  # services leave the commit to their caller
        assert not service.is_workday(date(2026, 2, 14))
        service.delete_entry(city=True, day=date(2026, 2, 14))
        db.session.commit()  # services leave the commit to their caller
        assert service.is_workday(date(2026, 2, 14))  # the library's adjusted Saturday again


def test_years_are_cached_per_process_and_reloaded_after_a_write(app_ctx, two_tenants, restore_calendars):
    with tenant_context("shijiazhuang"):
        service.add_working_days(RECEIVED, 10)  # warm 2027 (province and city)
        with calendar_queries() as seen:
            for _ in range(5):
                service.add_working_days(RECEIVED, 10)
        assert seen == []
    service.put_entry(city=False, day=date(2027, 1, 1), is_workday=False, name="元旦", by="test")
    db.session.commit()  # services leave the commit to their caller
    with tenant_context("shijiazhuang"), calendar_queries() as seen:
        assert service.add_working_days(RECEIVED, 10) == end(2027, 1, 14)
    # Only the changed scope reloads: the province's 2026 and 2027, not the city's.
    assert len(seen) == 2 and all("province.calendar_days" in q for q in seen)


def test_without_redis_the_cache_is_bypassed_and_answers_stay_right(app_ctx, two_tenants, restore_calendars):
    with tenant_context("shijiazhuang"):
        assert service.add_working_days(RECEIVED, 10) == end(2027, 1, 13)  # 2027 cached here
    real = redis_client._client
    redis_client._client = redis.Redis(host="127.0.0.1", port=1, retry=Retry(NoBackoff(), 0))
    try:
        # Another process enters a day while Redis is down: its version bump is lost too.
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO province.calendar_days (day, is_workday, name, updated_by) "
                    "VALUES ('2027-01-01', false, '元旦', 'elsewhere')"
                )
            )
        time.sleep(service.TOKEN_TTL)  # version tokens are re-read once a second
        assert due_in("shijiazhuang") == end(2027, 1, 14)
    finally:
        redis_client._client = real


def test_province_context_uses_province_entries_only(app_ctx, two_tenants, restore_calendars):
    with tenant_context("shijiazhuang"):
        service.put_entry(city=True, day=date(2026, 2, 24), is_workday=False, name="本市放假", by="test")
        db.session.commit()  # services leave the commit to their caller
    assert service.add_working_days(datetime(2026, 2, 13, 10, tzinfo=TZ), 3) == end(2026, 2, 25)
    assert (
        service.working_days_between(
            datetime(2026, 2, 13, 10, tzinfo=TZ), datetime(2026, 2, 25, 10, tzinfo=TZ)
        )
        == 3.0
    )
