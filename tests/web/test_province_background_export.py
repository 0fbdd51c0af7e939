"""Background exports of the province order list: an rq job (a real worker) with a progress bar,
a download for the requester only, PII-free, expiring; small lists stay synchronous."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.support.workers import burst_worker
from tests.web.conftest import text_of
from tests.web.test_province import _relay

SH = ZoneInfo("Asia/Shanghai")
CALLER = {"name": "孙后台", "phone": "13655550077", "language": "zh", "needs": []}


@pytest.fixture
def period():
    today = datetime.now(SH).date()
    return {"from": (today - timedelta(days=2)).isoformat(), "to": today.isoformat()}


@pytest.fixture
def large(monkeypatch):
    """Make every list 'large' for these tests (the threshold is 10,000 rows)."""
    from app.province import exports

    monkeypatch.setattr(exports, "SYNC_MAX_ROWS", 1)


def _orders(app, two_tenants, orders_api, n=3):
    made = [orders_api.create(caller=CALLER) for _ in range(n)]
    _relay(app, two_tenants)
    return made


def test_a_large_order_list_is_exported_in_the_background(
    app, services, two_tenants, web, orders_api, period, large
):
    made = _orders(app, two_tenants, orders_api)
    user = web("province.supervisor")
    query = f"city=shijiazhuang&from={period['from']}&to={period['to']}"
    listing = text_of(user.get(f"/province/orders?{query}"))
    assert 'data-testid="background-export"' in listing and 'data-testid="export-csv"' not in listing
    assert user.get(f"/province/export.csv?table=orders&{query}").status_code == 422  # too large to wait for
    count = int(re.search(r'data-testid="order-count">(\d+)<', listing).group(1))

    form = {"table": "orders", "fmt": "csv", "city": "shijiazhuang", **period}
    resp = user.post("/province/exports", form, token_from=f"/province/orders?{query}")
    assert resp.status_code == 302, text_of(resp)
    page_url = resp.headers["Location"]
    export_id = int(page_url.rsplit("/", 1)[1])
    queued = text_of(user.get(page_url))
    assert 'data-status="queued"' in queued and "hx-trigger" in queued
    assert user.get(f"/province/exports/{export_id}/download").status_code == 409  # not ready yet

    result = burst_worker(services, "reports")
    assert result.returncode == 0, result.stdout + result.stderr
    status = text_of(user.get(f"/province/exports/{export_id}/status"))
    assert 'data-status="done"' in status and "hx-trigger" not in status and "100%" in status
    assert f'data-export="{export_id}"' in text_of(user.get("/province/exports"))

    file = user.get(f"/province/exports/{export_id}/download")
    assert file.status_code == 200 and "attachment" in file.headers["Content-Disposition"]
    body = file.get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][0] == "number" and len(rows) - 1 == count
    assert {o["number"] for o in made} <= {r[0] for r in rows[1:]}
    assert {r[1] for r in rows[1:]} == {"shijiazhuang"}
    assert CALLER["name"] not in body and not re.search(r"1[3-9]\d{9}", body)

    # only the requester reaches it; other areas not at all
    other = web("province.admin")
    assert other.get(page_url).status_code == 404
    assert other.get(f"/province/exports/{export_id}/download").status_code == 404
    assert f'data-export="{export_id}"' not in text_of(other.get("/province/exports"))
    assert web("city_supervisor@shijiazhuang").get(page_url).status_code == 403


def test_excel_export_and_expiry(app, services, two_tenants, web, orders_api, period, large):
    import zipfile

    from app.exports import service
    from app.exports.models import ExportFile
    from tenants import db

    made = _orders(app, two_tenants, orders_api, n=2)
    user = web("province.supervisor")
    form = {"table": "orders", "fmt": "xlsx", "city": "shijiazhuang", **period}
    export_id = int(
        user.post("/province/exports", form, token_from="/province/exports")
        .headers["Location"]
        .rsplit("/", 1)[1]
    )
    assert burst_worker(services, "reports").returncode == 0
    file = user.get(f"/province/exports/{export_id}/download")
    with zipfile.ZipFile(io.BytesIO(file.get_data())) as book:
        strings = book.read("xl/sharedStrings.xml").decode()
    assert made[0]["number"] in strings and CALLER["phone"] not in strings and CALLER["name"] not in strings

    with app.app_context():
        db.session.get(ExportFile, export_id).expires_at = datetime.now(UTC) - timedelta(minutes=1)
        db.session.commit()
    assert user.get(f"/province/exports/{export_id}/download").status_code == 410
    with app.app_context():
        assert service.purge_expired() >= 1
        db.session.commit()
        assert db.session.get(ExportFile, export_id) is None
    assert user.get(f"/province/exports/{export_id}").status_code == 404


def test_bad_export_requests_are_refused(web, period):
    user = web("province.supervisor")
    token_page = "/province/exports"
    assert (
        user.post("/province/exports", {"table": "orders", "fmt": "pdf"}, token_from=token_page).status_code
        == 422
    )
    assert (
        user.post("/province/exports", {"table": "kpis", "fmt": "csv"}, token_from=token_page).status_code
        == 422
    )
    bad = {"table": "orders", "fmt": "csv", "from": "not-a-date"}
    assert user.post("/province/exports", bad, token_from=token_page).status_code == 422
    assert (
        user.post(
            "/province/exports", {"table": "orders", "fmt": "csv", "city": "nowhere"}, token_from=token_page
        ).status_code
        == 422
    )
    assert user.get("/province/exports/999999").status_code == 404


def test_small_lists_stay_synchronous(app, two_tenants, web, orders_api, period):
    _orders(app, two_tenants, orders_api, n=1)
    listing = text_of(
        web("province.supervisor").get(f"/province/orders?from={period['from']}&to={period['to']}")
    )
    assert 'data-testid="export-csv"' in listing and 'data-testid="background-export"' not in listing


def test_a_city_users_export_is_narrowed_to_their_city(app, two_tenants, orders_api, period):
    from app.province import exports

    _orders(app, two_tenants, orders_api, n=1)
    orders_api.tenant = "tangshan"
    _orders(app, two_tenants, orders_api, n=1)
    with app.app_context():
        head, total, rows = exports.order_table({"tenant": ["shijiazhuang"]}, "tangshan")
        rows = list(rows)
    assert head[1] == "city" and total == len(rows) > 0
    assert {r[1] for r in rows} == {"tangshan"}  # the city's own orders, whatever the stored filter said


def test_an_export_too_large_for_one_file_fails_with_a_reason(
    app, two_tenants, web, orders_api, period, monkeypatch
):
    from app.exports import service

    _orders(app, two_tenants, orders_api, n=1)
    monkeypatch.setattr(service, "enqueue", lambda *a, **k: None)
    monkeypatch.setattr(service, "MAX_ROWS", 0)
    user = web("province.supervisor")
    form = {"table": "orders", "fmt": "csv", **period}
    export_id = int(
        user.post("/province/exports", form, token_from="/province/exports")
        .headers["Location"]
        .rsplit("/", 1)[1]
    )
    with app.app_context():
        assert service.build(export_id) == "failed"
    html = text_of(user.get(f"/province/exports/{export_id}"))
    assert 'data-status="failed"' in html and "narrow the filters" in html and "hx-trigger" not in html
