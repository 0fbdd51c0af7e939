"""Administration pages of the provincial portal: tenants, dead letters with retry (province_admin)."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.web.conftest import text_of


def _dead_letter(app) -> int:
    from app.outbox.models import OutboxMessage
    from tenants import db, tenant_context

    with app.app_context(), tenant_context("tangshan"):
        m = OutboxMessage(
            topic="test.portal",
            key=f"portal-{datetime.now(UTC).timestamp()}",
            destination="test:portal",
            payload={"order_id": None},
            attempts=3,
            dead_at=datetime.now(UTC),
            last_error="receiver said 503",
        )
        db.session.add(m)
        db.session.commit()
        return m.id


def test_tenants_with_status_and_schema_version(web):
    html = text_of(web("province.admin").get("/province/admin/tenants"))
    assert 'data-tenant="shijiazhuang"' in html and 'data-tenant="tangshan"' in html
    import re

    row = re.search(r'<tr data-tenant="tangshan">(.*?)</tr>', html, re.S).group(1)
    version = re.search(r"<code>(.*?)</code>", row).group(1)
    assert version.startswith("t0"), version  # the tenant schema's alembic revision
    assert web("province.supervisor").get("/province/admin/tenants").status_code == 200
    assert web("city_supervisor@tangshan").get("/province/admin/tenants").status_code == 403


def test_dead_letter_retry_from_the_page(app, two_tenants, web):
    mid = _dead_letter(app)
    admin = web("province.admin")
    page = text_of(admin.get("/province/admin/dead-letters"))
    assert f'data-message="tangshan-{mid}"' in page
    url = f"/province/admin/dead-letters/tangshan/{mid}/retry"
    assert admin.post(url, token_from="/province/admin/dead-letters").status_code == 302
    assert f'data-message="tangshan-{mid}"' not in text_of(admin.get("/province/admin/dead-letters"))
    assert admin.post(url, token_from="/province/admin/dead-letters").status_code == 409
    supervisor = web("province.supervisor")
    assert supervisor.get("/province/admin/dead-letters").status_code == 403
