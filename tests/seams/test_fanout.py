"""One per-tenant fan-out helper (tenants.fanout): every active city, failures raised together."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tenants import db
from tenants.fanout import active_tenants, for_each_tenant

from .conftest import SJZ, TS


@pytest.fixture
def a_failed_city(app_ctx, two_tenants):
    """A registry row of a city whose provisioning failed (not active: never fanned out to)."""
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO province.tenants (slug, name, region_code, schema_name, order_prefix, status) "
                "VALUES ('seamsfailed', '失败市', '139900', 't_seamsfailed', 'SF', 'failed')"
            )
        )
    yield "seamsfailed"
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM province.tenants WHERE slug = 'seamsfailed'"))


def test_active_tenants_in_region_order_without_inactive_ones(a_failed_city):
    slugs = active_tenants()
    assert a_failed_city not in slugs
    assert slugs.index(SJZ) < slugs.index(TS)  # 130100 before 130200


def test_for_each_counts_true_results(app_ctx, two_tenants):
    called: list[str] = []
    assert for_each_tenant(lambda s: called.append(s) or s == TS) == 1
    assert called == active_tenants()
    assert for_each_tenant(called.append, [TS]) == 0 and called[-1] == TS


def test_one_city_failing_never_starves_the_others(app_ctx, two_tenants):
    called: list[str] = []

    def fn(slug: str) -> bool:
        called.append(slug)
        if slug == SJZ:
            raise RuntimeError("redis down")
        return True

    with pytest.raises(ExceptionGroup) as caught:
        for_each_tenant(fn, [SJZ, TS])
    assert called == [SJZ, TS]
    (failure,) = caught.value.exceptions
    assert "redis down" in str(failure) and f"tenant {SJZ}" in failure.__notes__


def test_scheduler_entries_fan_out_through_it(app_ctx, two_tenants):
    """relay_all, seal_all and sweep_all each enqueue one real job per active city (then removed)."""
    from rq.job import Job

    from app.audit import service as audit
    from app.extensions import redis_client
    from app.orders import sweep
    from app.outbox import service as outbox

    conn = redis_client.conn
    cities = active_tenants()
    conn.delete(*[f"hotline:{k}:{s}" for k in ("outbox:nudge", "audit:seal", "sweep") for s in cities])
    audit._last_nudge.clear()  # the process-local half-second throttle of seal nudges
    before = set(conn.keys("rq:job:*"))  # a job's hash stays after a worker ran it
    assert outbox.relay_all() == audit.seal_all() == sweep.sweep_all() == len(cities)
    new = [
        Job.fetch(k.decode().removeprefix("rq:job:"), connection=conn)
        for k in set(conn.keys("rq:job:*")) - before
    ]
    try:
        for func in ("app.outbox.service.relay", "app.audit.service.seal", "app.orders.sweep.sweep"):
            assert sorted(j.meta["tenant"] for j in new if j.meta["func"] == func) == sorted(cities), func
    finally:
        for job in new:
            job.delete()
