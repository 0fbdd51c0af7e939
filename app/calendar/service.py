"""The calendar interface other domains call, and the entry administration behind the API.

Every module-level function honours the bound tenant's city entries (none when no
tenant is bound), the province entries and the library, through one ``snapshot()``.
Callers that compute many deadlines at once (the overdue sweep, KPIs) take one
``snapshot()`` per tenant and call its methods.

Caching, and why a PUT is seen within a second in every process: entries are
cached per process per (scope, year), tagged with the scope's *version token* read
from Redis (at most once per ``TOKEN_TTL`` per process, so intake does not pay a Redis
round trip per order). A write commits, then sets that scope's token to a new random
value; the writing process sees it at once, every other process within ``TOKEN_TTL``
and then reloads (one indexed query per scope and year). Tokens are random, not counters, so
a Redis flush (tokens vanish) also forces reloads instead of matching a stale
number. If Redis is unreachable the cache is bypassed (the database is the truth),
and cached years expire after ``CACHE_TTL`` seconds regardless, which bounds the
damage of a token write lost after a commit.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import MappingProxyType

import redis
from cachetools import TTLCache
from sqlalchemy import Select, func, select
from sqlalchemy.dialects.postgresql import insert

from tenants import current_tenant, current_tenant_or_none, db

from ..errors import NotFound
from ..extensions import redis_client
from .models import CityCalendarDay, ProvinceCalendarDay
from .resolver import Calendar, Entry, YearEntries

log = logging.getLogger(__name__)

PROVINCE_SCOPE = "province"
TOKEN_PREFIX = "hotline:calendar:version:"
CACHE_TTL = 60.0
TOKEN_TTL = 1.0
_CACHE_MAX = 4096
# Entries and deadline previews are accepted for these years only (date arithmetic stays sane).
FIRST_YEAR, LAST_YEAR = 2000, 2099


@dataclass(frozen=True)
class _Cached:
    token: str | None
    entries: Mapping[date, Entry]


# cachetools TTL caches: years expire after CACHE_TTL whatever the tokens say; tokens are re-read
# from Redis after TOKEN_TTL. Not thread-safe: every access holds _lock.
_cache: TTLCache[tuple[str, int], _Cached] = TTLCache(maxsize=_CACHE_MAX, ttl=CACHE_TTL)
_tokens: TTLCache[tuple[str, ...], dict[str, str | None]] = TTLCache(maxsize=1024, ttl=TOKEN_TTL)
_lock = threading.Lock()


def _read_tokens(scopes: list[str]) -> dict[str, str | None] | None:
    key = tuple(scopes)
    with _lock:
        hit = _tokens.get(key)
    if hit is not None:
        return hit
    try:
        values = redis_client.conn.mget([TOKEN_PREFIX + s for s in scopes])
    except redis.RedisError as exc:
        log.warning("calendar cache bypassed, Redis unavailable: %s", exc)
        return None
    tokens = {s: (v.decode() if isinstance(v, bytes) else v) for s, v in zip(scopes, values, strict=True)}
    with _lock:
        _tokens[key] = tokens
    return tokens


def bump(scope: str) -> None:
    """Invalidate ``scope``'s cached years in every process (call after the commit)."""
    with _lock:
        for key in [k for k in _cache if k[0] == scope]:
            _cache.pop(key, None)
        _tokens.clear()
    try:
        redis_client.conn.set(TOKEN_PREFIX + scope, uuid.uuid4().hex)
    except redis.RedisError as exc:
        log.error(
            "calendar version of %s not bumped (%s); processes see it within %ss", scope, exc, CACHE_TTL
        )


def _query(model: type[ProvinceCalendarDay] | type[CityCalendarDay], year: int) -> Mapping[date, Entry]:
    rows = db.session.execute(
        select(model.day, model.is_workday, model.name).where(
            model.day >= date(year, 1, 1), model.day < date(year + 1, 1, 1)
        )
    )
    return MappingProxyType({r.day: Entry(r.day, r.is_workday, r.name) for r in rows})  # shared: read-only


def _entries(
    scope: str, year: int, tokens: dict[str, str | None] | None, load: Callable[[int], Mapping[date, Entry]]
) -> Mapping[date, Entry]:
    if tokens is None:
        return load(year)
    token = tokens.get(scope)
    with _lock:
        hit = _cache.get((scope, year))
    if hit is not None and hit.token == token:
        return hit.entries
    entries = load(year)
    with _lock:
        _cache[(scope, year)] = _Cached(token, entries)
    return entries


