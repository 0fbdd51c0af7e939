"""Province-wide order facts, kept equal to the tenant order in the order's own transaction.

The observer runs ONE statement per order change: a data-modifying CTE that upserts the
fact row and appends (new contribution - old contribution) to ``kpi_delta``. Appending
never waits: a city's intakes would otherwise all queue on the same daily counter rows
until each commits. ``fold`` (every few seconds, and before a rebuild) moves the deltas
into ``kpi_daily`` in one statement; KPIs read both, so they are exact at every moment.
Cells whose contribution did not change get no delta (a deadline warning changes no counter).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text

from tenants import current_tenant, db
from tenants.context import TenantRef

from ..orders.events import OrderChanged
from .measures import MEASURES, measure_exprs
from .models import KpiDaily, KpiDelta, OrderFact

LOCAL = ZoneInfo("Asia/Shanghai")
# Copied from the order as they are.
FROM_ORDER = (
    "number",
    "status",
    "channel",
    "appeal_type",
    "category_code",
    "urgency",
    "district_code",
    "lead_department",
    "transferred_to",
    "direct_closure",
    "reply_outcome",
    "satisfaction",
    "resolved",
    "reopen_count",
    "return_count",
    "created_at",
    "dispatched_at",
    "accept_due_at",
    "accepted_at",
    "due_at",
    "replied_at",
    "closed_at",
    "overdue_at",
    "callback_at",
    "updated_at",
)
# What a projection reads from a tenant order (the rebuild selects exactly these).
ORDER_COLUMNS = ("id", "repeat_of_id", *FROM_ORDER)
FACT_COLUMNS = tuple(c.name for c in OrderFact.__table__.columns)
KEY = ("tenant_id", "order_id")
DIMENSIONS = ("total", "category", "department", "channel")
THOUSANDTH = Decimal("0.001")


def local_day(at: datetime) -> date:
    return at.astimezone(LOCAL).date()


def handling_days(order: Any, cal=None) -> Decimal | None:
    """Working days from receipt to closure while closed, else None (``cal``: a calendar view)."""
    if order.status != "closed" or order.closed_at is None:
        return None
    if cal is None:
        from ..calendar import service as calendar

        cal = calendar.snapshot()
    return Decimal(cal.working_days_between(order.created_at, order.closed_at)).quantize(THOUSANDTH)


def project(order: Any, tenant_id: int, cal=None) -> dict[str, Any]:
    """The fact row of a tenant order (an ``Order`` or any row with ``ORDER_COLUMNS``)."""
    row = {name: getattr(order, name) for name in FROM_ORDER}
    row["category_code"] = row["category_code"] or ""  # '' in province facts: still in triage
    row.update(
        tenant_id=tenant_id,
        order_id=order.id,
        day=local_day(order.created_at),
        is_repeat=order.repeat_of_id is not None,
        direct_closure=bool(order.direct_closure),
        reopen_count=order.reopen_count or 0,
        return_count=order.return_count or 0,
        handling_days=handling_days(order, cal),
    )
    return row


# -- SQL -------------------------------------------------------------------------------------
def _rollup_select(source: str) -> str:
    """Per-dimension sums of the measure rows in ``source`` (aliased m), in lock order."""
    sums = ", ".join(
        f"sum({name})::{'numeric' if name == 'handling_days' else 'integer'} AS {name}" for name in MEASURES
    )
    nonzero = " OR ".join(f"sum({name}) <> 0" for name in MEASURES)
    return f"""
SELECT g.dim, m.day, m.tenant_id, g.key, {sums}
FROM {source} CROSS JOIN LATERAL (VALUES ('total', ''), ('category', m.category_code),
     ('department', m.department), ('channel', m.channel)) AS g(dim, key)
