"""Caller identity: encrypted at rest, masked for roles that don't need it, hidden when confidential."""

from __future__ import annotations

from sqlalchemy import text

from tenants import db
from tests.orders.conftest import OrdersApi, new_phone


def test_phone_is_encrypted_at_rest_and_masked(app_ctx, orders: OrdersApi):
    phone = new_phone()
    o = orders.create(caller={"name": "李女士", "phone": phone})
    assert o["caller"]["phone"] == f"{phone[:3]}****{phone[-4:]}"
    with db.engine.connect() as conn:
        row = (
            conn.execute(text("SELECT * FROM t_shijiazhuang.orders WHERE id = :i"), {"i": o["id"]})
            .mappings()
            .one()
        )
    stored = " ".join(str(v) for v in row.values())
    assert phone not in stored and phone not in bytes(row["caller_phone_enc"]).hex()
    assert phone.encode() not in bytes(row["caller_phone_enc"])


def test_reveal_is_permitted_to_desk_roles_and_audited(orders: OrdersApi):
    phone = new_phone()
    o = orders.create(caller={"name": "王先生", "phone": phone})
    orders.ok(o["id"], "dispatch", "dispatcher", {"lead_department": "zjj"})
    revealed = orders.get(o["id"], "agent", "?reveal=phone").get_json()
    assert revealed["caller"]["phone"] == phone
    assert orders.get(o["id"], "handler.zjj", "?reveal=phone").status_code == 403
    assert orders.get(o["id"], "handler.zjj").get_json()["caller"]["phone"] == f"{phone[:3]}****{phone[-4:]}"
    timeline = orders.client.get(
        orders.url(f"/{o['id']}/timeline"), headers=orders.auth("dispatcher@shijiazhuang")
    )
    reveals = [e for e in timeline.get_json() if e["action"] == "caller.phone_revealed"]
    assert len(reveals) == 1 and reveals[0]["actor"] == "agent@shijiazhuang"


def test_confidential_caller_is_invisible_to_departments(orders: OrdersApi):
    o = orders.create(confidential=True, caller={"name": "举报人", "phone": new_phone()})
    orders.ok(o["id"], "dispatch", "dispatcher", {"lead_department": "scjgj"})
    seen = orders.get(o["id"], "handler.scjgj").get_json()
    assert seen["caller"] is None and seen["confidential"] is True
    listed = orders.client.get(
        orders.url("?status=dispatched"), headers=orders.auth("handler.scjgj@shijiazhuang")
    )
    mine = next(x for x in listed.get_json() if x["id"] == o["id"])
    assert mine["caller"] is None
    assert orders.get(o["id"], "dispatcher").get_json()["caller"]["name"] == "举报人"


def test_handlers_see_only_their_departments_orders(orders: OrdersApi):
    mine = orders.create()
    orders.ok(mine["id"], "dispatch", "dispatcher", {"lead_department": "rsj"})
    other = orders.create()
    orders.ok(other["id"], "dispatch", "dispatcher", {"lead_department": "zjj"})
    listed = orders.client.get(orders.url("?page_size=100"), headers=orders.auth("handler.rsj@shijiazhuang"))
    ids = {x["id"] for x in listed.get_json()}
    assert mine["id"] in ids and other["id"] not in ids
    assert orders.get(other["id"], "handler.rsj").status_code == 404
    assert (
        orders.client.get(
            orders.url(f"/{other['id']}/timeline"), headers=orders.auth("handler.rsj@shijiazhuang")
        ).status_code
        == 404
    )


def test_repeat_appeals_are_flagged_for_merge(orders: OrdersApi):
    phone = new_phone()
    first = orders.create(caller={"phone": phone})
    second = orders.create(caller={"phone": phone}, content="上次反映的问题还没解决，又来施工了")
    assert second["repeat_of_id"] == first["id"]
    assert [c["id"] for c in second["repeat_candidates"]][:1] == [first["id"]]
    assert second["repeat_candidates"][0]["reason"] == "same_caller"
    merged = orders.ok(second["id"], "merge", "dispatcher", {"into": first["id"]})
    assert merged["status"] == "merged"
