"""The provincial portal's webhook page: every city's subscriptions and latest deliveries."""

from __future__ import annotations

from tests.web.conftest import text_of


def test_subscriptions_and_recent_deliveries_of_every_city(app, two_tenants, web):
    from app.webhooks import service as webhooks
    from tenants import db, tenant_context

    with app.app_context(), tenant_context("tangshan"):
        row, _ = webhooks.create(
            {
                "url": "https://partner.example.cn/hooks",
                "event_types": ["order.closed"],
                "description": "市数据局",
            },
            "city_supervisor@tangshan",
        )
        delivery = webhooks.ping(row.id)
        db.session.commit()
        sub_id, delivery_id = row.id, delivery.id
    try:
        html = text_of(web("province.admin").get("/province/admin/webhooks"))
        assert 'data-city="tangshan"' in html and f'data-subscription="{sub_id}"' in html
        assert "https://partner.example.cn/hooks" in html and "市数据局" in html
        assert f'data-delivery="{delivery_id}"' in html and "ping" in html
        assert web("province.supervisor").get("/province/admin/webhooks").status_code == 403
        assert web("city_supervisor@tangshan").get("/province/admin/webhooks").status_code == 403
    finally:
        with app.app_context(), tenant_context("tangshan"):
            webhooks.delete(sub_id)
            from sqlalchemy import delete

            from app.outbox.models import OutboxMessage

            db.session.execute(delete(OutboxMessage).where(OutboxMessage.id == delivery_id))
            db.session.commit()
