"""Deadlines of an order from the bound city's SLA policy and working-day calendar.

Working-day limits follow ``app.calendar.arithmetic``: the receipt (or dispatch)
date never counts, the deadline is 23:59:59 Asia/Shanghai of the Nth working day
after it. Hour limits (``emergency``) are wall-clock hours from the instant itself.
Extensions are always in working days, counted after the current due date's day.
All datetimes in and out are aware; results are UTC.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timedelta

from sqlalchemy import Select, case, func, select
from sqlalchemy.dialects.postgresql import insert

from tenants import TenantRef, current_tenant, db

from ..calendar import service as calendar
from ..calendar.arithmetic import aware
from ..calendar.resolver import Calendar, fallback_warning
from ..errors import DomainError, NotFound
from ..memo import forget, memo
from .baseline import APPEAL_TYPES, BASELINE, HOURS, URGENCIES, Limits
from .models import SlaPolicy

MEMO_SCOPE = "sla_policy"

_LIMIT_COLUMNS = tuple(f.name for f in fields(Limits))  # the policy columns besides the key


class UnknownPolicy(DomainError):
    status = 422


@dataclass(frozen=True)
class Deadlines:
    """Everything the orders domain stores at intake (all UTC)."""

    received_at: datetime
    unit: str  # working_days | hours (of accept, handle and return limits)
    accept_due_at: datetime  # sign-for deadline if dispatched at receipt; at dispatch use accept_due()
    due_at: datetime  # 办结时限
    warn_at: datetime  # 预警: warn_ratio of the handling time elapsed
    return_limit_working_days: int | None  # working-day policies; counted from dispatch (return_due)
    return_limit_hours: float | None  # hour policies (emergency)
    extension_max_working_days: int
    fallback_years: list[int] = field(default_factory=list)  # years counted Monday-Friday only

    @property
    def fallback(self) -> bool:
        return bool(self.fallback_years)


def _check(appeal_type: str, urgency: str) -> None:
    errors = {}
    if appeal_type not in APPEAL_TYPES:
        errors["appeal_type"] = [f"unknown appeal type {appeal_type!r}; one of {', '.join(APPEAL_TYPES)}"]
    if urgency not in URGENCIES:
        errors["urgency"] = [f"unknown urgency {urgency!r}; one of {', '.join(URGENCIES)}"]
    if errors:
        raise UnknownPolicy("; ".join(m for v in errors.values() for m in v), errors=errors)


def policy_for(appeal_type: str, urgency: str) -> Limits:
    """The bound city's limits; the provincial baseline if the city has no row (not provisioned yet)."""
    _check(appeal_type, urgency)

    def load() -> Limits:
        row = db.session.get(SlaPolicy, (appeal_type, urgency))
        if row is None:
            return BASELINE[(appeal_type, urgency)]
        return Limits(**{c: getattr(row, c) for c in _LIMIT_COLUMNS})

    return memo(MEMO_SCOPE, (appeal_type, urgency), load)


def _after(cal: Calendar, start: datetime, unit: str, amount: float) -> datetime:
    if unit == HOURS:
        return aware(start) + timedelta(hours=float(amount))
    return cal.add_working_days(start, int(amount))


def _warn(cal: Calendar, start: datetime, due: datetime, limits: Limits) -> datetime:
    if limits.unit == HOURS:
        return aware(start) + (due - start) * float(limits.warn_ratio)
    return cal.fraction_point(start, due, float(limits.warn_ratio))


def deadlines_for(
    received_at: datetime, appeal_type: str, urgency: str, *, cal: Calendar | None = None
) -> Deadlines:
    """Deadlines of an order received at ``received_at`` (one calendar view for all of them)."""
    return _deadlines(cal or calendar.snapshot(), received_at, policy_for(appeal_type, urgency))


def _deadlines(cal: Calendar, received_at: datetime, limits: Limits) -> Deadlines:
    due = _after(cal, received_at, limits.unit, limits.handle_limit)
    hours = limits.unit == HOURS
    return Deadlines(
        received_at=received_at,
        unit=limits.unit,
        accept_due_at=_after(cal, received_at, limits.unit, limits.accept_limit),
        due_at=due,
        warn_at=_warn(cal, received_at, due, limits),
        return_limit_working_days=None if hours else int(limits.return_limit),
        return_limit_hours=float(limits.return_limit) if hours else None,
        extension_max_working_days=int(limits.extension_max_working_days),
        fallback_years=cal.fallback_years,
    )


