"""Recompute the province facts from the tenant schemas and report differences (repair, audits).

Per city, in ONE repeatable-read transaction: the tenant orders, the facts and the rollups are
read from the same snapshot, so a concurrent order change either is in it or makes the rewrite
fail with a serialization error (retried), never silently overwritten with stale data.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import OperationalError

from tenants import db, tenant_context
from tenants.models import Tenant

from ..audit.models import AuditEntry
from ..calendar import service as calendar
from ..orders.models import Order, Supervision
from .facts import (
    CURRENT_ROLLUPS,
    EXPECTED_ROLLUPS,
    FACT_COLUMNS,
    KEY,
    ORDER_COLUMNS,
    project,
    rebuild_rollups,
)
from .measures import MEASURES
from .models import KpiDaily, KpiDelta, OrderFact, SupervisionFact
from .supervision import MANUAL_LEVELS

ATTEMPTS = 3
EXAMPLES = 5


@dataclass
class Report:
    tenant: str
    orders: int = 0
    missing: int = 0  # tenant orders without a fact
    extra: int = 0  # facts without a tenant order
    changed: int = 0
    columns: Counter = field(default_factory=Counter)  # column -> rows where it differs
    examples: list[str] = field(default_factory=list)
    rollups: int = 0  # rollup rows that differ from sums over the facts
    supervisions: int = 0  # supervision facts missing, extra or different
    fixed: bool = False

    @property
    def clean(self) -> bool:
        return not (self.missing or self.extra or self.changed or self.rollups or self.supervisions)

    def summary(self) -> str:
        what = "ok" if self.clean else ("fixed" if self.fixed else "DIFFERS")
        cols = ", ".join(f"{c} x{n}" for c, n in self.columns.most_common())
        return (
            f"{self.tenant}: {self.orders} orders; facts {self.missing} missing, {self.extra} extra, "
            f"{self.changed} changed{f' ({cols})' if cols else ''}; rollup rows differing {self.rollups}; "
            f"supervision facts differing {self.supervisions} -> {what}"
        )


def _diff(expected: dict, actual: dict, report: Report | None = None) -> tuple[list, list, list]:
    """(missing keys, extra keys, changed keys) between two dicts of row dicts."""
    missing = [k for k in expected if k not in actual]
    extra = [k for k in actual if k not in expected]
    changed = []
    for k, row in expected.items():
        have = actual.get(k)
        if have is None:
            continue
        cols = [c for c, v in row.items() if have.get(c) != v]
        if cols:
            changed.append(k)
            if report is not None:
                report.columns.update(cols)
                if len(report.examples) < EXAMPLES:
                    report.examples.append(
                        f"{row.get('number', k)}: "
                        + ", ".join(f"{c} {have.get(c)!r} -> {row[c]!r}" for c in cols)
                    )
    return missing, extra, changed


def _expected_supervisions(tenant_id: int) -> dict:
    answered_by = {
        int(r.sid): r.actor
        for r in db.session.execute(
            select(AuditEntry.data["supervision"].astext.label("sid"), AuditEntry.actor).where(
                AuditEntry.action == "supervision.answered"
            )
        )
    }
    rows = db.session.execute(
        select(Supervision, Order.number)
        .join(Order, Order.id == Supervision.order_id)
        .where(Supervision.level.in_(MANUAL_LEVELS))
    )
    out = {}
    for s, number in rows:
        out[s.id] = {
            "tenant_id": tenant_id,
            "supervision_id": s.id,
            "order_id": s.order_id,
            "number": number,
            "level": s.level,
            "created_by": s.created_by,
            "created_at": s.created_at,
            "response_due_at": s.response_due_at,
            "answered_at": s.answered_at,
            "answered_by": answered_by.get(s.id) if s.answered_at else None,
        }
    return out


def _rows(table, where) -> dict:
    key = [c.name for c in table.primary_key.columns]
    return {
        tuple(r[k] for k in key) if len(key) > 1 else r[key[0]]: dict(r)
        for r in db.session.execute(select(table).where(where)).mappings()
    }


def _check(slug: str, dry_run: bool) -> Report:
    report = Report(slug)
    with tenant_context(slug) as ref:
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        db.session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"province-rebuild:{ref.id}"}
        )
        cal = calendar.snapshot()
        orders = db.session.execute(select(*(getattr(Order, c) for c in ORDER_COLUMNS)))
        expected = {row.id: project(row, ref.id, cal) for row in orders}
        report.orders = len(expected)
        facts = {k[1]: v for k, v in _rows(OrderFact.__table__, OrderFact.tenant_id == ref.id).items()}
        missing, extra, changed = _diff(expected, facts, report)
        report.missing, report.extra, report.changed = len(missing), len(extra), len(changed)

        want = {
            (r.dim, r.day, r.tenant_id, r.key): {m: r._mapping[m] for m in MEASURES}
            for r in db.session.execute(EXPECTED_ROLLUPS, {"tenant_id": ref.id})
        }
        have = {
            (r.dim, r.day, r.tenant_id, r.key): {m: r._mapping[m] for m in MEASURES}
            for r in db.session.execute(CURRENT_ROLLUPS, {"tenant_id": ref.id})
            if any(r._mapping[m] for m in MEASURES)  # cells brought back to zero count as absent
        }
        report.rollups = sum(len(x) for x in _diff(want, have))

        sup_want = _expected_supervisions(ref.id)
        sup_have = {
            k[1]: v for k, v in _rows(SupervisionFact.__table__, SupervisionFact.tenant_id == ref.id).items()
        }
        s_missing, s_extra, s_changed = _diff(sup_want, sup_have)
        report.supervisions = len(s_missing) + len(s_extra) + len(s_changed)

        if dry_run or report.clean:
            db.session.rollback()
            return report
        _write(OrderFact, [expected[k] for k in (*missing, *changed)], KEY)
        if extra:
            db.session.execute(
                OrderFact.__table__.delete().where(
                    OrderFact.tenant_id == ref.id, OrderFact.order_id.in_(extra)
                )
            )
        rebuild_rollups(ref.id)
        _write(
            SupervisionFact, [sup_want[k] for k in (*s_missing, *s_changed)], ("tenant_id", "supervision_id")
        )
        if s_extra:
            db.session.execute(
                SupervisionFact.__table__.delete().where(
                    SupervisionFact.tenant_id == ref.id, SupervisionFact.supervision_id.in_(s_extra)
                )
            )
        db.session.commit()
        report.fixed = True
    return report


def _write(model, rows: list[dict[str, Any]], key: tuple[str, ...], batch: int = 1000) -> None:
    table = model.__table__
    for i in range(0, len(rows), batch):
        stmt = pg_insert(table).values(rows[i : i + batch])
        cols = [c.name for c in table.columns if c.name not in key]
        db.session.execute(
            stmt.on_conflict_do_update(index_elements=list(key), set_={c: stmt.excluded[c] for c in cols})
        )


def rebuild(slug: str, *, dry_run: bool = False) -> Report:
    """Check (and unless ``dry_run``, repair) one city's facts, rollups and supervision facts."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return _check(slug, dry_run)
        except OperationalError as exc:  # a concurrent change of a row we rewrite
            if "could not serialize" not in str(exc) or attempt == ATTEMPTS:
                raise
            time.sleep(0.2 * attempt)
    raise AssertionError("unreachable")


def orphans(*, dry_run: bool) -> int:
    """Facts of tenant ids no longer in the registry (a drop hook that failed); deleted unless dry-run."""
    known = select(Tenant.id)
    count = 0
    with db.engine.begin() as conn:
        for model in (OrderFact, KpiDaily, KpiDelta, SupervisionFact):
            table = model.__table__
            where = table.c.tenant_id.not_in(known)
            count += conn.execute(select(text("count(*)")).select_from(table).where(where)).scalar() or 0
            if not dry_run:
                conn.execute(table.delete().where(where))
    return count


__all__ = ["FACT_COLUMNS", "Report", "orphans", "rebuild"]
