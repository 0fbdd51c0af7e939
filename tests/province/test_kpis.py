"""Every KPI against values computed by hand on a small fixture (March 2025, Asia/Shanghai).

The fixture orders are written into the tenant schemas the way the demo seeder does (ORM rows
with explicit instants, then the orders observer), so the figures travel the whole path:
tenant order -> fact -> daily rollup -> API. March 2025 has no public holiday: working days are
Monday-Friday.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

SH = ZoneInfo("Asia/Shanghai")
URL = "/api/v1/province/kpis?from=2025-03-01&to=2025-03-31"


def at(text: str) -> datetime:
    """Local wall time, e.g. '03-07 14:00' (2025), or a full ISO instant with offset."""
    if "T" in text:
        return datetime.fromisoformat(text)
    return datetime.fromisoformat(f"2025-{text}").replace(tzinfo=SH)


def _order(n: int, prefix: str, **kw):
    from app.orders.models import Order

    base = dict(
        number=f"{prefix}-KPI-{n:03d}",
        status="received",
        channel="phone",
        appeal_type="complaint",
        category_code="0105",
        urgency="normal",
        title="测试",
        content="测试诉求",
        created_by="agent@test",
        direct_closure=False,
        reopen_count=0,
        return_count=0,
        version=1,
    )
    base.update(kw)
    base.setdefault("updated_at", base["created_at"])
    return Order(**base)


SJZ = {
    # A: direct closure (直接办结) 10 minutes after receipt; satisfied, solved.
    "A": dict(
        created_at=at("03-03 09:00"),
        status="closed",
        closed_at=at("03-03 09:10"),
        direct_closure=True,
        due_at=at("03-06 23:59:59"),
        satisfaction="satisfied",
        resolved=True,
        callback_at=at("03-04 10:00"),
    ),
    # B: signed on time, closed on time after exactly 2 working days; dissatisfied, not solved.
    "B": dict(
        created_at=at("03-03 10:00"),
        status="closed",
        dispatched_at=at("03-03 11:00"),
        lead_department="zjj",
        accept_due_at=at("03-04 23:59:59"),
        accepted_at=at("03-04 09:00"),
        replied_at=at("03-05 09:00"),
        closed_at=at("03-05 10:00"),
        due_at=at("03-17 23:59:59"),
        satisfaction="dissatisfied",
        resolved=False,
        callback_at=at("03-06 10:00"),
    ),
    # C: signed late, returned once, overdue, reopened once, closed late; basically satisfied, solved.
    "C": dict(
        created_at=at("03-07 14:00"),
        status="closed",
        dispatched_at=at("03-07 15:00"),
        lead_department="cgj",
        accept_due_at=at("03-10 23:59:59"),
        accepted_at=at("03-11 09:00"),
        return_count=1,
        reopen_count=1,
        due_at=at("03-21 23:59:59"),
        overdue_at=at("03-22 00:00:30"),
        closed_at=at("03-24 12:00"),
        satisfaction="basically_satisfied",
        resolved=True,
        callback_at=at("03-25 10:00"),
        channel="phone",
    ),
    # D: dispatched, never signed, overdue; a repeat appeal.
    "D": dict(
        created_at=at("03-11 08:00"),
        status="dispatched",
        dispatched_at=at("03-11 09:00"),
        lead_department="zjj",
        accept_due_at=at("03-12 23:59:59"),
        due_at=at("03-25 23:59:59"),
        overdue_at=at("03-26 00:01"),
        channel="web",
        repeat="B",
    ),
    # E: received on a Saturday, closed, called back dissatisfied, reopened and signed again on time.
    "E": dict(
        created_at=at("03-15 10:00"),
        status="reopened",
        dispatched_at=at("03-17 09:00"),
        lead_department="cgj",
        accept_due_at=at("03-18 23:59:59"),
        accepted_at=at("03-17 15:00"),
        reopen_count=1,
        satisfaction="dissatisfied",
        resolved=False,
        callback_at=at("03-20 10:00"),
        channel="wechat",
    ),
    # H: 2025-03-01 00:30 local is still 2025-02-28 in UTC: counted in March.
    "H": dict(created_at=at("2025-02-28T16:30:00+00:00"), channel="app"),
    # Left out: merged (并单), transferred (转办), and 2025-04-01 00:30 local (still March 31 in UTC).
    "F": dict(created_at=at("03-12 10:00"), status="merged", repeat="B"),
    "G": dict(created_at=at("03-13 10:00"), status="transferred", transferred_to="tangshan"),
    "I": dict(
        created_at=at("2025-03-31T16:30:00+00:00"),
        status="closed",
        closed_at=at("04-01 09:00"),
        direct_closure=True,
    ),
}
TS = {
    "T1": dict(
        created_at=at("03-04 09:00"),
        status="closed",
        closed_at=at("03-04 09:30"),
        direct_closure=True,
        due_at=at("03-07 23:59:59"),
        satisfaction="satisfied",
        resolved=True,
        callback_at=at("03-05 10:00"),
    ),
}
# Hand-computed, shijiazhuang: received A B C D E H = 6; dispatched B C D E = 4; closed A B C = 3.
# Handling days: A 10 min = 0.007; B Mon 10:00 -> Wed 10:00 = 2.000;
# C Fri 14:00-24:00 0.41667 + 10 working days (03-10..03-21) + Mon 00:00-12:00 0.5 = 10.917.
EXPECTED_SJZ = {
    "on_time_sign_for": (2, 4, 0.5),  # B, E on time; C late; D never signed
    "on_time_completion": (2, 3, 0.6667),  # A, B on time; C late
    "resolution": (2, 4, 0.5),  # called back A B C E; solved A C
    "satisfaction": (2, 4, 0.5),  # rated A B C E; satisfied A, basically satisfied C
    "direct_closure": (1, 6, 0.1667),  # A
    "return": (1, 4, 0.25),  # C of the 4 dispatched
    "reopen": (2, 4, 0.5),  # C, E of A B C E ever closed
    "overdue": (2, 6, 0.3333),  # C, D
    "avg_handling_days": (12.924, 3, 4.308),  # (0.007 + 2.000 + 10.917) / 3
    "repeat_appeal": (1, 6, 0.1667),  # D
}


@pytest.fixture(scope="module")
def kpi_fixture(app, two_tenants):
    from app.orders.events import OrderChanged, notify
    from tenants import db, tenant_context

    with app.app_context():
        for slug, prefix, rows in (("shijiazhuang", "SJZ", SJZ), ("tangshan", "TS", TS)):
            with tenant_context(slug):
                made = {}
                for name, spec in rows.items():
                    spec = dict(spec)
                    repeat = spec.pop("repeat", None)
                    order = _order(len(made) + 1, prefix + name, **spec)
                    if repeat:
                        order.repeat_of_id = made[repeat].id
                    db.session.add(order)
                    db.session.flush()
                    notify(OrderChanged.of_new(order, "seeded"))
                    made[name] = order
                db.session.commit()


def _get(client, auth_headers, url, user="province.supervisor"):
    resp = client.get(url, headers=auth_headers(user))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


@pytest.mark.parametrize("kpi", sorted(EXPECTED_SJZ))
def test_each_kpi_for_one_city(kpi, kpi_fixture, client, auth_headers):
    body = _get(
        client,
        auth_headers,
        "/api/v1/tenants/shijiazhuang/kpis?from=2025-03-01&to=2025-03-31",
        "city_supervisor@shijiazhuang",
    )
    num, den, value = EXPECTED_SJZ[kpi]
    got = body["total"]["kpis"][kpi]
    assert (got["numerator"], got["denominator"], got["value"]) == (
        pytest.approx(num),
        den,
        pytest.approx(value),
    )
    assert body["total"]["received"] == 6


def test_province_grouped_by_tenant(kpi_fixture, client, auth_headers):
    body = _get(client, auth_headers, URL + "&group_by=tenant")
    groups = {g["key"]: g for g in body["groups"]}
    assert set(groups) == {"shijiazhuang", "tangshan"} and groups["tangshan"]["name"] == "唐山市"
    sjz = groups["shijiazhuang"]["kpis"]
    assert {k: (v["numerator"], v["denominator"]) for k, v in sjz.items()} == {
        k: (pytest.approx(n), d) for k, (n, d, _v) in EXPECTED_SJZ.items()
    }
    ts = groups["tangshan"]["kpis"]
    assert ts["direct_closure"] == {"numerator": 1, "denominator": 1, "value": 1.0}
    assert ts["avg_handling_days"] == {"numerator": 0.021, "denominator": 1, "value": 0.021}  # 30 min
    total = body["total"]
    assert total["received"] == 7
    assert total["kpis"]["direct_closure"] == {"numerator": 2, "denominator": 7, "value": 0.2857}
    assert total["kpis"]["satisfaction"] == {"numerator": 3, "denominator": 5, "value": 0.6}
    assert total["kpis"]["avg_handling_days"]["value"] == pytest.approx(round(12.945 / 4, 3))


def test_grouped_by_channel_and_department(kpi_fixture, client, auth_headers):
    by_channel = {g["key"]: g for g in _get(client, auth_headers, URL + "&group_by=channel")["groups"]}
    assert {k: g["received"] for k, g in by_channel.items()} == {"phone": 4, "web": 1, "wechat": 1, "app": 1}
    assert by_channel["web"]["kpis"]["overdue"]["value"] == 1.0
    by_dept = {g["key"]: g for g in _get(client, auth_headers, URL + "&group_by=department")["groups"]}
    assert {k: g["received"] for k, g in by_dept.items()} == {None: 3, "zjj": 2, "cgj": 2}
    assert by_dept["zjj"]["kpis"]["on_time_sign_for"] == {"numerator": 1, "denominator": 2, "value": 0.5}
    by_cat = _get(client, auth_headers, URL + "&group_by=category")["groups"]
    assert [(g["key"], g["received"]) for g in by_cat] == [("0105", 7)]


def test_date_range_is_local_and_inclusive(kpi_fixture, client, auth_headers):
    first_day = _get(client, auth_headers, "/api/v1/province/kpis?from=2025-03-01&to=2025-03-01")
    assert first_day["total"]["received"] == 1  # H, received 2025-02-28 16:30 UTC
    april = _get(client, auth_headers, "/api/v1/province/kpis?from=2025-04-01&to=2025-04-01")
    assert april["total"]["received"] == 1  # I
    empty = _get(client, auth_headers, "/api/v1/province/kpis?from=2025-02-01&to=2025-02-27")
    assert empty["total"]["kpis"]["satisfaction"] == {"numerator": 0, "denominator": 0, "value": None}


def test_fixture_facts_match_tenant_rows(kpi_fixture, assert_facts_consistent):
    assert_facts_consistent()


def test_definitions_are_documented(app):
    from app.province.measures import KPIS

    with app.test_client() as c:
        doc = c.get("/api/openapi.json").get_json()
    text = doc["paths"]["/api/v1/province/kpis"]["get"]["description"]
    city = doc["paths"]["/api/v1/tenants/{tenant}/kpis"]["get"]["description"]
    for k in KPIS:
        assert k.id in text and k.zh in text and k.numerator_text in text and k.denominator_text in text
        assert k.id in city
    assert "Time basis" in text


def test_readme_states_the_same_definitions():
    from pathlib import Path

    from app.province.measures import markdown_table

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert markdown_table() in readme  # regenerate the README table from measures.py when this fails
