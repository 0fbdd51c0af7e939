"""The intake INSERT, compiled from the model once per city schema and shape (docs/architecture.md
§4, "Intake").

Intake is the platform's hottest path. The statement is SQLAlchemy's ``insert(orders)`` with the
repeat search (重复诉求) folded in as a CTE and ``RETURNING`` what the database decides; it is
built for a per-schema copy of the model's table (no schema translation per execution) and
compiled once per (schema, columns sent, search shape). Each execution then only binds the
values, with the model's defaults and the types' bind processors applied as SQLAlchemy would,
and runs the compiled SQL on the unit of work's connection (psycopg prepares it on the server).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    DateTime,
    Insert,
    MetaData,
    Numeric,
    String,
    Table,
    and_,
    bindparam,
    func,
    insert,
    literal_column,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by

from tenants import db

from .events import ORDER_COLUMNS
from .models import Order
from .numbers import next_number

REPEAT_WINDOW = timedelta(days=30)
REPEAT_LIMIT = 5

# The repeat search (重复诉求) folded into the INSERT: same caller, or same district, category and
# address, within REPEAT_WINDOW; the newest is ``repeat_of_id``, all are ``repeat_candidates``.
_REPEAT_COLUMNS = ("id", "number", "status", "created_at", "caller_phone_hash")
_SEARCH_COLUMNS = ("caller_phone_hash", "district_code", "category_code", "address")
# What the database decides (the row's id, number and repeat link) or normalizes (timestamps in the
# session's time zone, numerics to their scale) comes back from the INSERT; the rest is what we sent.
_DECIDED = ("id", "number", "repeat_of_id")
_NORMALIZED_TYPES = (DateTime, Numeric)


_PER_SCHEMA = MetaData()  # holds the per-schema copies of ``orders``
_tables: dict[str, Table] = {}  # a copy appears here only once complete
_tables_lock = threading.Lock()


def orders_in(schema: str) -> Table:
    """``orders`` of one city schema, a copy of the model's table: its statements need no schema
    translation per execution (the schema comes from the tenant registry, never from a request)."""
    table = _tables.get(schema)
    if table is None:
        with _tables_lock:  # two threads' first intake in a city must not both copy it
            table = _tables.get(schema)
            if table is None:
                table = _tables[schema] = Order.__table__.to_metadata(_PER_SCHEMA, schema=schema)
    return table


def _returned(table: Table, columns: tuple[str, ...]) -> list:
    """RETURNING: what the database decides, and the sent columns whose type it normalizes."""
    return [table.c[c] for c in _DECIDED] + [
        table.c[c] for c in columns if isinstance(table.c[c].type, _NORMALIZED_TYPES)
    ]


def insert_statement(schema: str, columns: tuple[str, ...], same_caller: bool, same_place: bool) -> Insert:
    """INSERT ... RETURNING (and the repeats found), built from the model once per schema and shape.

    ``columns`` are the keys intake sends (the VALUES; the model's defaults fill the others);
    ``number`` is the city's next number, computed in SQL.
    """
    t = orders_in(schema)
    number = next_number(bindparam("number_prefix", type_=String), schema)
    returning = _returned(t, columns)
    where = []
    if same_caller:
        where.append(t.c.caller_phone_hash == bindparam("same_caller_phone_hash"))
    if same_place:
        where.append(
            and_(
                t.c.district_code == bindparam("same_district_code"),
                t.c.category_code == bindparam("same_category_code"),
                t.c.address == bindparam("same_address"),
            )
        )
    if not where:
        return insert(t).values(number=number).returning(*returning)
    repeats = (
        select(*(t.c[c] for c in _REPEAT_COLUMNS))
        .where(
            or_(*where), t.c.created_at >= bindparam("repeat_since"), t.c.status != literal_column("'merged'")
        )
        .order_by(t.c.created_at.desc())
        .limit(bindparam("repeat_limit"))
        .cte("repeats")
    )
    newest = select(repeats.c.id).order_by(repeats.c.created_at.desc()).limit(literal_column("1"))
    pairs = (x for c in _REPEAT_COLUMNS for x in (literal_column(f"'{c}'"), repeats.c[c]))
    found = select(
        func.coalesce(
            func.json_agg(aggregate_order_by(func.json_build_object(*pairs), repeats.c.created_at.desc())),
            literal_column("'[]'::json"),
        )
    ).scalar_subquery()
    return (
        insert(t)
        .values(number=number, repeat_of_id=newest.scalar_subquery())
        .returning(*returning, found.label("repeats"))
        .add_cte(repeats)
    )


@dataclass
class CompiledInsert:
    """One compiled intake INSERT: its SQL for one schema and how to bind and read it."""

    sql: str
    defaults: Mapping[str, Any]  # the model's defaults of the columns intake does not send
    bind_processors: Mapping[str, Callable[[Any], Any]]
    returned: list  # the RETURNING columns (their types read the row)
    result_processors: list | None = field(default=None)  # per returned column, on first use


@lru_cache(maxsize=2048)
def compiled_insert(
    schema: str, columns: tuple[str, ...], same_caller: bool, same_place: bool
) -> CompiledInsert:
    """The statement of one schema and shape, compiled once (the cache: "per schema and shape")."""
    dialect = db.engine.dialect
    compiled = insert_statement(schema, columns, same_caller, same_place).compile(
        dialect=dialect, column_keys=list(columns)
    )
    table = orders_in(schema)
    defaults = {}
    for column in table.columns:  # what SQLAlchemy would add for the columns not sent
        default = column.default
        if default is not None and column.key not in columns and not default.is_clause_element:
            defaults[column.key] = default.arg if default.is_scalar else default.arg(None)
    processors = {}
    for name, bind in compiled.binds.items():
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processors[name] = process
    return CompiledInsert(compiled.string, defaults, processors, _returned(table, columns))


def insert_order(schema: str, prefix: str, values: dict[str, Any]) -> tuple[dict[str, Any], list[dict]]:
    """Insert one order; returns its full row (what was sent, the defaults, what came back) and the
    repeats found (newest first)."""
    same_caller = values["caller_phone_hash"] is not None
    same_place = bool(values["district_code"] and values["address"])
    plan = compiled_insert(schema, tuple(values), same_caller, same_place)
    params = {**values, **plan.defaults, "number_prefix": prefix}
    if same_caller or same_place:  # the search's own names: VALUES owns the column names
        params.update({f"same_{c}": values[c] for c in _SEARCH_COLUMNS})
        params.update(repeat_since=values["created_at"] - REPEAT_WINDOW, repeat_limit=REPEAT_LIMIT)
    sent = dict(params)
    for name, process in plan.bind_processors.items():
        if name in params:
            params[name] = process(params[name])
    result = db.session.connection().exec_driver_sql(plan.sql, params)
    if plan.result_processors is None:
        dialect = db.engine.dialect
        plan.result_processors = [
            c.type.dialect_impl(dialect).result_processor(dialect, d[1])
            for c, d in zip(plan.returned, result.cursor.description, strict=False)
        ]
    raw = result.one()
    returned = {
        c.key: (p(v) if p is not None else v)
        for c, p, v in zip(plan.returned, plan.result_processors, raw, strict=False)
    }
    found = raw[len(plan.returned)] if len(raw) > len(plan.returned) else []
    return {c: sent.get(c) for c in ORDER_COLUMNS} | returned, found or []
