"""``/channels/{tenant}/wechat``: the city's WeChat official account (微信公众号) server URL.

Speaks WeChat's protocol with ``wechatpy`` (pinned): URL verification (GET with ``echostr``),
the message signature (sha1 of token, timestamp, nonce), plain and AES (``encrypt_type=aes``,
``msg_signature``) XML messages, text and location messages, and the passive reply (an XML text
reply, encrypted when the request was). Not JSON, so not in the OpenAPI document.
"""

from __future__ import annotations

import base64
import hashlib

from flask import Blueprint, Response, request
from wechatpy import create_reply, parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import check_signature

from tenants import current_tenant, db

from ..errors import DomainError
from ..tenancy.scope import bind_url_tenant, enter_addressed_tenant
from . import service

blp = bind_url_tenant(
    Blueprint("channels_wechat", __name__, url_prefix="/channels/<string:tenant>"), enter_addressed_tenant
)


def token() -> str:
    return service.secret("wechat-token").hex()[:32]


def aes_key() -> str:
    """EncodingAESKey: 43 characters of base64 (32 bytes without the padding)."""
    return base64.b64encode(service.secret("wechat-aes")).decode()[:43]


def app_id() -> str:
    return f"wx{current_tenant().slug[:16]}"


def _check(args) -> None:
    try:
        check_signature(token(), args.get("signature", ""), args.get("timestamp", ""), args.get("nonce", ""))
    except InvalidSignatureException as exc:
        raise DomainError("bad WeChat signature", status=403) from exc


@blp.get("/wechat")
def verify_url():
    """URL verification (服务器配置): echo ``echostr`` when the signature is right."""
    _check(request.args)
    return Response(request.args.get("echostr", ""), mimetype="text/plain")


def _fields(msg) -> dict | None:
    """What the order records; None for messages that file nothing (events, images, broken ones)."""
    if msg.type == "text":
        return {"content": (msg.content or "")[:10000]}
    if msg.type == "location":
        try:
            lat, lng = float(msg.location_x), float(msg.location_y)
        except (TypeError, ValueError):
            return None
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            return None
        label = (msg.label or "")[:300]
        return {
            "content": f"市民发送位置：{label}",
            "address": label or None,
            "location": {"lat": lat, "lng": lng},
        }
    return None


@blp.post("/wechat")
def receive():
    """A message from a follower: file it (idempotent on ``MsgId``) and answer passively."""
    args = request.args
    raw = request.get_data(cache=True)
    encrypted = args.get("encrypt_type") == "aes"
    crypto = WeChatCrypto(token(), aes_key(), app_id()) if encrypted else None
    try:
        if crypto is not None:
            raw = crypto.decrypt_message(
                raw, args.get("msg_signature", ""), args.get("timestamp", ""), args.get("nonce", "")
            )
        else:
            _check(args)
        msg = parse_message(raw)
    except (InvalidSignatureException, InvalidAppIdException) as exc:
        raise DomainError("bad WeChat signature", status=403) from exc
    except DomainError:
        raise
    except Exception as exc:  # unparsable XML or ciphertext: the sender's fault
        raise DomainError("not a WeChat message", status=400) from exc
    fields = _fields(msg)
    if fields is None or not fields["content"].strip():
        text = "您好，这里是12345热线。请用文字或位置描述您的诉求。"
    else:
        fields["caller"] = {}
        follower = hashlib.sha256(msg.source.encode()).hexdigest()[:16]  # no openid in the order
        result = service.receive("wechat", f"{follower}:{msg.id}", fields)
        db.session.commit()
        text = f"您的诉求已受理，工单号{result.order.number}。"
    reply = create_reply(text, msg).render()
    if crypto is not None:
        reply = crypto.encrypt_message(reply, args.get("nonce", ""), args.get("timestamp"))
    return Response(reply, mimetype="application/xml")
