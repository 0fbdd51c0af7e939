"""Escalations out and incidents in, over real HTTP with the platform simulator (docs/integrations.md)."""

from __future__ import annotations

import json

from sqlalchemy import select

from tests.emergency.conftest import SJZ, wait_for


def _sent_done(sim, path_part: str, count: int = 1):
    def check():
        sent = [s for s in sim.state()["sent"] if path_part in s["path"]]
        return sent if len(sent) >= count and all(s["done"] for s in sent) else None

    return check


def test_an_escalation_reaches_110_and_every_status_comes_back_to_the_timeline(
    app, orders, sim, relay_in, timeline, client, auth_headers
):
    o = orders.create(category_code="0105")
    with_phone = client.get(
        f"/api/v1/tenants/{SJZ}/orders/{o['id']}?reveal=phone", headers=auth_headers(f"dispatcher@{SJZ}")
    ).get_json()
    phone = with_phone["caller"]["phone"]
    orders.ok(o["id"], "escalate", "agent", {"target": "110", "reason": "现场有人持械争吵"})
    assert relay_in() >= 1

    escalations = [e for e in sim.state()["escalations"].values() if e["order_number"] == o["number"]]
    assert len(escalations) == 1
    doc = escalations[0]["doc"]
    ext = doc["hotline12345"]
    assert ext["callerNumber"] == phone  # the original caller number, unmasked, for 110 only
    assert (ext["categoryCode"], doc["incidentComponent"]["incidentTypeInternalCode"]) == ("0105", "FJ0101")
    assert doc["callbackComponent"][0]["callBackInformationUri"] == [f"tel:{phone}"]
    assert "现场有人持械争吵" in doc["notesComponent"][0]["notesActionComments"]
    incident = escalations[0]["incident_id"]
    from app.outbox.models import OutboxMessage
    from tenants import db, tenant_context

    with app.app_context(), tenant_context(SJZ):  # the phone is decrypted at delivery, never stored in clear
        payloads = db.session.scalars(
            select(OutboxMessage.payload).where(OutboxMessage.payload["order_id"].as_integer() == o["id"])
        ).all()
    assert payloads and phone not in json.dumps(payloads)

    wait_for(_sent_done(sim, f"/incidents/{incident}/status", 3), what="the simulator's statuses")
    answers = [s["answers"][-1][0] for s in sim.state()["sent"] if incident in s["path"]]
    assert answers == [201, 201, 201]
    steps = timeline(o["id"], kind="emergency.status")
    assert [s["data"]["status"] for s in steps] == ["acknowledged", "dispatched", "closed"]
    assert all(s["data"]["incident_id"] == incident for s in steps)
    sent = timeline(o["id"], kind="emergency.sent")
    assert len(sent) == 1 and sent[0]["data"]["platform"] == "110"

    links = client.get(
        f"/api/v1/tenants/{SJZ}/emergency/orders/{o['id']}/links", headers=auth_headers(f"agent@{SJZ}")
    ).get_json()
    assert [(link["direction"], link["incident_id"], link["remote_status"]) for link in links] == [
        ("out", incident, "closed")
    ]
    # the order kept our state (transferred); the caller's number is masked everywhere else
    got = orders.get(o["id"]).get_json()
    assert got["status"] == "transferred" and phone not in str(got)
    # the desk sees the platform's steps on the order page
    from tests.web.conftest import WebUser

    page = WebUser(app, f"dispatcher@{SJZ}").get(f"/desk/{SJZ}/orders/{o['id']}").get_data(as_text=True)
    assert page.count('data-testid="emergency-step"') == 4 and incident in page and phone not in page


def test_an_incident_handed_over_becomes_a_dispatched_order_whose_steps_reach_110(
    orders, sim, entries, relay_in, timeline, client, auth_headers
):
    caller = "13700001111"
    handed = sim.handover(
        entries[(SJZ, "110")],
        {
            "class_code": "FJ0101",
            "content": "工地夜间施工噪音扰民，非警务事项",
            "caller": caller,
            "address": "建华南大街88号",
        },
    )
    incident = handed["incident_id"]
    wait_for(_sent_done(sim, "/incidents", 1), what="the handover")
    status, answer = next(s for s in sim.state()["sent"] if s["message_id"] == handed["message_id"])[
        "answers"
    ][-1]
    assert status == 201, answer
    assert answer["category_code"] == "0105" and answer["triage"] is False
    oid = answer["order_id"]
    order = orders.get(oid).get_json()
    assert (order["channel"], order["category_code"], order["status"]) == ("110", "0105", "received")
    revealed = client.get(
        f"/api/v1/tenants/{SJZ}/orders/{oid}?reveal=phone", headers=auth_headers(f"dispatcher@{SJZ}")
    ).get_json()
    assert revealed["caller"]["phone"] == caller  # the original caller number came along
    assert timeline(oid, kind="emergency.incident_received")[0]["data"]["incident_id"] == incident

    orders.ok(oid, "dispatch", "dispatcher", {"lead_department": "zjj"})
    orders.ok(oid, "accept", "handler.zjj")
    orders.ok(oid, "reply", "handler.zjj", {"content": "已责令工地夜间停工", "outcome": "resolved"})
    orders.ok(oid, "close", "dispatcher", {"resolution": "已办结，市民认可"})
    assert relay_in() >= 4
    got = sim.state()["statuses"][incident]
    assert [s["status"] for s in got] == ["dispatched", "signed_for", "replied", "closed"]
    replied = next(s for s in got if s["status"] == "replied")["doc"]
    assert replied["notesComponent"][0]["notesActionComments"] == "已责令工地夜间停工"
    assert replied["hotline12345"]["orderNumber"] == order["number"]
    assert all(s["deliveries"] == 1 for s in got)
    assert len(timeline(oid, kind="emergency.sent")) == 4


def test_a_class_without_category_waits_in_triage_and_an_unknown_class_is_refused(
    orders, sim, entries, client, auth_headers
):
    police = sim.handover(
        entries[(SJZ, "110")], {"class_code": "JW0201", "content": "有人在小区门口吵架，已处置"}
    )
    unknown = sim.handover(entries[(SJZ, "110")], {"class_code": "ZZ9999", "content": "未知类别"})
    wait_for(_sent_done(sim, "/incidents", 2), what="both handovers")
    sent = {s["message_id"]: s["answers"][-1] for s in sim.state()["sent"]}
    status, answer = sent[police["message_id"]]
    assert status == 201 and answer["triage"] is True and answer["category_code"] is None
    waiting = orders.get(answer["order_id"]).get_json()  # the triage queue: received, no category
    assert (waiting["status"], waiting["category_code"], waiting["channel"]) == ("received", None, "110")
    status, answer = sent[unknown["message_id"]]
    assert status == 422 and "ZZ9999" in answer["message"]
