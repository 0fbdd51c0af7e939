"""The models of calendar and SLA tables are what revisions p0300 and t0300 create."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData

from app.calendar.models import CityCalendarDay, ProvinceCalendarDay
from app.sla.models import SlaPolicy
from tenants.db import db


def _diff(tables, schema: str) -> list:
    md = MetaData()
    for table in tables:
        table.to_metadata(md, schema=schema)
    names = {t.name for t in tables}

    def include(obj, name, type_, reflected, compare_to):
        return type_ != "table" or name in names

    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn,
            opts={
                "include_schemas": True,
                "include_name": lambda name, type_, parent: type_ != "schema" or name == schema,
                "include_object": include,
                "compare_type": True,
                "compare_server_default": True,
            },
        )
        return compare_metadata(ctx, md)


def test_tenant_tables_match_t0300(app_ctx, two_tenants):
    assert _diff([CityCalendarDay.__table__, SlaPolicy.__table__], two_tenants[0].schema) == []


def test_province_table_matches_p0300(app_ctx, two_tenants):
    assert _diff([ProvinceCalendarDay.__table__], "province") == []
