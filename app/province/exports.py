"""The province's order list as an export table: PII-free facts only (number, city, codes,
instants), the same rows synchronously (small lists) and in a background export (large ones)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select

from tenants import db

from . import queries

SH = ZoneInfo("Asia/Shanghai")
SYNC_MAX_ROWS = 10_000  # longer order lists are exported in the background (app.exports)
ORDER_HEAD = [
    "number",
    "city",
    "status",
    "category",
    "district",
    "lead_department",
    "received",
    "due",
    "overdue",
]
_INSTANTS = ("created_from", "created_to")


def order_args(params: dict, owner_tenant: str | None) -> dict:
    """Stored filters (JSON) back to ``queries.orders`` arguments; a city user sees their city only."""
    args = {k: v for k, v in params.items() if k not in _INSTANTS}
    for name in _INSTANTS:
        if params.get(name):
            args[name] = datetime.fromisoformat(params[name])
    if owner_tenant is not None:
        args["tenant"] = [owner_tenant]
    return args


def stored(args: dict) -> dict:
    """``queries.orders`` arguments as JSON for a background export."""
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in args.items()}


def count(stmt: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))


def order_rows(args: dict, limit: int | None = None) -> Iterator[list]:
    stmt = queries.orders(args)
    if limit is not None:
        stmt = stmt.limit(limit)
    for row in db.session.execute(stmt.execution_options(yield_per=2000)):
        f = row.OrderFact
        yield [
            f.number,
            row.tenant,
            f.status,
            f.category_code,
            f.district_code,
            f.lead_department,
            f.created_at.astimezone(SH).strftime("%Y-%m-%d %H:%M"),
            f.due_at.astimezone(SH).strftime("%Y-%m-%d %H:%M") if f.due_at else None,
            f.overdue_at is not None,
        ]


def order_table(params: dict, owner_tenant: str | None) -> tuple[list[str], int, Iterator[list]]:
    """The export table ``orders`` (registered with ``app.exports.service.register``)."""
    args = order_args(params, owner_tenant)
    return ORDER_HEAD, count(queries.orders(args)), order_rows(args)
