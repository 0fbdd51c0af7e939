"""The audit trail is hash-chained per tenant; `audit verify` detects edits and deletions."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.audit import chain
from tenants import db
from tests.orders.conftest import OrdersApi


def _tamper(sql: str, **params) -> None:
    with db.engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")  # bypass the append-only trigger
        conn.execute(text(sql), params)


@pytest.fixture
def tenant_with_history(app, cli, client, auth_headers, services):
    """A throwaway tenant (so tampering doesn't break the shared ones) with some audited history."""
    from tenants import provision

    with app.app_context():
        provision.create_tenant("audit_city", name="审计市", region_code="139700")
    api = OrdersApi(client, auth_headers, tenant="audit_city")
    o = api.create()
    api.ok(o["id"], "dispatch", "dispatcher", {"lead_department": "zjj"})
    api.ok(o["id"], "accept", "handler.zjj")
    yield o
    with app.app_context():
        provision.drop_tenant("audit_city", yes=True)


def test_app_cannot_update_or_delete_audit_rows(app_ctx, tenant_with_history):
    with pytest.raises(Exception, match="append-only"), db.engine.begin() as conn:
        conn.execute(text("UPDATE t_audit_city.audit_log SET actor = 'x'"))
    with pytest.raises(Exception, match="append-only"), db.engine.begin() as conn:
        conn.execute(text("DELETE FROM t_audit_city.audit_log"))


def test_verify_passes_then_detects_an_edit(app_ctx, cli, tenant_with_history):
    ok = cli.invoke(args=["audit", "verify", "--tenant", "audit_city"])
    assert ok.exit_code == 0, ok.output
    assert "intact: 3 entries" in ok.output
    _tamper("UPDATE t_audit_city.audit_log SET actor = 'someone.else' WHERE seq = 2")
    bad = cli.invoke(args=["audit", "verify", "--tenant", "audit_city"])
    assert bad.exit_code == 1
    assert "entry 2: content does not match its hash" in bad.output


def test_verify_detects_a_deleted_row(app_ctx, cli, tenant_with_history):
    _tamper("DELETE FROM t_audit_city.audit_log WHERE seq = 2")
    bad = cli.invoke(args=["audit", "verify", "--tenant", "audit_city"])
    assert bad.exit_code == 1 and "missing entries 2..2" in bad.output


def test_verify_detects_a_truncated_tail(app_ctx, cli, tenant_with_history):
    _tamper("DELETE FROM t_audit_city.audit_log WHERE seq = 3")
    bad = cli.invoke(args=["audit", "verify", "--tenant", "audit_city"])
    assert bad.exit_code == 1 and "head says 3" in bad.output


def test_unknown_tenant(cli, two_tenants):
    result = cli.invoke(args=["audit", "verify", "--tenant", "nowhere"])
    assert result.exit_code == 2 and "unknown tenant" in result.output


def test_chain_links_are_pure_and_deterministic():
    from datetime import UTC, datetime

    at = datetime(2026, 11, 28, 1, 2, 3, 456789, tzinfo=UTC)
    payload = chain.canonical(1, at, "a", "agent", "order.received", 7, {"k": "值"})
    assert chain.link(chain.GENESIS, payload) == chain.link(chain.GENESIS, payload)
    assert chain.link(chain.GENESIS, payload) != chain.link("1" * 64, payload)
