"""The audit trail: written with each change, sealed into a per-tenant hash chain, verifiable."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.audit import chain
from tenants import db
from tests.orders.conftest import OrdersApi
from tests.support.workers import burst_worker


def _tamper(sql: str, **params) -> None:
    with db.engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")  # bypass the append-only trigger
        conn.execute(text(sql), params)


def _unsealed() -> int:
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM t_audit_city.audit_log WHERE hash IS NULL")).scalar()


@pytest.fixture
def history(app, cli, client, auth_headers):
    """A throwaway tenant (so tampering doesn't break the shared ones) with some audited history."""
    from tenants import provision

    with app.app_context():
        provision.create_tenant("audit_city", name="审计市", region_code="139700")
    api = OrdersApi(client, auth_headers, tenant="audit_city")
    o = api.create()
    api.ok(o["id"], "dispatch", "dispatcher", {"lead_department": "zjj"})
    api.ok(o["id"], "accept", "handler.zjj")
    yield api, o
    with app.app_context():
        provision.drop_tenant("audit_city", yes=True)


def _seal(cli):
    result = cli.invoke(args=["audit", "seal", "--tenant", "audit_city"])
    assert result.exit_code == 0, result.output
    return result


def test_entries_are_written_then_sealed_by_a_real_worker(app_ctx, services, history):
    assert _unsealed() == 3  # written in the same transactions as the changes
    result = burst_worker(services, "default")  # the commit nudged a seal job
    assert result.returncode == 0, result.stderr[-2000:]
    assert _unsealed() == 0


def test_app_cannot_update_or_delete_audit_rows(app_ctx, cli, history):
    _seal(cli)
    for sql in (
        "UPDATE t_audit_city.audit_log SET actor = 'x'",
        "DELETE FROM t_audit_city.audit_log",
        "UPDATE t_audit_city.audit_log SET hash = NULL",
    ):
        with pytest.raises(Exception, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(sql))


def test_verify_passes_then_detects_an_edit(app_ctx, cli, history):
    _seal(cli)
    ok = cli.invoke(args=["audit", "verify", "--tenant", "audit_city"])
    assert ok.exit_code == 0, ok.output
    assert "intact: 3 sealed entries" in ok.output
    _tamper("UPDATE t_audit_city.audit_log SET actor = 'someone.else' WHERE seq = 2")
    bad = cli.invoke(args=["audit", "verify", "--tenant", "audit_city"])
    assert bad.exit_code == 1
    assert "entry 2: content does not match its hash" in bad.output


def test_verify_detects_edited_data_and_time(app_ctx, cli, history):
    _seal(cli)
    _tamper('UPDATE t_audit_city.audit_log SET data = data || \'{"lead": "cgj"}\' WHERE seq = 2')
    _tamper("UPDATE t_audit_city.audit_log SET occurred_at = occurred_at - interval '1 day' WHERE seq = 3")
    bad = cli.invoke(args=["audit", "verify", "--tenant", "audit_city"])
    assert bad.exit_code == 1 and "entry 2:" in bad.output and "entry 3:" in bad.output


def test_verify_detects_a_deleted_row(app_ctx, cli, history):
    _seal(cli)
    _tamper("DELETE FROM t_audit_city.audit_log WHERE seq = 2")
    bad = cli.invoke(args=["audit", "verify", "--tenant", "audit_city"])
    assert bad.exit_code == 1 and "missing entries 2..2" in bad.output


def test_verify_detects_a_truncated_tail(app_ctx, cli, history):
    _seal(cli)
    _tamper("DELETE FROM t_audit_city.audit_log WHERE seq = 3")
    bad = cli.invoke(args=["audit", "verify", "--tenant", "audit_city"])
    assert bad.exit_code == 1 and "head says 3" in bad.output


def test_verify_reports_entries_the_sealer_left_behind(app_ctx, cli, history):
    _tamper("UPDATE t_audit_city.audit_log SET occurred_at = now() - interval '1 hour' WHERE hash IS NULL")
    bad = cli.invoke(args=["audit", "verify", "--tenant", "audit_city"])
    assert bad.exit_code == 1 and "is the sealer running" in bad.output
    _seal(cli)  # sealing later still chains them (their content is whatever it is by then)
    assert cli.invoke(args=["audit", "verify", "--tenant", "audit_city"]).exit_code == 0


def test_concurrent_writers_never_lose_or_fork_the_chain(app, cli, history):
    import threading

    api, _ = history
    errors = []

    def work():
        try:
            with app.test_client() as c:
                mine = OrdersApi(c, api.auth, tenant="audit_city")
                for _ in range(5):
                    mine.create()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    _seal(cli)
    result = cli.invoke(args=["audit", "verify", "--tenant", "audit_city"])
    assert result.exit_code == 0 and "intact: 33 sealed entries" in result.output, result.output


def test_unknown_tenant(cli, two_tenants):
    result = cli.invoke(args=["audit", "verify", "--tenant", "nowhere"])
    assert result.exit_code == 2 and "unknown tenant" in result.output


def test_links_are_deterministic():
    assert chain.link(chain.GENESIS, "x") == chain.link(chain.GENESIS, "x")
    assert chain.link(chain.GENESIS, "x") != chain.link("1" * 64, "x")