GROUP BY g.dim, m.day, m.tenant_id, g.key
HAVING {nonzero}
ORDER BY 1, 2, 3, 4"""


def _rollup_insert(source: str, table: str = "kpi_daily") -> str:
    return (
        f"INSERT INTO province.{table} AS k (dim, day, tenant_id, key, {', '.join(MEASURES)})"
        + _rollup_select(source)
    )


def _measure_rows(relation: str, sign: str) -> str:
    exprs = ", ".join(f"{sql} AS {name}" for name, sql in measure_exprs(sign))
    return (
        "SELECT tenant_id, day, category_code, COALESCE(lead_department, '') AS department, channel, "
        f"{exprs} "
        f"FROM {relation}"
    )


def _upsert_sql() -> str:
    """The fact arrives as one JSON parameter (typed by the table's own row type): one bound value
    instead of thirty keeps the per-change cost in Python and the driver small."""
    cols = ", ".join(FACT_COLUMNS)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in FACT_COLUMNS if c not in KEY)
    return f"""
WITH new AS (SELECT {cols} FROM jsonb_populate_record(NULL::province.order_facts, CAST(:fact AS jsonb))),
old AS (SELECT {cols} FROM province.order_facts
        WHERE (tenant_id, order_id) = (SELECT tenant_id, order_id FROM new)),
up AS (INSERT INTO province.order_facts ({cols}) SELECT {cols} FROM new
       ON CONFLICT (tenant_id, order_id) DO UPDATE SET {updates}),
d AS (SELECT 1 AS sign, {cols} FROM new UNION ALL SELECT -1 AS sign, {cols} FROM old),
m AS ({_measure_rows("d", "sign")})
{_rollup_insert("m", "kpi_delta")}"""


def _fold_sql() -> str:
    sums = ", ".join(
        f"sum({name})::{'numeric' if name == 'handling_days' else 'integer'}" for name in MEASURES
    )
    bump = ", ".join(f"{m} = k.{m} + EXCLUDED.{m}" for m in MEASURES)
    return f"""
WITH moved AS (DELETE FROM province.kpi_delta RETURNING *)
INSERT INTO province.kpi_daily AS k (dim, day, tenant_id, key, {", ".join(MEASURES)})
SELECT dim, day, tenant_id, key, {sums} FROM moved GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
ON CONFLICT (dim, day, tenant_id, key) DO UPDATE SET {bump}"""


def _insert_new_sql() -> str:
    """A new order has no previous fact: a plain insert and its contribution, nothing to look up."""
    cols = ", ".join(FACT_COLUMNS)
    return f"""
WITH new AS (SELECT {cols} FROM jsonb_populate_record(NULL::province.order_facts, CAST(:fact AS jsonb))),
up AS (INSERT INTO province.order_facts ({cols}) SELECT {cols} FROM new),
m AS ({_measure_rows("new", "1")})
{_rollup_insert("m", "kpi_delta")}"""


UPSERT = text(_upsert_sql())
INSERT_NEW = text(_insert_new_sql())
FOLD = text(_fold_sql())
FOLD_LOCK = text("SELECT pg_advisory_xact_lock(hashtext('province-kpi-fold'))")
# Rollups of one tenant recomputed from its facts (rebuild, bench loader).
_TENANT_MEASURES = f"({_measure_rows('province.order_facts', '1')} WHERE tenant_id = :tenant_id) AS m"
ROLLUP_FROM_FACTS = text(_rollup_insert(_TENANT_MEASURES))
EXPECTED_ROLLUPS = text(_rollup_select(_TENANT_MEASURES))
ROLLUP_COLUMNS = ("dim", "day", "tenant_id", "key", *MEASURES)


def _current_sql() -> str:
    cols = ", ".join(MEASURES)
    sums = ", ".join(
        f"sum({name})::{'numeric' if name == 'handling_days' else 'integer'} AS {name}" for name in MEASURES
    )
    return f"""
SELECT dim, day, tenant_id, key, {sums} FROM (
    SELECT dim, day, tenant_id, key, {cols} FROM province.kpi_daily WHERE tenant_id = :tenant_id
    UNION ALL
    SELECT dim, day, tenant_id, key, {cols} FROM province.kpi_delta WHERE tenant_id = :tenant_id
) AS r GROUP BY 1, 2, 3, 4"""


# One tenant's rollups as KPIs see them: folded rows plus the deltas not folded yet.
CURRENT_ROLLUPS = text(_current_sql())


def write(order: Any, tenant_id: int, cal=None, *, new: bool = False) -> None:
    """Upsert the fact of ``order`` and move the rollups by its change (one statement).

    ``new``: the order was just created (intake), so there is no earlier fact to subtract.
    """
    fact = json.dumps(project(order, tenant_id, cal), default=str, ensure_ascii=False)
    db.run_compiled(INSERT_NEW if new else UPSERT, {"fact": fact})


def observe_order(event: OrderChanged) -> None:
    """The orders observer (registered by the app factory): every change, same transaction."""
    write(event.order, current_tenant().id, new=event.created)


def fold() -> int:
    """Move every committed delta into ``kpi_daily`` (scheduled every few seconds)."""
    db.session.execute(FOLD_LOCK)
    moved = db.session.execute(FOLD).rowcount
    db.session.commit()
    return moved


def rebuild_rollups(tenant_id: int) -> None:
    """Replace one tenant's rollups by sums over its facts (the invariant the observer keeps)."""
    db.session.execute(FOLD_LOCK)
    db.session.execute(KpiDelta.__table__.delete().where(KpiDelta.tenant_id == tenant_id))
    db.session.execute(KpiDaily.__table__.delete().where(KpiDaily.tenant_id == tenant_id))
    db.session.execute(ROLLUP_FROM_FACTS, {"tenant_id": tenant_id})


def drop_tenant(ref: TenantRef) -> None:
    """Drop hook: a dropped city's facts, rollups, supervision facts and transfers go with it."""
    from .models import SupervisionFact, Transfer

    with db.engine.begin() as conn:
        for table, where in (
            (OrderFact.__table__, OrderFact.tenant_id == ref.id),
            (KpiDaily.__table__, KpiDaily.tenant_id == ref.id),
            (KpiDelta.__table__, KpiDelta.tenant_id == ref.id),
            (SupervisionFact.__table__, SupervisionFact.tenant_id == ref.id),
            (
                Transfer.__table__,
                (Transfer.source_tenant_id == ref.id) | (Transfer.target_tenant_id == ref.id),
            ),
        ):
            conn.execute(table.delete().where(where))
