"""No personal data in the province schema (catalog and data), and who may read what."""

from __future__ import annotations

from sqlalchemy import text

from tests.orders.conftest import OrdersApi

SJZ, TS = "shijiazhuang", "tangshan"
# Words of column names that would carry a person or a citizen's own words.
PII = {
    "phone",
    "caller",
    "mobile",
    "email",
    "idcard",
    "address",
    "addr",
    "lat",
    "lng",
    "location",
    "content",
    "title",
    "answer",
    "resolution",
    "name",
    "note",
    "text",
    "remark",
}
# The registry's city and schema names, a holiday's name (春节), the province supervisor's decision note.
ALLOWED = {
    ("tenants", "name"),
    ("tenants", "schema_name"),
    ("provision_runs", "name"),  # the name of the city being provisioned, as in tenants
    ("calendar_days", "name"),
    ("transfers", "decision_note"),
    ("api_clients", "name"),  # a third-party system's name (an app vendor), not a person's
    # the shared knowledge base: policy texts written by editors for every city, never a caller's words
    ("kb_articles", "title"),
    ("kb_articles", "content"),
    ("kb_article_versions", "title"),
    ("kb_article_versions", "content"),
    # the province's emergency class map (110/119/120/122 classes): class names, not a person's
    ("emergency_class_map", "major_name"),
    ("emergency_class_map", "class_name"),
}
FACT_TABLES = ("order_facts", "kpi_daily", "supervision_facts")


def test_no_pii_column_in_the_province_schema(app_ctx, two_tenants):
    from tenants import db

    with db.engine.connect() as conn:
        cols = conn.execute(
            text(
                "SELECT table_name, column_name, data_type, character_maximum_length "
                "FROM information_schema.columns "
                "WHERE table_schema = 'province'"
            )
        ).all()
    tables = {c.table_name for c in cols}
    assert set(FACT_TABLES) | {"transfers"} <= tables
    offending = [
        (c.table_name, c.column_name)
        for c in cols
        if PII & set(c.column_name.split("_")) and (c.table_name, c.column_name) not in ALLOWED
    ]
    assert offending == []
    # facts hold codes, flags, numbers and instants only: no free text anywhere
    loose = [
        (c.table_name, c.column_name, c.data_type, c.character_maximum_length)
        for c in cols
        if c.table_name in FACT_TABLES and (c.data_type == "text" or (c.character_maximum_length or 0) > 128)
    ]
    assert loose == []


def test_no_caller_data_reaches_the_province(orders: OrdersApi, relay, app):
    from tenants import db

    marker_phone, marker_name, marker_addr = "13912345678", "欧阳测试", "测试路999号"
    o = orders.create(
        caller={"name": marker_name, "phone": marker_phone},
        address=marker_addr,
        content="投诉内容独特标记XYZ",
        title="独特标题ABC",
    )
    orders.ok(o["id"], "supervise", "province.supervisor", {"note": "督办"})
    orders.ok(
        orders.create(caller={"name": marker_name, "phone": marker_phone}, address=marker_addr)["id"],
        "transfer",
        "dispatcher",
        {"to_tenant": TS, "reason": "属唐山"},
    )
    relay()
    with app.app_context(), db.engine.connect() as conn:
        names = conn.execute(
            text("SELECT table_name FROM information_schema.tables WHERE table_schema = 'province'")
        )
        dump = "\n".join(
            str(row)
            for t in names.scalars()
            for row in conn.execute(text(f'SELECT t::text FROM province."{t}" t')).scalars()
        )
    for needle in (
        marker_phone,
        "139****5678",
        marker_name,
        marker_addr,
        "独特标记XYZ",
        "独特标题ABC",
    ):
        assert needle not in dump


def test_province_endpoints_need_a_province_role(client, auth_headers, two_tenants):
    for path in (
        "/api/v1/province/orders",
        "/api/v1/province/kpis",
        "/api/v1/province/transfers",
        "/api/v1/province/supervisions",
    ):
        for user in ("dispatcher@shijiazhuang", "city_supervisor@tangshan", "agent@shijiazhuang"):
            assert client.get(path, headers=auth_headers(user)).status_code == 403, (path, user)
        assert client.get(path).status_code == 401
        assert client.get(path, headers=auth_headers("province.admin")).status_code == 200


def test_city_kpis_only_for_that_city(client, auth_headers, two_tenants):
    url = "/api/v1/tenants/shijiazhuang/kpis"
    assert client.get(url, headers=auth_headers("city_supervisor@shijiazhuang")).status_code == 200
    assert client.get(url, headers=auth_headers("city_supervisor@tangshan")).status_code == 403
    assert client.get(url, headers=auth_headers("dispatcher@shijiazhuang")).status_code == 403
    assert client.get(url, headers=auth_headers("province.supervisor")).status_code == 200
    assert (
        client.get("/api/v1/tenants/nowhere/kpis", headers=auth_headers("province.supervisor")).status_code
        == 404
    )


def test_bad_queries_are_clear_4xx(client, auth_headers, two_tenants):
    h = auth_headers("province.supervisor")
    for query, field in (
        ("/kpis?group_by=district", "group_by"),
        ("/kpis?from=2025-03-10&to=2025-03-01", "from"),
        ("/kpis?from=2020-01-01&to=2025-01-01", "from"),
        ("/kpis?from=yesterday", "from"),
        ("/orders?tenant=nowhere", "tenant"),
        ("/orders?status=lost", "status"),
        ("/orders?overdue=maybe", "overdue"),
        ("/transfers?status=lost", "status"),
        ("/supervisions?level=auto", "level"),
    ):
        resp = client.get("/api/v1/province" + query, headers=h)
        assert resp.status_code == 422, (query, resp.get_json())
        assert field in str(resp.get_json()["errors"]), (query, resp.get_json())


def test_province_orders_filters_and_pages(orders: OrdersApi, client, auth_headers):
    a = orders.create(channel="wechat")
    b = orders.create(tenant=TS, channel="wechat")
    h = auth_headers("province.supervisor")
    rows = client.get("/api/v1/province/orders?channel=wechat&page_size=100", headers=h).get_json()
    assert {(SJZ, a["id"]), (TS, b["id"])} <= {(r["tenant"], r["order_id"]) for r in rows}
    only_ts = client.get(f"/api/v1/province/orders?tenant={TS}&channel=wechat", headers=h).get_json()
    assert {r["tenant"] for r in only_ts} == {TS}
    paged = client.get("/api/v1/province/orders?page=1&page_size=1", headers=h)
    assert len(paged.get_json()) == 1 and '"total"' in paged.headers["X-Pagination"]
    for forbidden in ("caller", "content", "address", "title"):
        assert forbidden not in rows[0]
