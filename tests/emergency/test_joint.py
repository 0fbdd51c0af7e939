"""Joint handling (联动处置): 110 sends police, 12345 still dispatches for the cause; both see the
other's steps. Three-way call (三方通话) and the first-receiver rule (首接负责) on the order."""

from __future__ import annotations

from tests.emergency.conftest import SJZ, TS, wait_for

EMERGENCY = f"/api/v1/tenants/{SJZ}/emergency"


def _filed(sim, message_id):
    def check():
        sent = next((s for s in sim.state()["sent"] if s["message_id"] == message_id), None)
        return sent["answers"][-1] if sent and sent["done"] else None

    return check


def test_police_dispatched_and_12345_dispatching_see_each_others_steps(
    orders, sim, entries, relay_in, timeline, client, auth_headers
):
    handed = sim.handover(
        entries[(SJZ, "110")],
        {
            "class_code": "FJ1901",
            "content": "楼上邻居深夜噪音引发争吵，民警已到场调解，噪音源需社区和环保跟进",
            "caller": "13700003333",
            "police_dispatched": True,
            "statuses": ["on_scene", "closed"],
        },
    )
    status, answer = wait_for(_filed(sim, handed["message_id"]), what="the handover")
    assert status == 201, answer
    oid, incident = answer["order_id"], handed["incident_id"]
    wait_for(lambda: len(timeline(oid, kind="emergency.status")) == 2, what="110's own steps")
    assert [e["data"]["status"] for e in timeline(oid, kind="emergency.status")] == ["on_scene", "closed"]
    assert timeline(oid, kind="emergency.incident_received")[0]["data"]["police_dispatched"] is True

    orders.ok(oid, "dispatch", "dispatcher", {"lead_department": "sthjj", "assist_departments": ["zjj"]})
    orders.ok(oid, "accept", "handler.sthjj")
    relay_in()
    assert [s["status"] for s in sim.state()["statuses"][incident]] == ["dispatched", "signed_for"]
    links = client.get(
        f"{EMERGENCY}/orders/{oid}/links", headers=auth_headers(f"dispatcher@{SJZ}")
    ).get_json()
    assert len(links) == 1
    assert (links[0]["direction"], links[0]["incident_id"], links[0]["police_dispatched"]) == (
        "in",
        incident,
        True,
    )
    assert links[0]["remote_status"] == "closed"  # 110's scene is closed; 12345's order goes on
    assert orders.get(oid).get_json()["status"] == "in_progress"


def test_three_way_call_and_first_receiver_are_recorded_on_the_order(
    orders, sim, relay_in, timeline, client, auth_headers
):
    o = orders.create()
    agent = auth_headers(f"agent@{SJZ}")
    url = f"{EMERGENCY}/orders/{o['id']}"
    call = client.post(
        f"{url}/three-way-call",
        json={"platform": "110", "outcome": "unclear", "note": "三方通话未能明确"},
        headers=agent,
    )
    assert call.status_code == 200, call.get_json()
    assert call.get_json()["three_way_call_note"] == "三方通话未能明确"
    first = client.post(
        f"{url}/first-receiver", json={"platform": "110", "reason": "职责仍不明确"}, headers=agent
    )
    assert first.status_code == 200 and first.get_json()["first_receiver"] == "12345"  # 12345 took the call
    kinds = [e["action"] for e in timeline(o["id"])]
    assert "emergency.three_way_call" in kinds and "emergency.first_receiver" in kinds
    assert timeline(o["id"], kind="emergency.three_way_call")[0]["data"]["outcome"] == "unclear"

    # the matter turns out to be the police's after all: the escalation reuses the link
    orders.ok(o["id"], "escalate", "agent", {"target": "110", "reason": "三方通话后确认属警情"})
    relay_in()
    assert any(e["order_number"] == o["number"] for e in sim.state()["escalations"].values())
    links = client.get(f"{url}/links", headers=agent).get_json()
    assert len(links) == 1 and links[0]["three_way_call_at"] and links[0]["first_receiver"] == "12345"


def test_joint_handling_records_are_for_the_desk_of_the_city(orders, client, auth_headers):
    o = orders.create()
    body = {"platform": "110", "outcome": "12345", "note": "属12345职责"}
    url = f"{EMERGENCY}/orders/{o['id']}/three-way-call"
    assert client.post(url, json=body, headers=auth_headers(f"handler.zjj@{SJZ}")).status_code == 403
    assert client.post(url, json=body, headers=auth_headers(f"agent@{TS}")).status_code == 403
    other = f"/api/v1/tenants/{TS}/emergency/orders/9000000000/three-way-call"  # no such order there
    assert client.post(other, json=body, headers=auth_headers(f"agent@{TS}")).status_code == 404
    bad = client.post(url, json={**body, "outcome": "maybe"}, headers=auth_headers(f"agent@{SJZ}"))
    assert bad.status_code == 422
    stale = client.post(url, json=body, headers={**auth_headers(f"agent@{SJZ}"), "If-Match": '"1.99"'})
    assert stale.status_code == 412
