"""Tenant isolation: same tables, different rows; fail closed; no leak through the pool or jobs."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from tenants import NoTenantBound, db, tenant_context
from tenants.db import Database, SessionSearchPathForbidden
from tenants.models import TenantSetting
from tests.helpers.jobs import read_marker
from tests.support.workers import burst_worker


def _put(key: str, value: dict) -> None:
    db.session.add(TenantSetting(key=key, value=value))
    db.session.commit()


def test_same_table_names_different_rows(app_ctx, two_tenants):
    sjz, ts = two_tenants
    key = f"city:{uuid.uuid4().hex[:6]}"
    with tenant_context("shijiazhuang"):
        _put(key, {"city": "石家庄"})
    with tenant_context("tangshan"):
        _put(key, {"city": "唐山"})  # same primary key, other schema: no conflict
    with tenant_context("shijiazhuang"):
        assert db.session.get(TenantSetting, key).value == {"city": "石家庄"}
    with tenant_context("tangshan"):
        assert db.session.get(TenantSetting, key).value == {"city": "唐山"}
    with db.engine.connect() as conn:
        assert (
            conn.execute(
                text(f"SELECT value->>'city' FROM {sjz.schema}.settings WHERE key=:k"), {"k": key}
            ).scalar()
            == "石家庄"
        )
        assert (
            conn.execute(
                text(f"SELECT value->>'city' FROM {ts.schema}.settings WHERE key=:k"), {"k": key}
            ).scalar()
            == "唐山"
        )


def test_no_tenant_bound_fails_closed(app_ctx, two_tenants):
    with pytest.raises(NoTenantBound):
        db.session.execute(select(TenantSetting)).all()
    db.session.rollback()
    # Even bypassing the guard, the placeholder reaches PostgreSQL as a schema that cannot exist.
    with db.engine.connect() as conn:
        exists = conn.execute(
            text("SELECT count(*) FROM pg_namespace WHERE nspname IN ('tenant', '__no_tenant_bound__')")
        ).scalar()
    assert exists == 0


def test_raw_engine_cannot_reach_tenant_tables_without_context(app_ctx, two_tenants):
    with db.engine.connect() as conn, pytest.raises(DBAPIError, match="tenant"):
        conn.execute(select(TenantSetting.key)).all()


def test_session_level_search_path_is_refused(app_ctx, two_tenants):
    with tenant_context("shijiazhuang"):
        with pytest.raises(SessionSearchPathForbidden):
            db.session.execute(text("SET search_path TO t_tangshan"))
        db.session.rollback()
        # SET LOCAL is allowed and dies with the transaction.
        db.session.execute(text("SET LOCAL search_path TO t_tangshan"))
        db.session.rollback()


def test_pooled_connection_reused_across_tenants_never_leaks(app, services, two_tenants):
    """One pooled connection serves both tenants in turn; nothing carries over."""
    single = Database()
    single.configure(services.database_url, pool_size=1, max_overflow=0)
    key = f"pool:{uuid.uuid4().hex[:6]}"
    try:
        with app.app_context():
            from tenants import context as ctx

            sjz = ctx.lookup("shijiazhuang")
            ts = ctx.lookup("tangshan")
            pids = set()
            for ref, value in ((sjz, "A"), (ts, "B"), (sjz, "A2")):
                token = ctx.bind_tenant(ref)
                try:
                    sess = single.session
                    pids.add(sess.execute(text("SELECT pg_backend_pid()")).scalar())
                    sess.execute(text("SET LOCAL statement_timeout = '1234ms'"))
                    sess.execute(text("SELECT set_config('application_name', :v, false)"), {"v": value})
                    sess.merge(TenantSetting(key=key, value={"v": value}))
                    sess.commit()
                finally:
                    single.remove()
                    ctx.unbind_tenant(token)
            assert len(pids) == 1, "the test needs one physical connection reused"
            with single.engine.connect() as conn:
                # Session-level settings were reset when the connection went back to the pool.
                assert conn.execute(text("SHOW application_name")).scalar() == ""
                assert conn.execute(text("SHOW statement_timeout")).scalar() == "0"
                rows = (
                    conn.execute(
                        text(
                            f"SELECT value->>'v' FROM {sjz.schema}.settings WHERE key=:k UNION ALL "
                            f"SELECT value->>'v' FROM {ts.schema}.settings WHERE key=:k"
                        ),
                        {"k": key},
                    )
                    .scalars()
                    .all()
                )
            assert rows == ["A2", "B"]
    finally:
        single.dispose()


def test_nested_contexts_restore_the_outer_tenant(app_ctx, two_tenants):
    key = f"nest:{uuid.uuid4().hex[:6]}"
    with tenant_context("shijiazhuang") as outer:
        _put(key, {"t": "sjz"})
        with tenant_context("tangshan"):
            assert db.session.get(TenantSetting, key) is None
        assert db.session.get(TenantSetting, key).value == {"t": "sjz"}
        assert outer.slug == "shijiazhuang"


def test_rq_job_runs_in_the_tenant_it_was_enqueued_for(app_ctx, services, two_tenants):
    from app.jobs import enqueue

    marker = uuid.uuid4().hex[:8]
    with tenant_context("tangshan"):
        job = enqueue("tests.helpers.jobs.record_tenant", marker)
        assert job.meta["tenant"] == "tangshan"
    result = burst_worker(services)
    assert result.returncode == 0, result.stdout + result.stderr
    job.refresh()
    assert job.get_status() == "finished", result.stdout + result.stderr
    assert job.return_value() == "tangshan"
    with tenant_context("tangshan"):
        assert read_marker(marker)["tenant"] == "tangshan"
    with tenant_context("shijiazhuang"):
        assert read_marker(marker) is None


def test_failed_job_rolls_back_and_retries(app_ctx, services, two_tenants):
    from rq import Retry

    from app.jobs import enqueue

    marker = uuid.uuid4().hex[:8]
    with tenant_context("shijiazhuang"):
        job = enqueue("tests.helpers.jobs.fail_once", marker, retry=Retry(max=2))
    burst_worker(services)  # first attempt fails, the retry is requeued at once (no interval)
    burst_worker(services)
    job.refresh()
    assert job.get_status() == "finished"
    with tenant_context("shijiazhuang"):
        assert read_marker(marker)["tenant"] == "shijiazhuang"
        assert db.session.get(TenantSetting, f"partial:{marker}") is None  # first attempt rolled back
