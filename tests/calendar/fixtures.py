"""Calendar and SLA tables are shared by the whole session: tests that write them restore them."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.calendar.service import PROVINCE_SCOPE, bump
from tenants.db import db

_CAL_COLS = "day, is_workday, name, updated_by, updated_at"
_SLA_COLS = (
    "appeal_type, urgency, unit, accept_limit, handle_limit, return_limit, "
    "extension_max_working_days, warn_ratio, updated_by, updated_at"
)


def _snapshot(tables: list[tuple[str, str]]) -> dict[str, list[dict]]:
    with db.engine.connect() as conn:
        return {
            t: [dict(r) for r in conn.execute(text(f"SELECT {c} FROM {t}")).mappings()] for t, c in tables
        }


def _restore(saved: dict[str, list[dict]], tables: list[tuple[str, str]]) -> None:
    with db.engine.begin() as conn:
        for table, cols in tables:
            conn.execute(text(f"DELETE FROM {table}"))
            if saved[table]:
                params = ", ".join(":" + c.strip() for c in cols.split(","))
                conn.execute(text(f"INSERT INTO {table} ({cols}) VALUES ({params})"), saved[table])


@pytest.fixture
def restore_calendars(app, two_tenants):
    """Province and both cities' calendar entries are put back after the test."""
    tables = [("province.calendar_days", _CAL_COLS)] + [
        (f"{t.schema}.calendar_days", _CAL_COLS) for t in two_tenants
    ]
    with app.app_context():
        saved = _snapshot(tables)
    yield
    with app.app_context():
        _restore(saved, tables)
        for scope in [PROVINCE_SCOPE, *(t.schema for t in two_tenants)]:
            bump(scope)


@pytest.fixture
def restore_policies(app, two_tenants):
    """Both cities' SLA policies are put back after the test."""
    tables = [(f"{t.schema}.sla_policies", _SLA_COLS) for t in two_tenants]
    with app.app_context():
        saved = _snapshot(tables)
    yield
    with app.app_context():
        _restore(saved, tables)
