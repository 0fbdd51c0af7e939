"""The utilities' inbound endpoint refuses bad input with a clear 4xx and changes nothing; a resend
is applied once."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import func, select

from integrations import signing
from tests.integrations.conftest import SECRET, SJZ, TS

URL = "/api/v1/integrations/utilities/{}/messages"
TS_SECRET = "tangshan-utility-secret-abcdefghijklmnop"


def send(client, body, *, sender=f"zlsgs@{SJZ}", secret=SECRET, tenant=SJZ, raw=None, signature=None):
    raw = raw if raw is not None else json.dumps(body, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json", "X-Hotline-Sender": sender}
    headers["X-Hotline-Signature"] = signature if signature is not None else signing.sign(secret, raw)
    return client.post(URL.format(tenant), data=raw, headers=headers)


@pytest.fixture
def dispatched(orders, utility):
    utility.connect("zlsgs")
    o = orders.create(category_code="0401", title="停水", content="整栋楼停水")
    return orders.ok(o["id"], "dispatch", "dispatcher", {"lead_department": "zlsgs"})


def _stored(message_id: str) -> int:
    from app.utilities.models import UtilityMessage
    from tenants import db, tenant_context

    with tenant_context(SJZ):
        return db.session.scalar(
            select(func.count()).select_from(UtilityMessage).where(UtilityMessage.message_id == message_id)
        )


def _version(orders, order_id: int) -> int:
    return orders.get(order_id).get_json()["version"]


def test_a_resend_is_applied_once_and_another_body_under_the_same_id_is_refused(client, orders, dispatched):
    msg = {"message_id": "zl-0001", "order_number": dispatched["number"], "action": "accept"}
    first = send(client, msg)
    assert first.status_code == 200, first.get_json()
    assert first.get_json() | {"duplicate": None} == {
        "message_id": "zl-0001",
        "order_id": dispatched["id"],
        "order_number": dispatched["number"],
        "action": "accept",
        "status": "in_progress",
        "version": dispatched["version"] + 1,
        "duplicate": None,
    }
    again = send(client, {**msg, "sent_at": "2026-12-03T10:00:00+08:00"})  # resent later: same message
    assert again.status_code == 200 and again.get_json()["duplicate"] is True
    assert again.get_json()["version"] == first.get_json()["version"]
    assert _version(orders, dispatched["id"]) == first.get_json()["version"]
    other = send(client, {**msg, "action": "return", "reason": "不归我们管"})
    assert other.status_code == 409 and "another body" in other.get_json()["message"]
    assert _version(orders, dispatched["id"]) == first.get_json()["version"]


def test_bad_input_gets_a_clear_4xx_and_changes_nothing(client, orders, utility, dispatched):
    utility.connect("zlsgs", tenant=TS, secret=TS_SECRET)
    number = dispatched["number"]
    accept = {"message_id": "zl-bad", "order_number": number, "action": "accept"}
    raw = json.dumps(accept).encode()
    stale = signing.sign(SECRET, raw, now=time.time() - 1000)
    cases = [
        (401, dict(secret="not-the-secret-at-all-0000000000000")),  # wrong secret
        (401, dict(signature="")),  # missing
        (401, dict(signature="t=123,v1=abc")),  # malformed
        (401, dict(raw=raw, signature=stale)),  # outside the replay window
        (401, dict(sender=f"zjj@{SJZ}")),  # a department without an endpoint
        (401, dict(sender="zlsgs@nowhere")),  # a city that does not exist
        (401, dict(sender="Robert'); DROP TABLE--")),
        (403, dict(sender=f"zlsgs@{TS}", secret=TS_SECRET)),  # another city's utility, validly signed
        (404, dict(tenant="nowhere")),
        (404, dict(body={**accept, "order_number": "SJZ-20000101-999999"})),
        (400, dict(raw=b"{not json")),
        (400, dict(raw=b"[1, 2]")),
        (400, dict(body={"message_id": "zl-bad", "action": "accept"})),  # no order
        (400, dict(body={**accept, "action": "close"})),  # not a department's action
        (400, dict(body={**accept, "message_id": "a b"})),
        (400, dict(body={**accept, "action": "reply", "content": "好了"})),  # reply without outcome
        (400, dict(body={**accept, "action": "return"})),  # return without a reason
        (
            409,
            dict(body={**accept, "action": "reply", "content": "好了", "outcome": "resolved"}),
        ),  # not signed
    ]
    version = _version(orders, dispatched["id"])
    for status, case in cases:
        body = case.pop("body", accept)
        resp = send(client, body, **case)
        assert resp.status_code == status, (case, resp.get_json())
        assert {"code", "status", "message"} <= set(resp.get_json()), resp.get_json()
    assert _version(orders, dispatched["id"]) == version
    assert _stored("zl-bad") == 0


def test_a_disabled_endpoint_and_an_unassigned_order_are_forbidden(client, orders, utility, dispatched):
    other = orders.create()
    other = orders.ok(other["id"], "dispatch", "dispatcher", {"lead_department": "zjj"})
    resp = send(client, {"message_id": "zl-x1", "order_number": other["number"], "action": "accept"})
    assert resp.status_code == 403, resp.get_json()
    assert _version(orders, other["id"]) == other["version"]
    utility.connect("zlsgs")  # again, then disabled
    off = client.put(
        f"/api/v1/tenants/{SJZ}/utilities/zlsgs",
        json={"active": False},
        headers=orders.auth(f"city_supervisor@{SJZ}"),
    )
    assert off.status_code == 200 and off.get_json()["active"] is False
    resp = send(client, {"message_id": "zl-x2", "order_number": dispatched["number"], "action": "accept"})
    assert resp.status_code == 403 and "disabled" in resp.get_json()["message"]
    assert _version(orders, dispatched["id"]) == dispatched["version"]
    assert _stored("zl-x1") == _stored("zl-x2") == 0


def test_a_rotated_secret_still_verifies_until_the_next_rotation(client, orders, utility, dispatched):
    new = "the-new-utility-secret-0123456789abcdef"
    resp = client.put(
        f"/api/v1/tenants/{SJZ}/utilities/zlsgs",
        json={"secret": new},
        headers=orders.auth(f"city_supervisor@{SJZ}"),
    )
    assert resp.status_code == 200 and resp.get_json()["rotating"] is True
    assert "secret" not in resp.get_json()
    old = send(client, {"message_id": "zl-r1", "order_number": dispatched["number"], "action": "accept"})
    assert old.status_code == 200, old.get_json()
    fresh = send(
        client,
        {"message_id": "zl-r2", "order_number": dispatched["number"], "action": "request-extension"}
        | {"working_days": 2, "reason": "需更换管道"},
        secret=new,
    )
    assert fresh.status_code == 200, fresh.get_json()


def test_only_city_admins_configure_endpoints_and_secrets_never_show(client, auth_headers, utility):
    utility.connect("zlsgs")
    body = {"url": "https://water.example.cn/x", "secret": "x" * 40}
    for user, status in [
        (f"dispatcher@{SJZ}", 403),
        (f"handler.zlsgs@{SJZ}", 403),
        (f"city_supervisor@{TS}", 403),
        ("province.supervisor", 403),
    ]:
        resp = client.put(f"/api/v1/tenants/{SJZ}/utilities/zlsgs", json=body, headers=auth_headers(user))
        assert resp.status_code == status, (user, resp.get_json())
    listed = client.get(f"/api/v1/tenants/{SJZ}/utilities", headers=auth_headers(f"dispatcher@{SJZ}"))
    assert listed.status_code == 200
    row = next(r for r in listed.get_json() if r["department_code"] == "zlsgs")
    assert row["url"] == utility.url + "/messages" and row["sender"] == f"zlsgs@{SJZ}"
    assert not any("secret" in k for k in row)
    assert (
        client.get(f"/api/v1/tenants/{TS}/utilities", headers=auth_headers(f"dispatcher@{SJZ}")).status_code
        == 403
    )
    bad = client.put(
        f"/api/v1/tenants/{SJZ}/utilities/nosuch", json=body, headers=auth_headers(f"city_supervisor@{SJZ}")
    )
    assert bad.status_code == 404
    short = client.put(
        f"/api/v1/tenants/{SJZ}/utilities/rlgs",
        json={"url": "ftp://x", "secret": "short"},
        headers=auth_headers(f"city_supervisor@{SJZ}"),
    )
    assert short.status_code == 422 and set(short.get_json()["errors"]["json"]) == {"url", "secret"}
    incomplete = client.put(
        f"/api/v1/tenants/{SJZ}/utilities/rlgs",
        json={"active": True},
        headers=auth_headers(f"city_supervisor@{SJZ}"),
    )
    assert incomplete.status_code == 422
