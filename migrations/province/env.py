"""Province tree: runs once per database, version table ``province.alembic_version``."""

import os

from alembic import context
from sqlalchemy import create_engine

from tenants.db import normalize_url

config = context.config


def _run(connection):
    connection.exec_driver_sql("CREATE SCHEMA IF NOT EXISTS province")
    context.configure(connection=connection, version_table_schema="province", transaction_per_migration=False)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) mode is not supported; run against a database")

connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = create_engine(normalize_url(os.environ["DATABASE_URL"]))
    with engine.begin() as conn:
        _run(conn)
