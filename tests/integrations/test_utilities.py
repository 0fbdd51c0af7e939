"""Utilities as external departments, over real HTTP: a dispatch leaves through the outbox and a
real rq worker to the utility simulator, whose signed sign-for and reply come back to the live
server and run the same order actions (time limits, KPIs, timeline) as a department user's."""

from __future__ import annotations

from tests.integrations.conftest import SJZ


def _order(orders, order_id: int) -> dict:
    resp = orders.get(order_id)
    assert resp.status_code == 200
    return resp.get_json()


def _kpis(client, auth_headers) -> dict:
    resp = client.get(
        f"/api/v1/tenants/{SJZ}/kpis?group_by=department", headers=auth_headers(f"city_supervisor@{SJZ}")
    )
    assert resp.status_code == 200, resp.get_json()
    return {g["key"]: g["kpis"] for g in resp.get_json()["groups"]}


def _counts(kpis: dict) -> dict:
    """Counts only: averages in working days differ by the seconds each side took."""
    return {
        k: (v["numerator"] if isinstance(v["numerator"], int) else None, v["denominator"])
        for k, v in kpis.items()
    }


def _delta(before: dict, after: dict, key: str) -> dict:
    old, new = _counts(before.get(key, {})), _counts(after[key])
    zero = (0, 0)
    return {
        k: (
            None if new[k][0] is None else new[k][0] - (old.get(k, zero)[0] or 0),
            new[k][1] - old.get(k, zero)[1],
        )
        for k in new
    }


def test_a_dispatch_to_a_utility_is_answered_by_its_system_like_a_department(
    orders, utility, outbox_worker, client, auth_headers
):
    utility.connect("zlsgs")
    before = _kpis(client, auth_headers)
    water = orders.create(category_code="0401", title="小区停水两天", content="裕华区某小区停水两天，无通知")
    human = orders.create()
    orders.ok(water["id"], "dispatch", "dispatcher", {"lead_department": "zlsgs", "note": "请核实停水原因"})
    orders.ok(human["id"], "dispatch", "dispatcher", {"lead_department": "zjj"})
    orders.ok(human["id"], "accept", "handler.zjj")
    orders.ok(human["id"], "reply", "handler.zjj", {"content": "已处理", "outcome": "resolved"})

    assert outbox_worker(lambda: _order(orders, water["id"])["status"] == "replied"), utility.state()
    got = utility.state()
    dispatch = next(m for m in got["received"] if m["order"]["id"] == water["id"])
    assert dispatch["type"] == "order.dispatched" and dispatch["role"] == "lead"
    assert dispatch["note"] == "请核实停水原因" and dispatch["sender"] == f"zlsgs@{SJZ}"
    assert dispatch["reply_to"].endswith(f"/api/v1/integrations/utilities/{SJZ}/messages")
    assert "****" in dispatch["order"]["caller"]["phone"]  # a department's view: masked
    assert dispatch["order"]["caller"]["name"].startswith("张") and "*" in dispatch["order"]["caller"]["name"]

    done = _order(orders, water["id"])
    lead = next(a for a in done["assignments"] if a["role"] == "lead")
    assert (lead["department_code"], lead["status"]) == ("zlsgs", "replied")
    assert lead["accepted_at"] and done["accepted_at"] and done["reply_outcome"] == "resolved"
    timeline = client.get(
        f"/api/v1/tenants/{SJZ}/orders/{water['id']}/timeline", headers=auth_headers(f"dispatcher@{SJZ}")
    ).get_json()
    steps = [(e["action"], e["actor"]) for e in timeline]
    assert ("order.accept", f"utility.zlsgs@{SJZ}") in steps and (
        "order.reply",
        f"utility.zlsgs@{SJZ}",
    ) in steps
    accept = next(e for e in timeline if e["action"] == "order.accept")
    assert accept["data"]["via"] == "utility" and accept["data"]["message_id"].startswith("zlsgs-")

    after = _kpis(client, auth_headers)
    assert _delta(before, after, "zlsgs") == _delta(before, after, "zjj")  # the same KPIs as a department


def test_reordered_duplicated_answers_and_a_failing_utility_apply_once(
    orders, utility, outbox_worker, client, auth_headers
):
    """The utility refuses half the deliveries, loses some acknowledgements (so the platform sends
    again), sends its reply before its sign-for and every answer twice: one sign-for, one reply."""
    utility.connect("gdgs")
    from urllib.request import Request, urlopen

    urlopen(
        Request(
            utility.url + "/control",
            data=b'{"fail_percent": 50, "ack_loss_percent": 30, "reorder": true, "duplicate": true, "seed": 7}',
            method="POST",
            headers={"Content-Type": "application/json"},
        )
    ).read()
    made = [orders.create(category_code="0405", title=f"停电{i}", content="整栋楼停电") for i in range(4)]
    for o in made:
        orders.ok(o["id"], "dispatch", "dispatcher", {"lead_department": "gdgs"})

    def all_replied():
        return all(_order(orders, o["id"])["status"] == "replied" for o in made)

    assert outbox_worker(all_replied, timeout=90), utility.state()
    got = utility.state()
    assert got["refused"] > 0 and got["deliveries"] > len(made)  # failures and resends happened
    assert not got["failed_answers"]
    for o in made:
        timeline = client.get(
            f"/api/v1/tenants/{SJZ}/orders/{o['id']}/timeline", headers=auth_headers(f"dispatcher@{SJZ}")
        ).get_json()
        actions = [e["action"] for e in timeline]
        assert actions.count("order.accept") == 1 and actions.count("order.reply") == 1, actions
    ids = [m["order"]["id"] for m in got["received"]]
    assert sorted(ids) == sorted(o["id"] for o in made)  # each dispatch taken once


def test_a_return_from_the_utility_goes_back_to_the_dispatcher(orders, utility, outbox_worker):
    utility.connect("rqgs")
    from urllib.request import Request, urlopen

    urlopen(Request(utility.url + "/control", data=b'{"mode": "return"}', method="POST")).read()
    o = orders.create(category_code="0406", title="燃气味道", content="楼道有燃气味")
    orders.ok(o["id"], "dispatch", "dispatcher", {"lead_department": "rqgs"})
    assert outbox_worker(lambda: _order(orders, o["id"])["status"] == "returned"), utility.state()
    # the dispatcher sends it back: the utility is told, signs for it and replies
    urlopen(Request(utility.url + "/control", data=b'{"mode": "reply"}', method="POST")).read()
    orders.ok(o["id"], "reject-return", "dispatcher", {"reason": "属于燃气公司职责"})
    assert outbox_worker(lambda: _order(orders, o["id"])["status"] == "replied"), utility.state()
    kinds = [m["type"] for m in utility.state()["received"] if m["order"]["id"] == o["id"]]
    assert kinds == ["order.dispatched", "order.return_rejected"]
