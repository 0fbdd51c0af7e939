"""The department web over HTTP: inbox, sign-for, replies with attachments."""

from __future__ import annotations

import io
import re

from .conftest import text_of

DEPT = "/dept/shijiazhuang"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _dispatched(orders_api, lead="zjj", assists=("cgj",)):
    o = orders_api.create()
    return orders_api.ok(
        o["id"], "dispatch", "dispatcher", {"lead_department": lead, "assist_departments": list(assists)}
    )


def test_inbox_lists_what_to_sign_for_and_moves_it_when_signed(web, orders_api):
    o = _dispatched(orders_api)
    lead = web("handler.zjj@shijiazhuang")
    landing = text_of(lead.get(f"{DEPT}/inbox"))  # the default list: to sign for
    assert o["number"] in landing
    assert re.search(r'class="nav-link active" href="[^"]*list=to_sign" aria-current="page"', landing)
    assert o["number"] in text_of(lead.get(f"{DEPT}/inbox?list=to_sign"))
    assert o["number"] not in text_of(lead.get(f"{DEPT}/inbox?list=in_progress"))
    resp = lead.post(
        f"{DEPT}/orders/{o['id']}/act/accept", {"version": o["version"]}, token_from=f"{DEPT}/inbox"
    )
    assert resp.status_code == 303
    assert o["number"] not in text_of(lead.get(f"{DEPT}/inbox?list=to_sign"))
    assert o["number"] in text_of(lead.get(f"{DEPT}/inbox?list=in_progress"))
    assist = web("handler.cgj@shijiazhuang")
    assert o["number"] in text_of(assist.get(f"{DEPT}/inbox?list=to_sign"))  # assisting: its own sign-for
    assert orders_api.get(o["id"]).get_json()["status"] == "in_progress"


def test_handler_actions_shown_follow_the_assignment(web, orders_api):
    o = _dispatched(orders_api)
    lead_forms = set(
        re.findall(
            r'data-action="([a-z-]+)"',
            text_of(web("handler.zjj@shijiazhuang").get(f"{DEPT}/orders/{o['id']}")),
        )
    )
    assert lead_forms == {"accept", "return"}
    assist_forms = set(
        re.findall(
            r'data-action="([a-z-]+)"',
            text_of(web("handler.cgj@shijiazhuang").get(f"{DEPT}/orders/{o['id']}")),
        )
    )
    assert assist_forms == {"accept"}