def preview(
    start: datetime,
    *,
    appeal_type: str | None = None,
    urgency: str = "normal",
    working_days: int | None = None,
) -> dict:
    """``GET .../sla/deadline``: a policy's deadlines, or raw calendar arithmetic with ``working_days``."""
    cal = calendar.snapshot()
    out: dict = {"start": start}
    if working_days is not None:
        out.update(working_days=working_days, due_at=cal.add_working_days(start, working_days))
    else:
        limits = policy_for(appeal_type or "", urgency)
        d = _deadlines(cal, start, limits)
        out.update(
            appeal_type=appeal_type,
            urgency=urgency,
            unit=limits.unit,
            due_at=d.due_at,
            accept_due_at=d.accept_due_at,
            warn_at=d.warn_at,
            return_due_at=_after(cal, start, limits.unit, limits.return_limit),
            extension_max_working_days=d.extension_max_working_days,
        )
    out["calendar"] = [{"year": y, "source": s} for y, s in sorted(cal.national_sources.items())]
    out["fallback_years"] = cal.fallback_years
    out["fallback"] = bool(cal.fallback_years)
    out["warnings"] = [fallback_warning(y) for y in cal.fallback_years]
    return out


def accept_due(dispatched_at: datetime, appeal_type: str, urgency: str) -> datetime:
    """Sign-for deadline (签收时限) of an assignment dispatched at ``dispatched_at``."""
    limits = policy_for(appeal_type, urgency)
    return _after(calendar.snapshot(), dispatched_at, limits.unit, limits.accept_limit)


def return_due(dispatched_at: datetime, appeal_type: str, urgency: str) -> datetime:
    """Last moment the lead department may return (退单) an order dispatched at ``dispatched_at``."""
    limits = policy_for(appeal_type, urgency)
    return _after(calendar.snapshot(), dispatched_at, limits.unit, limits.return_limit)


def extend(due_at: datetime, working_days: int) -> datetime:
    """The due date after an approved extension of ``working_days`` (延期), from due_at's day.

    The cap is ``Deadlines.extension_max_working_days``; checking it is the approver's rule.
    """
    return calendar.snapshot().add_working_days(due_at, working_days)


def warn_at_for(start: datetime, due_at: datetime, appeal_type: str, urgency: str) -> datetime:
    """The warning instant for a window (e.g. receipt to an extended due date) under the policy."""
    limits = policy_for(appeal_type, urgency)
    return _warn(calendar.snapshot(), start, due_at, limits)


# -- policy administration and provisioning ------------------------------------------------


def policies_query() -> Select:
    """The city's policies in the workflow's order of appeal types and urgencies."""
    return select(SlaPolicy).order_by(
        case(
            {t: i for i, t in enumerate(APPEAL_TYPES)}, value=SlaPolicy.appeal_type, else_=len(APPEAL_TYPES)
        ),
        case({u: i for i, u in enumerate(URGENCIES)}, value=SlaPolicy.urgency, else_=len(URGENCIES)),
        SlaPolicy.appeal_type,
    )


def get_policy(appeal_type: str, urgency: str) -> SlaPolicy:
    _check(appeal_type, urgency)
    row = db.session.get(SlaPolicy, (appeal_type, urgency))
    if row is None:
        raise NotFound(f"no SLA policy for {appeal_type}/{urgency} in this city")
    return row


def put_policy(appeal_type: str, urgency: str, limits: Limits, by: str) -> SlaPolicy:
    """Replace the city's limits for one appeal type and urgency (other cities keep theirs)."""
    _check(appeal_type, urgency)
    values = {c: getattr(limits, c) for c in _LIMIT_COLUMNS}
    stmt = (
        insert(SlaPolicy)
        .values(appeal_type=appeal_type, urgency=urgency, updated_by=by, **values)
        .on_conflict_do_update(
            index_elements=["appeal_type", "urgency"],
            set_={**values, "updated_by": by, "updated_at": func.now()},
        )
    )
    db.session.execute(stmt)
    schema = current_tenant().schema
    db.after_commit(lambda: forget(MEMO_SCOPE, schema))
    return db.session.get(SlaPolicy, (appeal_type, urgency), populate_existing=True)


def is_baseline(row: SlaPolicy) -> bool:
    """Whether the city's row still has the provincial baseline's numbers."""
    base = BASELINE.get((row.appeal_type, row.urgency))
    return base is not None and all(getattr(row, c) == getattr(base, c) for c in _LIMIT_COLUMNS)


def seed_policies(_ref: TenantRef) -> None:
    """Provisioning step ``sla-policies``: copy the baseline; rows a city already has are kept."""
    rows = [{"appeal_type": t, "urgency": u, **asdict(limits)} for (t, u), limits in BASELINE.items()]
    db.session.execute(insert(SlaPolicy).values(rows).on_conflict_do_nothing())
