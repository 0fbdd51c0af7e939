"""Provisioning a city from the portal: the form, the background run (a real rq worker), its log."""

from __future__ import annotations

import contextlib
import re

import pytest

from tests.support.workers import burst_worker
from tests.web.conftest import text_of

PAGE = "/province/admin/tenants"


@pytest.fixture
def new_city(app):
    slug = "xinqu"
    yield slug
    from tenants import provision
    from tenants.context import UnknownTenant

    with app.app_context(), contextlib.suppress(UnknownTenant):
        provision.drop_tenant(slug, yes=True)


def test_a_city_provisioned_from_the_form(app, services, web, new_city):
    admin = web("province.admin")
    form = {"name": "新区", "slug": new_city, "region_code": "139901", "order_prefix": "XQ"}
    resp = admin.post(PAGE + "/provision", form, token_from=PAGE)
    assert resp.status_code == 302, text_of(resp)
    run_url = resp.headers["Location"]
    run_id = int(re.search(r"/provisioning/(\d+)$", run_url).group(1))
    queued = text_of(admin.get(run_url))
    assert 'data-status="queued"' in queued and "hx-trigger" in queued  # the page polls

    result = burst_worker(services, "default")
    assert result.returncode == 0, result.stdout + result.stderr

    status = text_of(admin.get(f"/province/admin/provisioning/{run_id}/status"))
    assert 'data-status="succeeded"' in status, status
    assert "hx-trigger" not in status  # finished: the fragment stops polling
    for step in ("migrating schema t_xinqu", "audit-chain", "reference-data", "sla-policies", "active"):
        assert step in status
    assert 'data-tenant="xinqu"' in text_of(admin.get(PAGE))

    from sqlalchemy import select

    from app.audit.models import AuditEntry
    from tenants import db, tenant_context

    with app.app_context(), tenant_context(new_city):
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "tenant.provisioned")).one()
        assert entry.actor == "province.admin" and entry.data["run"] == run_id

    again = admin.post(PAGE + "/provision", form, token_from=PAGE)
    assert again.status_code == 409 and "already exists" in text_of(again)


def test_bad_input_is_shown_on_the_form_and_changes_nothing(app, web):
    admin = web("province.admin")
    before = text_of(admin.get(PAGE)).count("data-run=")
    resp = admin.post(
        PAGE + "/provision", {"name": "", "slug": "Bad Slug!", "region_code": "12"}, token_from=PAGE
    )
    assert resp.status_code == 422
    html = text_of(resp)
    assert 'id="slug-error"' in html and 'id="region_code-error"' in html and 'id="name-error"' in html
    taken = admin.post(
        PAGE + "/provision", {"name": "重复", "slug": "chongfu", "region_code": "130100"}, token_from=PAGE
    )
    assert taken.status_code == 409 and "130100" in text_of(taken)
    assert text_of(admin.get(PAGE)).count("data-run=") == before


def test_only_province_admins_provision(web):
    supervisor = web("province.supervisor")
    page = text_of(supervisor.get(PAGE))
    assert 'data-testid="provision-form"' not in page
    resp = supervisor.post(
        PAGE + "/provision", {"name": "x", "slug": "xx", "region_code": "139902"}, token_from=PAGE
    )
    assert resp.status_code == 403
    assert web("city_supervisor@tangshan").get("/province/admin/provisioning/1").status_code == 403


def test_a_failed_step_is_shown_with_its_error(app, web, new_city, monkeypatch):
    from app.audit.service import Actor
    from app.tenancy import runs
    from tenants import db, provision

    def boom(_ref):
        raise RuntimeError("the identity provider refused the group")

    monkeypatch.setattr(provision, "_steps", [*provision._steps, provision.Step("idp-check", boom)])
    monkeypatch.setattr(runs, "enqueue", lambda *a, **k: None)  # run it here instead of in a worker
    with app.app_context():
        body = {"name": "新区", "slug": new_city, "region_code": "139901", "order_prefix": None}
        run = runs.start(body, Actor("province.admin", "province_admin"))
        db.session.commit()
        assert runs.execute(run.id) == "failed"
        run_id = run.id
    html = text_of(web("province.admin").get(f"/province/admin/provisioning/{run_id}"))
    assert 'data-status="failed"' in html and 'data-testid="provision-error"' in html
    assert "step &#39;idp-check&#39; failed: the identity provider refused the group" in html
    assert "hx-trigger" not in html
    tenants = text_of(web("province.admin").get(PAGE))
    assert re.search(r'<tr data-tenant="xinqu">.*?failed', tenants, re.S)


def test_a_run_left_unfinished_by_a_dead_worker_does_not_block_the_city(app, web, new_city, monkeypatch):
    from datetime import UTC, datetime, timedelta

    from app.audit.service import Actor
    from app.errors import Conflict
    from app.tenancy import runs
    from app.tenancy.models import ProvisionRun
    from tenants import db

    monkeypatch.setattr(runs, "enqueue", lambda *a, **k: None)
    body = {"name": "新区", "slug": new_city, "region_code": "139901", "order_prefix": None}
    with app.app_context():
        first = runs.start(body, Actor("province.admin", "province_admin"))
        db.session.commit()
        with pytest.raises(Conflict):
            runs.start(body, Actor("province.admin", "province_admin"))
        db.session.rollback()
        db.session.get(ProvisionRun, first.id).created_at = datetime.now(UTC) - timedelta(hours=1)
        db.session.commit()
        second = runs.start(body, Actor("province.admin", "province_admin"))
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(ProvisionRun, first.id).status == "failed"
        assert db.session.get(ProvisionRun, second.id).status == "queued"
        db.session.get(ProvisionRun, second.id).status = "failed"  # nothing will run it
        db.session.commit()