def snapshot() -> Calendar:
    """A calendar for this call chain: the bound tenant's entries, the province's, the library.

    Use it inside the tenant context it was taken in.
    """
    ref = current_tenant_or_none()
    scopes = [PROVINCE_SCOPE] + ([ref.schema] if ref else [])
    tokens = _read_tokens(scopes)  # before any load: a write racing us is reloaded next time

    def load_city(year: int) -> Mapping[date, Entry]:
        bound = current_tenant_or_none()
        if bound is None or bound.schema != ref.schema:
            raise RuntimeError(f"calendar snapshot of {ref.slug} used outside its tenant context")
        return _query(CityCalendarDay, year)

    def load(year: int) -> YearEntries:
        province = _entries(PROVINCE_SCOPE, year, tokens, lambda y: _query(ProvinceCalendarDay, y))
        city = _entries(ref.schema, year, tokens, load_city) if ref else {}
        return YearEntries(province=province, city=city)

    return Calendar(load)


def is_workday(d: date) -> bool:
    return snapshot().is_workday(d)


def add_working_days(start: datetime, n: int) -> datetime:
    """End (23:59:59 Asia/Shanghai, in UTC) of the Nth working day after start's local date."""
    return snapshot().add_working_days(start, n)


def working_days_between(a: datetime, b: datetime) -> float:
    """Working time from a to b in days: working days count 24 h each, prorated; others zero."""
    return snapshot().working_days_between(a, b)


# -- entry administration (province: no tenant needed; city: the bound tenant) -----------


def _model(city: bool) -> type[ProvinceCalendarDay] | type[CityCalendarDay]:
    return CityCalendarDay if city else ProvinceCalendarDay


def _scope(city: bool) -> str:
    return current_tenant().schema if city else PROVINCE_SCOPE


def entries_query(*, city: bool, year: int | None) -> Select:
    """Entered days of one scope (optionally one year), by date."""
    model = _model(city)
    stmt = select(model).order_by(model.day)
    if year is not None:
        stmt = stmt.where(model.day >= date(year, 1, 1), model.day < date(year + 1, 1, 1))
    return stmt


def put_entry(*, city: bool, day: date, is_workday: bool, name: str, by: str) -> dict:
    """Create or replace the entry for ``day``; every process's next snapshot after the commit sees it."""
    model = _model(city)
    table = model.__table__
    values = {"is_workday": is_workday, "name": name, "updated_by": by}
    stmt = (
        insert(table)
        .values(day=day, **values)
        .on_conflict_do_update(index_elements=[table.c.day], set_={**values, "updated_at": func.now()})
        .returning(*table.c)
    )
    row = dict(db.session.execute(stmt).mappings().one())
    scope = _scope(city)
    db.after_commit(lambda: bump(scope))
    return row


def delete_entry(*, city: bool, day: date) -> None:
    model = _model(city)
    deleted = db.session.execute(
        model.__table__.delete().where(model.day == day).returning(model.day)
    ).first()
    if deleted is None:
        raise NotFound(f"no calendar entry for {day.isoformat()}")
    scope = _scope(city)
    db.after_commit(lambda: bump(scope))


# -- a holiday schedule and the preview of its effect (the provincial portal) -----------------


def schedule_entries(name: str, off_from: date, off_to: date, workdays: list[date]) -> list[Entry]:
    """The entries one holiday of the State Council's schedule makes: each day off, each 调休 day."""
    days = [off_from + timedelta(days=i) for i in range((off_to - off_from).days + 1)]
    off = [Entry(d, False, name.strip()) for d in days]
    return off + [Entry(d, True, f"{name.strip()}调休上班") for d in sorted(workdays)]


def province_view(extra: list[Entry] | tuple[Entry, ...] = ()) -> Calendar:
    """The province's calendar (no city entries), as it is or as it would be with ``extra`` entered."""
    proposed: dict[int, dict[date, Entry]] = {}
    for e in extra:
        proposed.setdefault(e.day.year, {})[e.day] = e
    tokens = _read_tokens([PROVINCE_SCOPE])

    def load(year: int) -> YearEntries:
        province = _entries(PROVINCE_SCOPE, year, tokens, lambda y: _query(ProvinceCalendarDay, y))
        if year in proposed:
            province = {**province, **proposed[year]}
        return YearEntries(province=province)

    return Calendar(load)


def put_schedule(entries: list[Entry], by: str) -> list[dict]:
    """Enter every day of a schedule in the province scope (the caller commits)."""
    return [put_entry(city=False, day=e.day, is_workday=e.is_workday, name=e.name, by=by) for e in entries]


def deadline_change(start: datetime, working_days: int, extra: list[Entry]) -> dict:
    """Due date of ``working_days`` after ``start`` in the province calendar, before and after ``extra``."""
    before, after = province_view(), province_view(extra)
    due_before = before.add_working_days(start, working_days)
    due_after = after.add_working_days(start, working_days)
    return {
        "start": start,
        "working_days": working_days,
        "before": due_before,
        "after": due_after,
        "moved_days": (due_after - due_before).days,
        "sources_before": dict(sorted(before.national_sources.items())),
        "sources_after": dict(sorted(after.national_sources.items())),
        "fallback_before": before.fallback_years,
        "fallback_after": after.fallback_years,
    }
