"""Calendar entry API: province and city scopes, roles, other cities, bad input."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from tenants.db import db

PROVINCE = "/api/v1/province/calendar"
SJZ = "/api/v1/tenants/shijiazhuang/calendar"
TS = "/api/v1/tenants/tangshan/calendar"
NEW_YEAR = {"is_workday": False, "name": "元旦"}


def rows(table: str) -> list[tuple]:
    with db.engine.connect() as conn:
        return [
            tuple(r) for r in conn.execute(text(f"SELECT day, is_workday, name FROM {table} ORDER BY day"))
        ]


def deadline(client, headers, tenant="shijiazhuang", start="2026-12-30T10:00:00+08:00", n=10) -> dict:
    resp = client.get(
        f"/api/v1/tenants/{tenant}/sla/deadline",
        query_string={"start": start, "working_days": n},
        headers=headers,
    )
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_province_entry_put_list_delete(app_ctx, client, two_tenants, auth_headers, restore_calendars):
    admin, reader = auth_headers("province.admin"), auth_headers("dispatcher@tangshan")
    assert deadline(client, reader, "tangshan")["due_at"] == "2027-01-13T23:59:59+08:00"

    resp = client.put(f"{PROVINCE}/2027-01-01", json=NEW_YEAR, headers=admin)
    assert resp.status_code == 200
    body = resp.get_json()
    assert (
        body["day"] == "2027-01-01" and body["is_workday"] is False and body["updated_by"] == "province.admin"
    )
    assert body["updated_at"].endswith("+08:00")
    # The next request sees it, in every city.
    moved = deadline(client, reader, "tangshan")
    assert moved["due_at"] == "2027-01-14T23:59:59+08:00" and moved["fallback"] is False

    # PUT again replaces (an adjusted working day, renamed).
    again = client.put(f"{PROVINCE}/2027-01-01", json={"is_workday": True, "name": "更正"}, headers=admin)
    assert again.status_code == 200 and again.get_json()["is_workday"] is True

    listed = client.get(PROVINCE, query_string={"year": 2027}, headers=reader)
    assert listed.status_code == 200
    assert [e["day"] for e in listed.get_json()] == ["2027-01-01"]
    assert json.loads(listed.headers["X-Pagination"])["total"] == 1
    assert client.get(PROVINCE, query_string={"year": 2030}, headers=reader).get_json() == []

    assert client.delete(f"{PROVINCE}/2027-01-01", headers=admin).status_code == 204
    assert rows("province.calendar_days") == []
    assert deadline(client, reader, "tangshan")["due_at"] == "2027-01-13T23:59:59+08:00"
    missing = client.delete(f"{PROVINCE}/2027-01-01", headers=admin)
    assert missing.status_code == 404 and "2027-01-01" in missing.get_json()["message"]


def test_list_is_paginated_by_date(app_ctx, client, two_tenants, auth_headers, restore_calendars):
    admin = auth_headers("province.admin")
    for day in ("2027-02-10", "2027-02-08", "2027-02-09", "2028-01-01"):
        assert (
            client.put(
                f"{PROVINCE}/{day}", json={"is_workday": False, "name": "春节"}, headers=admin
            ).status_code
            == 200
        )
    page = client.get(PROVINCE, query_string={"year": 2027, "page": 2, "page_size": 2}, headers=admin)
    assert [e["day"] for e in page.get_json()] == ["2027-02-10"]
    assert json.loads(page.headers["X-Pagination"]) | {} == {
        "total": 3,
        "total_pages": 2,
        "first_page": 1,
        "last_page": 2,
        "page": 2,
        "previous_page": 1,
    }
    assert len(client.get(PROVINCE, headers=admin).get_json()) == 4


def test_city_entry_moves_only_that_city(app_ctx, client, two_tenants, auth_headers, restore_calendars):
    client.put(f"{PROVINCE}/2027-01-01", json=NEW_YEAR, headers=auth_headers("province.admin"))
    sup = auth_headers("city_supervisor@shijiazhuang")
    resp = client.put(f"{SJZ}/2027-01-12", json={"is_workday": False, "name": "本市停工"}, headers=sup)
    assert resp.status_code == 200
    assert deadline(client, sup)["due_at"] == "2027-01-15T23:59:59+08:00"
    ts = auth_headers("dispatcher@tangshan")
    assert deadline(client, ts, "tangshan")["due_at"] == "2027-01-14T23:59:59+08:00"
    assert [e["day"] for e in client.get(SJZ, headers=sup).get_json()] == ["2027-01-12"]
    assert client.get(TS, headers=ts).get_json() == []
    # The province admin may manage a city's calendar too, and undo it.
    assert client.delete(f"{SJZ}/2027-01-12", headers=auth_headers("province.admin")).status_code == 204
    assert deadline(client, sup)["due_at"] == "2027-01-14T23:59:59+08:00"


@pytest.mark.parametrize(
    ("method", "url", "user", "status"),
    [
        ("put", f"{PROVINCE}/2027-01-01", None, 401),
        ("put", f"{PROVINCE}/2027-01-01", "city_supervisor@shijiazhuang", 403),
        ("put", f"{PROVINCE}/2027-01-01", "province.supervisor", 403),
        ("delete", f"{PROVINCE}/2027-01-01", "city_supervisor@shijiazhuang", 403),
        ("put", f"{SJZ}/2027-01-01", "dispatcher@shijiazhuang", 403),
        ("put", f"{SJZ}/2027-01-01", "agent@shijiazhuang", 403),
        ("put", f"{SJZ}/2027-01-01", "handler.zjj@shijiazhuang", 403),
        # Another city's supervisor may not touch this city at all.
        ("put", f"{SJZ}/2027-01-01", "city_supervisor@tangshan", 403),
        ("delete", f"{SJZ}/2027-01-01", "city_supervisor@tangshan", 403),
        ("get", SJZ, "city_supervisor@tangshan", 403),
        ("get", SJZ, "client.120@tangshan", 403),
        ("get", PROVINCE, "client.110@shijiazhuang", 403),
        ("put", "/api/v1/tenants/nowhere/calendar/2027-01-01", "province.admin", 404),
    ],
)
def test_forbidden_writes_change_nothing(
    app_ctx, client, two_tenants, auth_headers, restore_calendars, method, url, user, status
):
    client.put(f"{SJZ}/2027-01-01", json=NEW_YEAR, headers=auth_headers("province.admin"))
    before = rows("province.calendar_days"), rows("t_shijiazhuang.calendar_days")
    headers = auth_headers(user) if user else {}
    kwargs = {"json": {"is_workday": True, "name": "x"}} if method == "put" else {}
    resp = getattr(client, method)(url, headers=headers, **kwargs)
    assert resp.status_code == status, resp.get_json()
    assert resp.get_json()["message"]
    assert (rows("province.calendar_days"), rows("t_shijiazhuang.calendar_days")) == before


@pytest.mark.parametrize("user", ["agent@shijiazhuang", "handler.zjj@shijiazhuang", "province.supervisor"])
def test_readers(client, two_tenants, auth_headers, user):
    assert client.get(SJZ, headers=auth_headers(user)).status_code == 200
    assert client.get(PROVINCE, headers=auth_headers(user)).status_code == 200


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        (f"{PROVINCE}/2027-02-30", NEW_YEAR, "day"),
        (f"{PROVINCE}/yesterday", NEW_YEAR, "day"),
        (f"{PROVINCE}/1899-01-01", NEW_YEAR, "day"),
        (f"{SJZ}/2027-13-01", NEW_YEAR, "day"),
        (f"{SJZ}/2027-01-01", {"name": "元旦"}, "is_workday"),
        (f"{SJZ}/2027-01-01", {"is_workday": "no", "name": "元旦"}, "is_workday"),
        (f"{SJZ}/2027-01-01", {"is_workday": False, "name": "   "}, "name"),
        (f"{SJZ}/2027-01-01", {"is_workday": False, "name": "x" * 51}, "name"),
        (f"{SJZ}/2027-01-01", {"is_workday": False, "name": "元旦", "extra": 1}, "extra"),
    ],
)
def test_bad_input_is_422_with_a_message(
    app_ctx, client, two_tenants, auth_headers, restore_calendars, url, body, field
):
    before = rows("province.calendar_days"), rows("t_shijiazhuang.calendar_days")
    resp = client.put(url, json=body, headers=auth_headers("province.admin"))
    assert resp.status_code == 422
    errors = resp.get_json()["errors"]
    assert (errors.get("path") or errors.get("json"))[field]  # the field's messages
    assert (rows("province.calendar_days"), rows("t_shijiazhuang.calendar_days")) == before


def test_bad_year_filter_is_422(client, two_tenants, auth_headers):
    for year in ("1999", "abc", "2100"):
        resp = client.get(PROVINCE, query_string={"year": year}, headers=auth_headers("province.admin"))
        assert resp.status_code == 422 and "year" in resp.get_json()["errors"]["query"]
    assert client.delete(f"{SJZ}/not-a-date", headers=auth_headers("province.admin")).status_code == 422


def test_documented_in_openapi(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert {"get"} <= set(paths["/api/v1/province/calendar"])
    assert {"put", "delete"} <= set(paths["/api/v1/province/calendar/{day}"])
    assert {"put", "delete"} <= set(paths["/api/v1/tenants/{tenant}/calendar/{day}"])
