"""The intake INSERT as prepared SQL text, one statement per city schema and repeat-search shape.

Intake is the platform's hottest path. Building the INSERT ... RETURNING with its repeat
search through SQLAlchemy's expression language costs more CPU than the database spends
on it (a cache key over every value, a CTE built per call), so the statement is rendered
once per (schema, shape) and reused; psycopg then prepares it on the server. The schema
name comes from the tenant registry, never from request text.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import TextClause, text

from tenants.naming import quote_schema

from .models import Order

# Every column intake writes, in one fixed order (number is computed in SQL).
INTAKE_COLUMNS = (
    "status", "channel", "appeal_type", "category_code", "urgency", "title", "content", "confidential",
    "address", "district_code", "lat", "lng", "created_by", "source_ref", "created_at", "updated_at",
    "caller_name", "caller_language", "caller_needs", "caller_phone_enc", "caller_phone_hash",
    "caller_phone_masked", "due_at", "warn_at", "sla_fallback",
)  # fmt: skip
ORDER_COLUMNS = tuple(c.name for c in Order.__table__.columns)

_SAME_CALLER = "caller_phone_hash = :caller_phone_hash"
_SAME_PLACE = "(district_code = :district_code AND category_code = :category_code AND address = :address)"


@lru_cache(maxsize=512)
def insert_statement(schema: str, same_caller: bool, same_place: bool) -> TextClause:
    """INSERT ... RETURNING the whole row and, folded in, the repeat search (重复诉求)."""
    s = quote_schema(schema)
    columns = ", ".join(INTAKE_COLUMNS)
    params = ", ".join(f":{c}" for c in INTAKE_COLUMNS)
    number = f":number_prefix || lpad(nextval('{s}.order_number_seq')::text, 6, '0')"
    returning = ", ".join(ORDER_COLUMNS)
    where = " OR ".join(c for c, on in ((_SAME_CALLER, same_caller), (_SAME_PLACE, same_place)) if on)
    if not where:
        return text(
            f"INSERT INTO {s}.orders ({columns}, number) VALUES ({params}, {number}) "
            f"RETURNING {returning}, '[]'::json AS repeats"
        )
    return text(
        f"""WITH repeats AS (
    SELECT id, number, status, created_at, caller_phone_hash FROM {s}.orders
    WHERE ({where}) AND created_at >= :repeat_since AND status <> 'merged'
    ORDER BY created_at DESC LIMIT :repeat_limit)
INSERT INTO {s}.orders ({columns}, number, repeat_of_id)
VALUES ({params}, {number}, (SELECT id FROM repeats ORDER BY created_at DESC LIMIT 1))
RETURNING {returning},
    (SELECT coalesce(json_agg(json_build_object('id', r.id, 'number', r.number, 'status', r.status,
        'created_at', r.created_at, 'caller_phone_hash', r.caller_phone_hash) ORDER BY r.created_at DESC),
        '[]'::json) FROM repeats r) AS repeats"""
    )