def test_reply_with_attachments_stored_and_downloadable_by_who_sees_the_order(web, orders_api, app):
    o = _dispatched(orders_api, assists=())
    lead = web("handler.zjj@shijiazhuang")
    o = orders_api.ok(o["id"], "accept", "handler.zjj")
    token = lead.csrf(f"{DEPT}/inbox")
    resp = lead.client.post(
        f"{DEPT}/orders/{o['id']}/act/reply",
        data={
            "csrf_token": token,
            "version": str(o["version"]),
            "content": "已责令工地夜间停工",
            "outcome": "resolved",
            "attachments": [(io.BytesIO(PDF), "整改通知书.pdf"), (io.BytesIO(PNG), "现场照片.png")],
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 303, text_of(resp)
    assert orders_api.get(o["id"]).get_json()["status"] == "replied"
    page = text_of(lead.get(f"{DEPT}/orders/{o['id']}"))
    links = re.findall(rf'href="({DEPT}/orders/{o["id"]}/attachments/\d+)">([^<]+)<', page)
    assert [name for _, name in links] == ["整改通知书.pdf", "现场照片.png"]
    download = lead.get(links[0][0])
    assert download.status_code == 200 and download.data == PDF and download.mimetype == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]
    other = web("handler.cgj@shijiazhuang")
    assert other.get(links[0][0]).status_code == 404
    desk = web("dispatcher@shijiazhuang")
    assert desk.get(links[0][0].replace("/dept/", "/desk/")).status_code == 200
    timeline = orders_api.client.get(
        orders_api.url(f"/{o['id']}/timeline"), headers=orders_api.auth("dispatcher@shijiazhuang")
    ).get_json()
    assert len([e for e in timeline if e["action"] == "attachment.added"]) == 2


def _reply_with(web, orders_api, files):
    o = _dispatched(orders_api, assists=())
    o = orders_api.ok(o["id"], "accept", "handler.zjj")
    lead = web("handler.zjj@shijiazhuang")
    resp = lead.client.post(
        f"{DEPT}/orders/{o['id']}/act/reply",
        data={
            "csrf_token": lead.csrf(f"{DEPT}/inbox"),
            "version": str(o["version"]),
            "content": "答复",
            "outcome": "resolved",
            "attachments": files,
        },
        content_type="multipart/form-data",
    )
    return o, resp


def test_attachment_type_is_checked_from_the_content(web, orders_api):
    o, resp = _reply_with(web, orders_api, [(io.BytesIO(b"MZ\x90\x00 not a pdf"), "报告.pdf")])
    assert resp.status_code == 422 and 'id="attachments-error"' in text_of(resp)
    assert orders_api.get(o["id"]).get_json()["status"] == "in_progress"  # nothing changed
    o, resp = _reply_with(web, orders_api, [(io.BytesIO(PNG), "照片.pdf")])  # a PNG named .pdf
    assert resp.status_code == 422


def test_attachment_size_and_count_are_limited(web, orders_api, app, monkeypatch):
    monkeypatch.setattr(app.extensions["settings"], "attachment_max_bytes", 1024)
    o, resp = _reply_with(web, orders_api, [(io.BytesIO(PDF + b"0" * 2048), "大文件.pdf")])
    assert resp.status_code == 422 and orders_api.get(o["id"]).get_json()["status"] == "in_progress"
    o, resp = _reply_with(web, orders_api, [(io.BytesIO(PNG), f"{i}.png") for i in range(6)])
    assert resp.status_code == 422


def test_a_failed_reply_leaves_no_stored_file(web, orders_api, app, monkeypatch):
    storage = app.extensions["attachment_storage"]
    saved = []
    real_save = storage.save

    def save_then_fail(key, data):
        if saved:
            raise OSError("disk full")
        saved.append(key)
        real_save(key, data)

    monkeypatch.setattr(storage, "save", save_then_fail)
    o, resp = _reply_with(web, orders_api, [(io.BytesIO(PDF), "a.pdf"), (io.BytesIO(PNG), "b.png")])
    assert resp.status_code == 500 and 'data-status="500"' in text_of(resp)
    assert saved and not (storage.root / saved[0]).exists()  # the first file went with the rollback
    assert orders_api.get(o["id"]).get_json()["status"] == "in_progress"


def test_assisting_reply_and_extension_request(web, orders_api):
    o = _dispatched(orders_api)
    orders_api.ok(o["id"], "accept", "handler.zjj")
    o = orders_api.ok(o["id"], "accept", "handler.cgj")
    assist = web("handler.cgj@shijiazhuang")
    resp = assist.post(
        f"{DEPT}/orders/{o['id']}/act/assist-reply",
        {"content": "城管已配合巡查", "version": o["version"]},
        token_from=f"{DEPT}/inbox",
    )
    assert resp.status_code == 303
    o = orders_api.get(o["id"]).get_json()
    assert [a["status"] for a in o["assignments"] if a["department_code"] == "cgj"] == ["replied"]
    lead = web("handler.zjj@shijiazhuang")
    resp = lead.post(
        f"{DEPT}/orders/{o['id']}/act/request-extension",
        {"working_days": 3, "reason": "需现场测量", "version": o["version"]},
        token_from=f"{DEPT}/inbox",
    )
    assert resp.status_code == 303
    assert orders_api.get(o["id"]).get_json()["extension_pending"] is True
    resp = lead.post(
        f"{DEPT}/orders/{o['id']}/act/request-extension",
        {"working_days": 999, "reason": "x", "version": o["version"] + 1},
        token_from=f"{DEPT}/inbox",
    )
    assert resp.status_code == 422


def test_dept_home_goes_to_the_inbox(web, app):
    assert (
        web("handler.zjj@shijiazhuang").get("/dept/", follow_redirects=False).headers["Location"]
        == "/dept/shijiazhuang/inbox"
    )
