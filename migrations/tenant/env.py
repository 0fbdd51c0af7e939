"""Tenant tree: runs once per tenant schema, version table inside that schema.

Revisions use unqualified table names; this env sets ``SET LOCAL search_path`` to the
tenant schema inside the migration's transaction. Province tables are qualified.
"""

import os

from alembic import context
from sqlalchemy import create_engine

from tenants.db import normalize_url
from tenants.naming import quote_schema

config = context.config


def _run(connection, schema):
    quoted = quote_schema(schema)
    connection.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {quoted}")
    connection.exec_driver_sql(f"SET LOCAL search_path TO {quoted}")
    context.configure(connection=connection, version_table_schema=schema, transaction_per_migration=False)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) mode is not supported; run against a database")

schema = config.attributes.get("schema") or context.get_x_argument(as_dictionary=True).get("schema")
if not schema:
    raise SystemExit("tenant migrations need a schema: use 'flask --app wsgi tenants migrate --all'")
connection = config.attributes.get("connection")
if connection is not None:
    _run(connection, schema)
else:
    engine = create_engine(normalize_url(os.environ["DATABASE_URL"]))
    with engine.begin() as conn:
        _run(conn, schema)
