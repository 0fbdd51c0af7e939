"""Service-account clients in the client registry: kind, realm role, secret rotation instant.

Revision ID: p0840
Revises: p0810
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "p0840"
down_revision = "p0810"
branch_labels = None
depends_on = None

S = "province"


def upgrade() -> None:
    op.add_column(
        "api_clients", sa.Column("kind", sa.String(16), nullable=False, server_default="api_key"), schema=S
    )
    op.add_column("api_clients", sa.Column("role", sa.String(32)), schema=S)
    op.add_column("api_clients", sa.Column("secret_rotated_at", sa.DateTime(timezone=True)), schema=S)


def downgrade() -> None:
    for column in ("secret_rotated_at", "role", "kind"):
        op.drop_column("api_clients", column, schema=S)
