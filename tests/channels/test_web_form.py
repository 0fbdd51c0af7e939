"""Public web form: CSRF, honeypot, per-address rate limit with Retry-After, idempotent submission."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.extensions import redis_client
from app.orders.models import Order
from tenants import db, tenant_context

T = "shijiazhuang"


def _form(client):
    page = client.get(f"/channels/{T}/web")
    assert page.status_code == 200 and "script" not in page.get_data(as_text=True)
    html = page.get_data(as_text=True)
    return {
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html).group(1),
        "submission": re.search(r'name="submission" value="([^"]+)"', html).group(1),
    }


def _web_orders(app, submission):
    with app.app_context(), tenant_context(T):
        return db.session.scalar(
            select(func.count()).select_from(Order).where(Order.source_ref == f"web:{submission}")
        )


def test_form_files_once_and_guards(client, app, two_tenants):
    with app.app_context():
        redis_client.conn.delete(f"hotline:channels:web:{T}:127.0.0.1")
    app.config["CHANNELS_WEB_PER_10_MIN"] = 2
    try:
        f = _form(client)
        data = {**f, "title": "路灯不亮", "content": "建设大街路灯一周不亮", "website": ""}
        first = client.post(f"/channels/{T}/web", data=data)
        assert first.status_code == 201 and "工单号" in first.get_data(as_text=True)
        assert client.post(f"/channels/{T}/web", data=data).status_code == 200  # double submit
        assert _web_orders(app, f["submission"]) == 1

        no_csrf = client.post(f"/channels/{T}/web", data={**data, "csrf_token": "x", "submission": "abc1"})
        assert no_csrf.status_code == 400 and _web_orders(app, "abc1") == 0

        bot = client.post(
            f"/channels/{T}/web", data={**_form(client), "content": "广告", "website": "http://spam"}
        )
        assert bot.status_code == 200

        limited = client.post(f"/channels/{T}/web", data={**_form(client), "content": "第三条诉求"})
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    finally:
        app.config.pop("CHANNELS_WEB_PER_10_MIN", None)
