"""Every model is exactly what the migrations create: both trees, every table, index and default.

Autogenerate is not used to write revisions; this test is what keeps hand-written revisions
and models from drifting apart.
"""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData

import app.accessibility.models
import app.attachments.models
import app.audit.models
import app.calendar.models
import app.catalog.models
import app.dispatch.models
import app.emergency.models
import app.exports.models
import app.knowledge.models
import app.open311.models
import app.orders.models
import app.outbox.models
import app.province.models
import app.sla.models
import app.tenancy.models
import app.utilities.models
import app.webhooks.models  # noqa: F401  (register every model on the metadata)
from tenants import ProvinceBase, TenantBase
from tenants.db import db


def _diff(source: MetaData, schema: str) -> list:
    # Unqualified foreign keys resolve in the same schema; index names follow the same convention.
    md = MetaData(schema=schema, naming_convention=source.naming_convention)
    for table in source.tables.values():
        table.to_metadata(md, schema=schema)
    names = {t.name for t in source.tables.values()} | {s.name for s in source._sequences.values()}

    def include(obj, name, type_, reflected, compare_to):
        if type_ == "table":
            return name in names
        return True

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


@pytest.mark.parametrize("base, schema", [(TenantBase, "t_shijiazhuang"), (ProvinceBase, "province")])
def test_models_match_the_migrated_schema(app_ctx, two_tenants, base, schema):
    assert _diff(base.metadata, schema) == []
