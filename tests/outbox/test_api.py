"""Dead letters over the API: province_admin lists, shows (masked) and retries; cities read their own."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.outbox.conftest import SJZ, TS

PROVINCE = "/api/v1/province/outbox"
PHONE, NAME = "13812345678", "张三丰"
NO_ORDER = 2**40  # an order id no city has: the retry's audit entry lands on no real timeline


def city(tenant: str) -> str:
    return f"/api/v1/tenants/{tenant}/outbox"


class Switch:
    """A receiver that refuses for good while ``refusing`` (dead at once), then accepts."""

    def __init__(self):
        self.refusing, self.got = True, []

    def __call__(self, message):
        from app.outbox.registry import Rejected

        if self.refusing:
            raise Rejected(f"422 from the receiver; it echoed the caller {PHONE}")
        self.got.append(message.id)


@pytest.fixture
def dead(topic, put, relay_in, line, message):
    """One dead letter in each city on a topic of this test: {'topic', 'line', 'switch', SJZ: id, TS: id}."""
    switch = Switch()
    t = topic(switch)
    ids = {}
    for tenant in (SJZ, TS):
        ids[tenant] = put(
            t,
            line,
            tenant=tenant,
            order_id=NO_ORDER,
            caller={"name": NAME, "phone": PHONE},
            note=f"回电 {PHONE}",
        )
        relay_in(tenant)
        assert message(ids[tenant], tenant)["state"] == "dead"
    return {"topic": t, "line": line, "switch": switch, **ids}


def test_province_admin_lists_dead_letters_across_cities(client, auth_headers, dead):
    admin = auth_headers("province.admin")
    resp = client.get(f"{PROVINCE}/dead-letters?topic={dead['topic']}", headers=admin)
    assert resp.status_code == 200, resp.get_json()
    rows = resp.get_json()
    assert sorted((r["tenant"], r["id"]) for r in rows) == sorted([(SJZ, dead[SJZ]), (TS, dead[TS])])
    assert all(r["state"] == "dead" and r["attempts"] == 1 and r["destination"] == dead["line"] for r in rows)
    assert all(PHONE not in json.dumps(r, ensure_ascii=False) for r in rows)
    assert "138****5678" in rows[0]["last_error"] and "payload" not in rows[0]

    only = client.get(f"{PROVINCE}/dead-letters?topic={dead['topic']}&tenant={TS}", headers=admin).get_json()
    assert [(r["tenant"], r["id"]) for r in only] == [(TS, dead[TS])]
    paged = client.get(f"{PROVINCE}/dead-letters?topic={dead['topic']}&page_size=1", headers=admin)
    assert len(paged.get_json()) == 1 and json.loads(paged.headers["X-Pagination"])["total"] == 2
    by_line = client.get(f"{PROVINCE}/dead-letters?destination={dead['line']}", headers=admin).get_json()
    assert len(by_line) == 2


def test_one_dead_letter_shows_its_payload_masked(client, auth_headers, dead):
    resp = client.get(f"{PROVINCE}/dead-letters/{SJZ}/{dead[SJZ]}", headers=auth_headers("province.admin"))
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["payload"]["caller"] == {"name": "张**", "phone": "138****5678"}
    assert body["payload"]["note"] == "回电 138****5678" and body["payload"]["order_id"] == NO_ORDER
    assert PHONE not in resp.get_data(as_text=True) and NAME not in resp.get_data(as_text=True)
    assert body["key"].startswith(dead["topic"]) and body["adapter_missing"] is False


def test_retry_one_puts_it_back_audited_and_it_is_delivered(
    client, auth_headers, dead, relay_in, message, app_ctx
):
    from app.audit.models import AuditEntry
    from tenants import db, tenant_context

    admin = auth_headers("province.admin")
    url = f"{PROVINCE}/dead-letters/{SJZ}/{dead[SJZ]}/retry"
    resp = client.post(url, headers=admin)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert (body["state"], body["attempts"], body["retried_by"]) == ("pending", 0, "province.admin")
    assert client.post(url, headers=admin).status_code == 409  # not dead any more
    spec = client.get("/api/openapi.json").get_json()
    retry_op = spec["paths"]["/api/v1/province/outbox/dead-letters/{tenant}/{message_id}/retry"]["post"]
    assert "409" in retry_op["responses"]  # the fuzzer's status-code conformance check relies on it
    with tenant_context(SJZ):
        entry = db.session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.action == "outbox.retried", AuditEntry.data["message"].as_integer() == dead[SJZ]
            )
            .order_by(AuditEntry.id.desc())
        ).first()
    assert entry is not None and entry.actor == "province.admin" and entry.data["topic"] == dead["topic"]
    assert entry.order_id == NO_ORDER  # on that order's timeline too

    dead["switch"].refusing = False
    relay_in(SJZ)
    assert dead["switch"].got == [dead[SJZ]]
    shown = client.get(f"{PROVINCE}/dead-letters/{SJZ}/{dead[SJZ]}", headers=admin).get_json()
    assert shown["state"] == "delivered"
    assert message(dead[TS], TS)["state"] == "dead"  # the other city's is untouched


def test_retry_many_by_selector(client, auth_headers, dead, message):
    admin = auth_headers("province.admin")
    url = f"{PROVINCE}/dead-letters/retry"
    assert client.post(url, json={}, headers=admin).status_code == 422  # a filter is required
    bad = client.post(url, json={"messages": [{"tenant": "nowhere", "id": 1}]}, headers=admin)
    assert bad.status_code == 422 and "nowhere" in json.dumps(bad.get_json())
    one = client.post(url, json={"messages": [{"tenant": TS, "id": dead[TS]}]}, headers=admin)
    assert one.status_code == 200 and one.get_json() == {
        "count": 1,
        "retried": [{"tenant": TS, "id": dead[TS]}],
    }
    assert message(dead[TS], TS)["state"] == "pending" and message(dead[SJZ])["state"] == "dead"
    rest = client.post(url, json={"topic": dead["topic"]}, headers=admin).get_json()
    assert rest == {"count": 1, "retried": [{"tenant": SJZ, "id": dead[SJZ]}]}  # the pending one is skipped
    assert message(dead[SJZ])["retried_by"] == "province.admin"


def test_a_city_reads_only_its_own_outbox(client, auth_headers, dead):
    mine = client.get(
        f"{city(SJZ)}/dead-letters?topic={dead['topic']}", headers=auth_headers(f"city_supervisor@{SJZ}")
    )
    assert mine.status_code == 200 and [r["id"] for r in mine.get_json()] == [dead[SJZ]]
    one = client.get(f"{city(SJZ)}/dead-letters/{dead[SJZ]}", headers=auth_headers(f"city_supervisor@{SJZ}"))
    assert one.status_code == 200 and one.get_json()["payload"]["caller"]["phone"] == "138****5678"
    admin = client.get(
        f"{city(TS)}/dead-letters?topic={dead['topic']}", headers=auth_headers("province.admin")
    )
    assert [r["id"] for r in admin.get_json()] == [dead[TS]]


@pytest.mark.parametrize(
    "user, method, path, status",
    [
        (f"city_supervisor@{TS}", "get", "{city_sjz}/dead-letters", 403),  # another city
        (f"city_supervisor@{TS}", "get", "{city_sjz}/dead-letters/{sjz_id}", 403),
        (f"city_supervisor@{TS}", "get", "{city_sjz}/backlog", 403),
        (f"dispatcher@{SJZ}", "get", "{city_sjz}/dead-letters", 403),  # a role that does not need it
        (f"agent@{SJZ}", "get", "{city_sjz}/dead-letters/{sjz_id}", 403),
        (f"city_supervisor@{SJZ}", "get", "{province}/dead-letters", 403),  # cities never see the province
        (f"city_supervisor@{SJZ}", "post", "{province}/dead-letters/shijiazhuang/{sjz_id}/retry", 403),
        ("province.supervisor", "get", "{province}/dead-letters", 403),
        ("province.supervisor", "post", "{province}/dead-letters/retry", 403),
        ("province.supervisor", "get", "{province}/backlog", 403),
        (None, "get", "{province}/dead-letters", 401),
        (None, "post", "{province}/dead-letters/shijiazhuang/{sjz_id}/retry", 401),
    ],
)
def test_roles_and_cities_are_checked(client, auth_headers, dead, message, user, method, path, status):
    url = path.format(city_sjz=city(SJZ), province=PROVINCE, sjz_id=dead[SJZ])
    headers = auth_headers(user) if user else {}
    kwargs = {"json": {"topic": dead["topic"]}} if method == "post" else {}
    resp = getattr(client, method)(url, headers=headers, **kwargs)
    assert resp.status_code == status, resp.get_json()
    assert message(dead[SJZ])["state"] == "dead"  # nothing changed


@pytest.mark.parametrize(
    "path, status",
    [
        ("/dead-letters/nowhere/1", 404),
        ("/dead-letters/shijiazhuang/999999999", 404),
        ("/dead-letters/shijiazhuang/99999999999999999999999", 404),
        ("/dead-letters/Bad-Slug/1", 404),
        ("/dead-letters?tenant=nowhere", 422),
        ("/dead-letters?tenant=BAD", 422),
        ("/dead-letters?topic=" + "x" * 200, 422),
        ("/backlog?tenant=nowhere", 422),
        ("/dead-letters?page=99999999999", 422),  # pages stop at 100,000 (app/rest/blueprint.py)
        ("/dead-letters?destination=city%3A%00x", 422),
        ("/dead-letters?destination=%ED%A0%80", 422),
    ],
)
def test_bad_input_is_a_clear_4xx(client, auth_headers, two_tenants, path, status):
    resp = client.get(PROVINCE + path, headers=auth_headers("province.admin"))
    assert resp.status_code == status, resp.get_json()
    if status >= 400:
        assert resp.get_json()["code"] == status and resp.get_json()["message"]


def test_waiting_lines_show_the_head_and_why_it_waits(orders, client, auth_headers, relay_in, policy):
    """An escalation to a platform this city has not configured waits, with the reason at its head."""
    policy(max_attempts=8, base=3600)
    o = orders.create()
    orders.ok(o["id"], "escalate", "agent", {"target": "122", "reason": "交通事故"})
    relay_in(SJZ)
    for url, user in (
        (f"{PROVINCE}/backlog?tenant={SJZ}", "province.admin"),
        (f"{city(SJZ)}/backlog", f"city_supervisor@{SJZ}"),
    ):
        resp = client.get(url, headers=auth_headers(user))
        assert resp.status_code == 200, resp.get_json()
        line = next(r for r in resp.get_json() if r["destination"] == "emergency:122")
        assert line["tenant"] == SJZ and line["pending"] >= 1
        assert line["head"]["topic"] == "order.escalated" and line["head"]["adapter_missing"] is False
        assert (
            line["head"]["attempts"] >= 1
            and "no endpoint configured for the 122" in line["head"]["last_error"]
        )


def test_outbox_operations_are_documented_with_examples(client):
    spec = client.get("/api/openapi.json").get_json()
    ops = [
        (path, method, op)
        for path, item in spec["paths"].items()
        if "/outbox" in path
        for method, op in item.items()
        if method in ("get", "post")
    ]
    assert len(ops) == 8
    schemas = spec["components"]["schemas"]
    for path, method, op in ops:
        assert op.get("summary") and op.get("description"), (path, method)
        ok = op["responses"]["200"]["content"]["application/json"]["schema"]
        ref = (ok.get("items") or ok)["$ref"].rsplit("/", 1)[1]
        props = schemas[ref]["properties"]
        assert all({"example", "$ref", "allOf", "items"} & set(p) for p in props.values()), (ref, props)
        if "requestBody" in op:
            body = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
            assert all("example" in p for p in schemas[body]["properties"].values()), body


@pytest.fixture
def orders(client, auth_headers, two_tenants):
    from tests.orders.conftest import OrdersApi

    return OrdersApi(client, auth_headers)


def test_metrics_count_pending_and_dead_per_city_and_topic(client, dead, put, line):
    put(dead["topic"], f"{line}:waiting", tenant=TS)  # pending: not relayed yet
    body = client.get("/metrics").get_data(as_text=True)
    for state, tenant in (("dead", SJZ), ("dead", TS), ("pending", TS)):
        assert (
            f'hotline_outbox_messages{{state="{state}",tenant="{tenant}",topic="{dead["topic"]}"}} 1.0'
            in body
        )
    assert f'state="pending",tenant="{SJZ}",topic="{dead["topic"]}"' not in body
    assert f'hotline_outbox_oldest_pending_seconds{{tenant="{TS}"}}' in body
