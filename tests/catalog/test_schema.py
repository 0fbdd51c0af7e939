"""The migration t0200 builds exactly what the models describe (types, nullability, keys, indexes)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData

from app.catalog.models import Category, Department, District
from app.dispatch.models import DispatchRule
from tenants import db

TABLES = [m.__table__ for m in (District, Category, Department, DispatchRule)]


def test_models_match_the_migrated_schema(app_ctx, two_tenants):
    sjz, _ = two_tenants
    unqualified = MetaData()
    for table in TABLES:
        table.to_metadata(unqualified, schema=None)
    names = {t.name for t in TABLES}
    with db.engine.connect() as conn, conn.begin():
        conn.exec_driver_sql(f"SET LOCAL search_path TO {sjz.schema}")
        ctx = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "include_name": lambda name, kind, parent: kind != "table" or name in names,
            },
        )
        diff = compare_metadata(ctx, unqualified)
    assert diff == []
