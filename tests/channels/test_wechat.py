"""WeChat official account: URL verification, signatures, plain and AES XML, text and location, replies."""

from __future__ import annotations

import hashlib
import time

import xmltodict
from sqlalchemy import func, select
from wechatpy.crypto import WeChatCrypto

from app.channels import wechat
from app.orders.models import Order
from tenants import db, tenant_context

T = "shijiazhuang"


def _sig(tok, ts, nonce):
    return hashlib.sha1("".join(sorted([tok, ts, nonce])).encode()).hexdigest()


def _keys(app):
    with app.app_context(), tenant_context(T):
        return wechat.token(), wechat.aes_key(), wechat.app_id()


def _text(msg_id, content, kind="text"):
    body = f"<Content><![CDATA[{content}]]></Content>"
    if kind == "location":
        body = "<Location_X>38.04</Location_X><Location_Y>114.51</Location_Y><Scale>15</Scale><Label>裕华路</Label>"
    return (
        f"<xml><ToUserName>gh_city</ToUserName><FromUserName>oFollower1</FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType>{kind}</MsgType>{body}<MsgId>{msg_id}</MsgId></xml>"
    )


def _count(app, ref):
    with app.app_context(), tenant_context(T):
        return db.session.scalar(
            select(func.count()).select_from(Order).where(Order.source_ref.like(f"%{ref}"))
        )


def test_url_verification(client, app, two_tenants):
    tok, _, _ = _keys(app)
    ts, nonce = "1700000000", "n1"
    ok = client.get(
        f"/channels/{T}/wechat?signature={_sig(tok, ts, nonce)}&timestamp={ts}&nonce={nonce}&echostr=e42"
    )
    assert ok.status_code == 200 and ok.get_data(as_text=True) == "e42"
    bad = client.get(f"/channels/{T}/wechat?signature=00&timestamp={ts}&nonce={nonce}&echostr=e42")
    assert bad.status_code == 403


def test_plain_text_and_location_messages_file_orders_once(client, app, two_tenants):
    tok, _, _ = _keys(app)
    ts, nonce = str(int(time.time())), "n2"
    q = f"signature={_sig(tok, ts, nonce)}&timestamp={ts}&nonce={nonce}"
    resp = client.post(f"/channels/{T}/wechat?{q}", data=_text(9001, "楼道里的灯坏了好几天").encode())
    assert resp.status_code == 200
    reply = xmltodict.parse(resp.data)["xml"]
    assert reply["ToUserName"] == "oFollower1" and "工单号" in reply["Content"]
    again = client.post(f"/channels/{T}/wechat?{q}", data=_text(9001, "楼道里的灯坏了好几天").encode())
    assert xmltodict.parse(again.data)["xml"]["Content"] == reply["Content"]
    assert _count(app, ":9001") == 1
    loc = client.post(f"/channels/{T}/wechat?{q}", data=_text(9002, "", "location").encode())
    assert loc.status_code == 200 and "工单号" in xmltodict.parse(loc.data)["xml"]["Content"]
    with app.app_context(), tenant_context(T):
        o = db.session.scalars(select(Order).where(Order.source_ref.like("%:9002"))).one()
        assert (o.lat, o.lng, o.channel, o.category_code) == (38.04, 114.51, "wechat", None)
    forged = client.post(
        f"/channels/{T}/wechat?signature=0&timestamp={ts}&nonce={nonce}", data=_text(9003, "x")
    )
    assert forged.status_code == 403 and _count(app, ":9003") == 0
    broken = _text(9004, "", "location").replace("38.04", "north").encode()
    assert client.post(f"/channels/{T}/wechat?{q}", data=broken).status_code == 200
    assert _count(app, ":9004") == 0
    empty = b"<xml><MsgType>text</MsgType><FromUserName>o1</FromUserName><MsgId>9005</MsgId></xml>"
    assert client.post(f"/channels/{T}/wechat?{q}", data=empty).status_code == 200
    garbage = client.post(f"/channels/{T}/wechat?{q}", data=b"<xml><oops")
    assert garbage.status_code == 400


def test_aes_encrypted_message_and_encrypted_reply(client, app, two_tenants):
    tok, key, appid = _keys(app)
    crypto = WeChatCrypto(tok, key, appid)
    ts, nonce = str(int(time.time())), "n3"
    envelope = crypto.encrypt_message(_text(9101, "小区门口积水严重"), nonce, ts)
    msg_sig = xmltodict.parse(envelope)["xml"]["MsgSignature"]
    q = f"encrypt_type=aes&msg_signature={msg_sig}&timestamp={ts}&nonce={nonce}&signature={_sig(tok, ts, nonce)}"
    resp = client.post(f"/channels/{T}/wechat?{q}", data=envelope.encode())
    assert resp.status_code == 200, resp.data
    env = xmltodict.parse(resp.data)["xml"]
    plain = crypto.decrypt_message(resp.data, env["MsgSignature"], env["TimeStamp"], env["Nonce"])
    assert "工单号" in plain and _count(app, ":9101") == 1
    q_bad = q.replace(f"msg_signature={msg_sig}", "msg_signature=0")
    assert client.post(f"/channels/{T}/wechat?{q_bad}", data=envelope.encode()).status_code == 403
    other = WeChatCrypto(tok, "A" * 43, appid).encrypt_message(_text(9102, "x"), nonce, ts)
    other_sig = xmltodict.parse(other)["xml"]["MsgSignature"]
    q_other = q.replace(f"msg_signature={msg_sig}", f"msg_signature={other_sig}")
    assert client.post(f"/channels/{T}/wechat?{q_other}", data=other.encode()).status_code in (400, 403)
    assert _count(app, ":9102") == 0
