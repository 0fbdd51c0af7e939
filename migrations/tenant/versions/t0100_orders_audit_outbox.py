"""Work orders, assignments, extensions, supervisions, idempotency keys; audit chain; outbox.

Revision ID: t0100
Revises: t0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "t0100"
down_revision = "t0001"
branch_labels = None
depends_on = None

STATES = (
    "received",
    "dispatched",
    "in_progress",
    "replied",
    "closed",
    "returned",
    "reopened",
    "transferred",
    "merged",
)
OPEN = "status IN ('received', 'dispatched', 'in_progress', 'replied', 'returned', 'reopened')"
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.execute("CREATE SEQUENCE order_number_seq")
    op.create_table(
        "orders",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("number", sa.String(40), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("appeal_type", sa.String(16), nullable=False),
        sa.Column("category_code", sa.String(16), nullable=False),
        sa.Column("urgency", sa.String(16), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("caller_name", sa.String(100)),
        sa.Column("caller_phone_enc", sa.LargeBinary),
        sa.Column("caller_phone_hash", sa.String(64)),
        sa.Column("caller_phone_masked", sa.String(24)),
        sa.Column("caller_language", sa.String(16)),
        sa.Column("caller_needs", postgresql.ARRAY(sa.String(32)), nullable=False, server_default="{}"),
        sa.Column("confidential", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("address", sa.String(300)),
        sa.Column("district_code", sa.String(12)),
        sa.Column("lat", sa.Numeric(9, 6)),
        sa.Column("lng", sa.Numeric(9, 6)),
        sa.Column("lead_department", sa.String(32)),
        sa.Column("due_at", TS),
        sa.Column("warn_at", TS),
        sa.Column("accept_due_at", TS),
        sa.Column("return_due_at", TS),
        sa.Column("warned_at", TS),
        sa.Column("overdue_at", TS),
        sa.Column("sla_fallback", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("extension_pending", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("reply_content", sa.Text),
        sa.Column("reply_outcome", sa.String(16)),
        sa.Column("resolution", sa.Text),
        sa.Column("direct_closure", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("satisfaction", sa.String(24)),
        sa.Column("resolved", sa.Boolean),
        sa.Column("callback_at", TS),
        sa.Column("reopen_count", sa.SmallInteger, nullable=False, server_default="0"),
        sa.Column("return_count", sa.SmallInteger, nullable=False, server_default="0"),
        sa.Column("repeat_of_id", sa.BigInteger),
        sa.Column("merged_into_id", sa.BigInteger),
        sa.Column("transferred_to", sa.String(32)),
        sa.Column("source_ref", sa.String(64)),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("dispatched_at", TS),
        sa.Column("accepted_at", TS),
        sa.Column("replied_at", TS),
        sa.Column("closed_at", TS),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in STATES) + ")", name="ck_orders_status"
        ),
        sa.UniqueConstraint("number", name="uq_orders_number"),
    )
    op.create_index("ix_orders_status_created", "orders", ["status", "created_at"])
    op.create_index("ix_orders_created_at", "orders", ["created_at"])
    op.create_index("ix_orders_caller_phone_hash", "orders", ["caller_phone_hash", "created_at"])
    op.create_index("ix_orders_district_category", "orders", ["district_code", "category_code", "created_at"])
    op.create_index("ix_orders_lead_department", "orders", ["lead_department", "status"])
    op.create_index(
        "ix_orders_due_open", "orders", ["due_at"], postgresql_where=sa.text(f"{OPEN} AND overdue_at IS NULL")
    )
    op.create_index(
        "ix_orders_warn_open",
        "orders",
        ["warn_at"],
        postgresql_where=sa.text(f"{OPEN} AND warned_at IS NULL"),
    )

    op.create_table(
        "assignments",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "order_id",
            sa.BigInteger,
            sa.ForeignKey("orders.id", ondelete="CASCADE", name="fk_assignments_order_id_orders"),
            nullable=False,
        ),
        sa.Column("department_code", sa.String(32), nullable=False),
        sa.Column("role", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default="true"),
        sa.Column("note", sa.Text),
        sa.Column("dispatched_at", TS, nullable=False),
        sa.Column("accept_due_at", TS),
        sa.Column("accepted_at", TS),
        sa.Column("accept_overdue", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("replied_at", TS),
        sa.Column("reply_content", sa.Text),
        sa.Column("returned_reason", sa.Text),
        sa.CheckConstraint("role IN ('lead', 'assist')", name="ck_assignments_role"),
    )
    op.create_index(
        "ix_assignments_department_active",
        "assignments",
        ["department_code", "order_id"],
        postgresql_where=sa.text("active"),
    )
    op.create_index(
        "uq_assignments_order_department_active",
        "assignments",
        ["order_id", "department_code"],
        unique=True,
        postgresql_where=sa.text("active"),
    )
    op.create_index(
        "ix_assignments_accept_due",
        "assignments",
        ["accept_due_at"],
        postgresql_where=sa.text("active AND status = 'pending' AND NOT accept_overdue"),
    )

    op.create_table(
        "extension_requests",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "order_id",
            sa.BigInteger,
            sa.ForeignKey("orders.id", ondelete="CASCADE", name="fk_extension_requests_order_id_orders"),
            nullable=False,
        ),
        sa.Column("department_code", sa.String(32), nullable=False),
        sa.Column("working_days", sa.SmallInteger, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("requested_by", sa.String(128), nullable=False),
        sa.Column("requested_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("decided_by", sa.String(128)),
        sa.Column("decided_at", TS),
        sa.Column("note", sa.Text),
        sa.Column("old_due_at", TS),
        sa.Column("new_due_at", TS),
    )
    op.create_index("ix_extension_requests_order_id", "extension_requests", ["order_id"])

    op.create_table(
        "supervisions",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "order_id",
            sa.BigInteger,
            sa.ForeignKey("orders.id", ondelete="CASCADE", name="fk_supervisions_order_id_orders"),
            nullable=False,
        ),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("response_due_at", TS),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("answered_at", TS),
        sa.Column("answer", sa.Text),
    )
    op.create_index("ix_supervisions_order_id", "supervisions", ["order_id"])
    op.create_index(
        "uq_supervisions_auto",
        "supervisions",
        ["order_id", "reason"],
        unique=True,
        postgresql_where=sa.text("level = 'auto'"),
    )

    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("order_id", sa.BigInteger),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
    )

    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("occurred_at", TS, nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("actor_roles", sa.String(255), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("order_id", sa.BigInteger),
        sa.Column("data", postgresql.JSONB, nullable=False),
        sa.Column("seq", sa.BigInteger),
        sa.Column("prev_hash", sa.String(64)),
        sa.Column("hash", sa.String(64)),
        sa.UniqueConstraint("seq", name="uq_audit_log_seq"),
    )
    op.create_index("ix_audit_log_order_id_id", "audit_log", ["order_id", "id"])
    op.create_index("ix_audit_log_unsealed", "audit_log", ["id"], postgresql_where=sa.text("hash IS NULL"))
    op.create_table(
        "audit_head",
        sa.Column("id", sa.SmallInteger, primary_key=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    # The hashed text of an entry, rendered from its stored fields (sealing and verifying alike).
    op.execute(
        """
        CREATE FUNCTION audit_payload(at timestamptz, actor text, roles text, action text, order_id bigint,
                                      data jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $$
            SELECT jsonb_build_object(
                'at', to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                'actor', actor, 'roles', roles, 'action', action, 'order', order_id, 'data', data)::text
        $$
        """
    )
    # One sealer per tenant at a time; entries join the chain in the order they committed.
    # SET search_path FROM CURRENT pins the tenant schema (set by env.py) into the function.
    op.execute(
        """
        CREATE FUNCTION audit_seal(max_rows integer) RETURNS integer LANGUAGE plpgsql
        SET search_path FROM CURRENT AS $$
        DECLARE
            r record;
            s bigint;
            prev text;
            digest text;
            n integer := 0;
        BEGIN
            IF NOT pg_try_advisory_xact_lock(hashtext('audit_seal:' || current_schema())) THEN
                RETURN 0;
            END IF;
            SELECT seq, hash INTO s, prev FROM audit_head WHERE id = 1 FOR UPDATE;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'audit chain head missing: provision the tenant first';
            END IF;
            FOR r IN SELECT id, occurred_at, actor, actor_roles, action, order_id, data
                     FROM audit_log WHERE hash IS NULL ORDER BY id LIMIT max_rows LOOP
                s := s + 1;
                digest := encode(sha256(convert_to(prev || audit_payload(r.occurred_at, r.actor, r.actor_roles,
                                 r.action, r.order_id, r.data), 'UTF8')), 'hex');
                UPDATE audit_log SET seq = s, prev_hash = prev, hash = digest WHERE id = r.id;
                prev := digest;
                n := n + 1;
            END LOOP;
            UPDATE audit_head SET seq = s, hash = prev WHERE id = 1;
            RETURN n;
        END $$
        """
    )
    # Append-only: nothing deletes entries, and the only update is sealing an unsealed one.
    op.execute(
        """
        CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND OLD.hash IS NULL AND NEW.hash IS NOT NULL
               AND (NEW.id, NEW.occurred_at, NEW.actor, NEW.actor_roles, NEW.action, NEW.order_id, NEW.data)
                   IS NOT DISTINCT FROM
                   (OLD.id, OLD.occurred_at, OLD.actor, OLD.actor_roles, OLD.action, OLD.order_id, OLD.data) THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'audit_log is append-only';
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
    )

    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("payload", postgresql.JSONB, nullable=False),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("available_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("delivered_at", TS),
        sa.Column("last_error", sa.Text),
    )
    op.create_index(
        "ix_outbox_pending",
        "outbox",
        ["available_at", "id"],
        postgresql_where=sa.text("delivered_at IS NULL"),
    )


def downgrade() -> None:
    for table in (
        "outbox",
        "audit_head",
        "audit_log",
        "idempotency_keys",
        "supervisions",
        "extension_requests",
        "assignments",
        "orders",
    ):
        op.drop_table(table)
    op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    op.execute("DROP FUNCTION IF EXISTS audit_seal(integer)")
    op.execute("DROP FUNCTION IF EXISTS audit_payload(timestamptz, text, text, text, bigint, jsonb)")
    op.execute("DROP SEQUENCE IF EXISTS order_number_seq")
