"""Reference data: districts, categories, departments, dispatch rules.

Revision ID: t0200
Revises: t0100
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "t0200"
down_revision = "t0100"
branch_labels = None
depends_on = None

APPEAL_TYPES = "('consultation', 'help', 'complaint', 'report', 'suggestion', 'praise')"
SEASONS = "('spring', 'summer', 'autumn', 'winter')"
KINDS = "('city_bureau', 'district_government', 'utility', 'other')"
ORIGINS = "('baseline', 'city')"


def _editable(table: str) -> list:
    """Columns and the origin check shared by the editable tables (app.catalog.models.EditableMixin)."""
    return [
        sa.Column("active", sa.Boolean, server_default=sa.text("true"), nullable=False),
        sa.Column("origin", sa.String(8), server_default="city", nullable=False),
        sa.Column("updated_by", sa.String(120), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(f"origin IN {ORIGINS}", name=f"ck_{table}_origin"),
    ]


def upgrade() -> None:
    op.create_table(
        "districts",
        sa.Column("code", sa.String(6), nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("sort_order", sa.Integer, server_default="0", nullable=False),
        sa.Column("active", sa.Boolean, server_default=sa.text("true"), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_districts"),
        sa.CheckConstraint("code ~ '^[0-9]{6}$'", name="ck_districts_code_format"),
    )
    op.create_table(
        "categories",
        sa.Column("code", sa.String(4), nullable=False),
        sa.Column("parent_code", sa.String(4), nullable=True),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("name_en", sa.String(100), nullable=False),
        sa.Column("appeal_type_hint", sa.String(16), nullable=True),
        sa.Column("season", sa.String(8), nullable=True),
        sa.Column("sort_order", sa.Integer, server_default="0", nullable=False),
        *_editable("categories"),
        sa.PrimaryKeyConstraint("code", name="pk_categories"),
        sa.ForeignKeyConstraint(
            ["parent_code"], ["categories.code"], name="fk_categories_parent_code_categories"
        ),
        sa.CheckConstraint(
            "(parent_code IS NULL AND code ~ '^[0-9]{2}$') OR "
            "(parent_code IS NOT NULL AND code ~ '^[0-9]{4}$' AND left(code, 2) = parent_code)",
            name="ck_categories_code_scheme",
        ),
        sa.CheckConstraint(
            f"appeal_type_hint IS NULL OR appeal_type_hint IN {APPEAL_TYPES}", name="ck_categories_hint"
        ),
        sa.CheckConstraint(f"season IS NULL OR season IN {SEASONS}", name="ck_categories_season"),
    )
    op.create_index("ix_categories_parent_code", "categories", ["parent_code"])
    op.create_table(
        "departments",
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("short_name", sa.String(50), nullable=True),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("district_code", sa.String(6), nullable=True),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("sort_order", sa.Integer, server_default="0", nullable=False),
        *_editable("departments"),
        sa.PrimaryKeyConstraint("code", name="pk_departments"),
        sa.ForeignKeyConstraint(
            ["district_code"], ["districts.code"], name="fk_departments_district_code_districts"
        ),
        sa.CheckConstraint("code ~ '^[a-z][a-z0-9_]{1,31}$'", name="ck_departments_code_format"),
        sa.CheckConstraint(f"kind IN {KINDS}", name="ck_departments_kind"),
        sa.CheckConstraint(
            "kind <> 'district_government' OR district_code IS NOT NULL", name="ck_departments_district"
        ),
    )
    op.create_index("ix_departments_kind", "departments", ["kind"])
    op.create_index("ix_departments_district_code", "departments", ["district_code"])
    op.create_index(
        "uq_departments_district_government",
        "departments",
        ["district_code"],
        unique=True,
        postgresql_where=sa.text("kind = 'district_government'"),
    )
    op.create_table(
        "dispatch_rules",
        sa.Column("id", sa.Integer, sa.Identity(), nullable=False),
        sa.Column("category_code", sa.String(4), nullable=False),
        sa.Column("district_code", sa.String(6), nullable=True),
        sa.Column("lead_department", sa.String(32), nullable=False),
        sa.Column(
            "assist_departments",
            postgresql.ARRAY(sa.String(32)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("note", sa.Text, nullable=True),
        *_editable("dispatch_rules"),
        sa.PrimaryKeyConstraint("id", name="pk_dispatch_rules"),
        sa.ForeignKeyConstraint(
            ["category_code"], ["categories.code"], name="fk_dispatch_rules_category_code_categories"
        ),
        sa.ForeignKeyConstraint(
            ["district_code"], ["districts.code"], name="fk_dispatch_rules_district_code_districts"
        ),
        sa.ForeignKeyConstraint(
            ["lead_department"], ["departments.code"], name="fk_dispatch_rules_lead_department_departments"
        ),
        sa.UniqueConstraint(
            "category_code",
            "district_code",
            name="uq_dispatch_rules_category_code_district_code",
            postgresql_nulls_not_distinct=True,
        ),
    )
    op.create_index("ix_dispatch_rules_lead_department", "dispatch_rules", ["lead_department"])
    op.create_index(
        "ix_dispatch_rules_assist_departments",
        "dispatch_rules",
        ["assist_departments"],
        postgresql_using="gin",
    )


def downgrade() -> None:
    op.drop_table("dispatch_rules")
    op.drop_table("departments")
    op.drop_table("categories")
    op.drop_table("districts")
