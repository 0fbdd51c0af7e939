"""``/sla/deadline`` and ``/sla/policies`` through the HTTP API: answers, roles, other cities, bad input."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from app.sla.baseline import APPEAL_TYPES, BASELINE, URGENCIES
from tenants.db import db

SJZ = "/api/v1/tenants/shijiazhuang/sla"
TS = "/api/v1/tenants/tangshan/sla"
LIMITS = {
    "unit": "working_days",
    "accept_limit": 1,
    "handle_limit": 5,
    "return_limit": 2,
    "extension_max_working_days": 8,
    "warn_ratio": 0.75,
}


def policies(schema: str) -> list[tuple]:
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(f"SELECT * FROM {schema}.sla_policies ORDER BY 1, 2"))]


def test_policy_deadline_before_spring_festival(client, two_tenants, auth_headers):
    q = {"start": "2026-02-13T10:00:00+08:00", "appeal_type": "consultation", "urgency": "normal"}
    resp = client.get(f"{SJZ}/deadline", query_string=q, headers=auth_headers("agent@shijiazhuang"))
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["due_at"] == "2026-02-25T23:59:59+08:00"
    assert body["accept_due_at"] == "2026-02-14T23:59:59+08:00"  # the adjusted Saturday
    assert body["return_due_at"] == "2026-02-24T23:59:59+08:00"
    assert body["warn_at"].startswith("2026-02-25T")
    assert body["unit"] == "working_days" and body["extension_max_working_days"] == 10
    assert body["calendar"] == [{"year": 2026, "source": "library"}]
    assert body["fallback"] is False and body["warnings"] == []


def test_raw_working_days_and_time_zones(client, two_tenants, auth_headers):
    h = auth_headers("dispatcher@shijiazhuang")

    def due(start: str, n: int = 1) -> str:
        resp = client.get(f"{SJZ}/deadline", query_string={"start": start, "working_days": n}, headers=h)
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()["due_at"]

    assert due("2026-02-13T23:30:00") == "2026-02-14T23:59:59+08:00"  # no offset: Asia/Shanghai
    assert due("2026-02-13T16:30:00Z") == "2026-02-24T23:59:59+08:00"  # 00:30 on Feb 14 in Shanghai
    assert due("2025-09-26T15:00:00+08:00", 10) == "2025-10-16T23:59:59+08:00"
    now = client.get(f"{SJZ}/deadline", query_string={"working_days": 3}, headers=h)
    assert now.status_code == 200 and now.get_json()["due_at"] > now.get_json()["start"]


def test_2027_fallback_is_flagged_in_the_response(client, two_tenants, auth_headers, restore_calendars):
    q = {"start": "2026-12-30T10:00:00+08:00", "appeal_type": "complaint"}
    body = client.get(
        f"{SJZ}/deadline", query_string=q, headers=auth_headers("agent@shijiazhuang")
    ).get_json()
    assert body["due_at"] == "2027-01-13T23:59:59+08:00" and body["urgency"] == "normal"
    assert body["fallback"] is True and body["fallback_years"] == [2027]
    assert {"year": 2027, "source": "fallback"} in body["calendar"]
    assert "2027" in body["warnings"][0] and "Monday-Friday" in body["warnings"][0]


def test_emergency_preview_in_hours(client, two_tenants, auth_headers):
    q = {"start": "2026-02-16T22:00:00+08:00", "appeal_type": "help", "urgency": "emergency"}
    body = client.get(
        f"{SJZ}/deadline", query_string=q, headers=auth_headers("agent@shijiazhuang")
    ).get_json()
    assert body["unit"] == "hours"
    assert body["accept_due_at"] == "2026-02-16T22:30:00+08:00"
    assert body["due_at"] == "2026-02-17T22:00:00+08:00"
    assert body["return_due_at"] == "2026-02-16T23:00:00+08:00"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"appeal_type": "gossip"}, "appeal_type"),
        ({"appeal_type": "help", "urgency": "whenever"}, "urgency"),
        ({"working_days": -1}, "working_days"),
        ({"working_days": 251}, "working_days"),
        ({"working_days": "three"}, "working_days"),
        ({"working_days": 3, "appeal_type": "help"}, "_schema"),
        ({}, "_schema"),
        ({"start": "not-a-date", "working_days": 3}, "start"),
        ({"start": "1900-01-01T00:00:00+08:00", "working_days": 3}, "start"),
        ({"start": "9999-12-31T00:00:00+08:00", "working_days": 3}, "start"),
    ],
)
def test_bad_deadline_queries_are_422(client, two_tenants, auth_headers, query, field):
    resp = client.get(f"{SJZ}/deadline", query_string=query, headers=auth_headers("agent@shijiazhuang"))
    assert resp.status_code == 422
    assert resp.get_json()["errors"]["query"][field]  # the field's messages


@pytest.mark.parametrize(
    ("user", "status"),
    [
        (None, 401),
        ("city_supervisor@tangshan", 403),
        ("agent@tangshan", 403),
        ("client.110@shijiazhuang", 403),
        ("client.open311@shijiazhuang", 200),
        ("handler.zjj@shijiazhuang", 200),
        ("province.supervisor", 200),
    ],
)
def test_who_may_preview(client, two_tenants, auth_headers, user, status):
    headers = auth_headers(user) if user else {}
    resp = client.get(f"{SJZ}/deadline", query_string={"working_days": 3}, headers=headers)
    assert resp.status_code == status


def test_policies_are_seeded_from_the_baseline(client, two_tenants, auth_headers):
    resp = client.get(f"{TS}/policies", headers=auth_headers("dispatcher@tangshan"))
    assert resp.status_code == 200
    rows = resp.get_json()
    assert json.loads(resp.headers["X-Pagination"])["total"] == len(APPEAL_TYPES) * len(URGENCIES)
    assert [(r["appeal_type"], r["urgency"]) for r in rows[:3]] == [("consultation", u) for u in URGENCIES]
    assert all(r["baseline"] and r["updated_by"] is None for r in rows)
    emergency = next(r for r in rows if r["urgency"] == "emergency")
    assert (
        emergency["unit"] == "hours" and emergency["accept_limit"] == 0.5 and emergency["handle_limit"] == 24
    )
    page = client.get(
        f"{TS}/policies", query_string={"page": 2, "page_size": 5}, headers=auth_headers("agent@tangshan")
    )
    first = page.get_json()[0]
    assert (first["appeal_type"], first["urgency"]) == ("help", "emergency")


def test_city_supervisor_edits_only_their_city(client, two_tenants, auth_headers, restore_policies):
    before_ts = policies("t_tangshan")
    sup = auth_headers("city_supervisor@shijiazhuang")
    resp = client.put(f"{SJZ}/policies/complaint/normal", json=LIMITS, headers=sup)
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["handle_limit"] == 5 and body["baseline"] is False
    assert body["updated_by"] == "city_supervisor@shijiazhuang"
    assert client.get(f"{SJZ}/policies/complaint/normal", headers=sup).get_json()["warn_ratio"] == 0.75
    q = {"start": "2026-02-13T10:00:00+08:00", "appeal_type": "complaint"}
    assert client.get(f"{SJZ}/deadline", query_string=q, headers=sup).get_json()["due_at"] == (
        "2026-02-27T23:59:59+08:00"
    )
    ts = auth_headers("agent@tangshan")
    assert client.get(f"{TS}/deadline", query_string=q, headers=ts).get_json()["due_at"] == (
        "2026-03-05T23:59:59+08:00"
    )
    assert policies("t_tangshan") == before_ts
    # Emergency policies may be in hours with fractions.
    hours = {**LIMITS, "unit": "hours", "accept_limit": 0.25, "handle_limit": 12.5}
    assert (
        client.put(f"{SJZ}/policies/help/emergency", json=hours, headers=sup).get_json()["accept_limit"]
        == 0.25
    )


@pytest.mark.parametrize(
    ("user", "status"),
    [
        (None, 401),
        ("dispatcher@shijiazhuang", 403),
        ("agent@shijiazhuang", 403),
        ("handler.zjj@shijiazhuang", 403),
        ("province.supervisor", 403),
        ("city_supervisor@tangshan", 403),
    ],
)
def test_policy_writes_forbidden(client, two_tenants, auth_headers, restore_policies, user, status):
    before = policies("t_shijiazhuang"), policies("t_tangshan")
    headers = auth_headers(user) if user else {}
    resp = client.put(f"{SJZ}/policies/complaint/normal", json=LIMITS, headers=headers)
    assert resp.status_code == status and resp.get_json()["message"]
    assert (policies("t_shijiazhuang"), policies("t_tangshan")) == before


@pytest.mark.parametrize(
    ("path", "body", "where", "field"),
    [
        ("gossip/normal", LIMITS, "path", "appeal_type"),
        ("complaint/whenever", LIMITS, "path", "urgency"),
        ("complaint/normal", {**LIMITS, "handle_limit": 1.5}, "json", "handle_limit"),
        ("complaint/normal", {**LIMITS, "handle_limit": -1}, "json", "handle_limit"),
        ("complaint/normal", {**LIMITS, "handle_limit": 400}, "json", "handle_limit"),
        ("complaint/normal", {**LIMITS, "unit": "fortnights"}, "json", "unit"),
        ("complaint/normal", {**LIMITS, "warn_ratio": 1}, "json", "warn_ratio"),
        ("complaint/normal", {**LIMITS, "warn_ratio": 0}, "json", "warn_ratio"),
        (
            "complaint/normal",
            {**LIMITS, "extension_max_working_days": 2.5},
            "json",
            "extension_max_working_days",
        ),
        ("complaint/normal", {k: v for k, v in LIMITS.items() if k != "unit"}, "json", "unit"),
        ("help/emergency", {**LIMITS, "unit": "hours", "accept_limit": 0.333}, "json", "accept_limit"),
    ],
)
def test_bad_policies_are_422_and_change_nothing(
    client, two_tenants, auth_headers, restore_policies, path, body, where, field
):
    before = policies("t_shijiazhuang")
    resp = client.put(f"{SJZ}/policies/{path}", json=body, headers=auth_headers("province.admin"))
    assert resp.status_code == 422
    assert resp.get_json()["errors"][where][field]
    assert policies("t_shijiazhuang") == before


def test_provisioning_step_is_registered_idempotent_and_keeps_city_edits(
    app_ctx, client, two_tenants, auth_headers, restore_policies
):
    from app.sla.service import seed_policies
    from tenants import provision, tenant_context

    assert "sla-policies" in provision.steps()
    client.put(f"{SJZ}/policies/complaint/normal", json=LIMITS, headers=auth_headers("province.admin"))
    with tenant_context("shijiazhuang") as ref:
        seed_policies(ref)
        seed_policies(ref)
        db.session.commit()
    rows = policies("t_shijiazhuang")
    assert len(rows) == len(BASELINE)
    complaint = client.get(
        f"{SJZ}/policies/complaint/normal", headers=auth_headers("province.admin")
    ).get_json()
    assert complaint["handle_limit"] == 5
