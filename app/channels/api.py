"""``/channels/{tenant}/...``: signed webhooks of the SMS gateway, the city app and the mini-program.

No user token: each sender signs the raw body (``X-Signature``, HMAC-SHA256 with the city's
channel secret); a bad signature answers 401 before anything is parsed or written.
"""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from marshmallow import ValidationError, fields, validate

from tenants import db

from ..accessibility.needs import NEEDS
from ..errors import DomainError
from ..rest import Blueprint, Schema, responds
from ..tenancy.scope import bind_url_tenant, enter_addressed_tenant
from . import service

blp = Blueprint(
    "channels",
    __name__,
    url_prefix="/channels/<string:tenant>",
    description="Channel intake (受理渠道): signed webhooks of the SMS gateway, app and mini-program",
)
bind_url_tenant(blp, enter_addressed_tenant)


class SignatureHeaders(Schema):
    signature = fields.String(
        data_key="X-Signature",
        required=True,
        validate=validate.Length(max=128),
        metadata={"description": "hex HMAC-SHA256 of the raw body with the city's channel secret"},
    )


class Located(Schema):
    lat = fields.Float(required=True, validate=validate.Range(-90, 90))
    lng = fields.Float(required=True, validate=validate.Range(-180, 180))


class SmsIn(Schema):
    message_id = fields.String(required=True, validate=validate.Length(1, 64))
    sender = fields.String(required=True, validate=validate.Regexp(r"^\+?[0-9]{5,20}$"))
    text = fields.String(required=True, validate=validate.Length(1, 2000))
    received_at = fields.DateTime(load_default=None)


class AppIn(Schema):
    message_id = fields.String(required=True, validate=validate.Length(1, 64))
    content = fields.String(required=True, validate=validate.Length(1, 10000))
    title = fields.String(validate=validate.Length(1, 200), load_default=None)
    category_code = fields.String(validate=validate.Length(1, 16), load_default=None, allow_none=True)
    appeal_type = fields.String(
        validate=validate.OneOf(("consultation", "help", "complaint", "report", "suggestion", "praise")),
        load_default="consultation",
    )
    phone = fields.String(validate=validate.Length(max=32), load_default=None)
    name = fields.String(validate=validate.Length(max=100), load_default=None)
    address = fields.String(validate=validate.Length(max=300), load_default=None)
    location = fields.Nested(Located, load_default=None)
    needs = fields.List(fields.String(validate=validate.OneOf(NEEDS)), load_default=list)


class MiniProgramIn(AppIn):
    sign_language_video = fields.Boolean(
        load_default=False,
        metadata={"description": "the caller asks for a sign-language video call (手语视频服务)"},
    )


class Receipt(Schema):
    order_id = fields.Integer()
    number = fields.String(metadata={"example": "SJZ-20261202-000042"})
    created = fields.Boolean(metadata={"description": "false: a redelivered message, nothing new"})
    triage = fields.Boolean(metadata={"description": "true: waits in the desk's triage queue"})


def _signed(channel: str, schema: Schema, sent: dict) -> dict:
    service.verify(channel, request.get_data(cache=True), sent.get("signature"))
    try:
        return schema.load(request.get_json(silent=True) or {})
    except ValidationError as exc:
        raise DomainError("invalid message", errors={"json": exc.messages}, status=422) from exc


def _receipt(result) -> tuple[dict, int]:
    o = result.order
    status = 201 if result.created else 200
    return {
        "order_id": o.id,
        "number": o.number,
        "created": result.created,
        "triage": not o.category_code,
    }, status


SMS_EXAMPLE = {"message_id": "GW20261202000001", "sender": "13800001234", "text": "小区门口路灯坏了一周了"}
APP_EXAMPLE = {"message_id": "app-7f3a", "content": "建华南大街井盖缺失，很危险", "phone": "13800001234"}


@blp.route("/sms")
class SmsWebhook(MethodView):
    @blp.arguments(SignatureHeaders(), location="headers", error_status_code=401)
    @blp.doc(**{"x-signed-webhook": True}, **responds(401))
    @blp.doc(requestBody={"content": {"application/json": {"schema": SmsIn, "example": SMS_EXAMPLE}}})
    @blp.response(201, Receipt, example={"order_id": 42, "number": "SJZ-20261202-000042", "created": True})
    @blp.alt_response(200, schema=Receipt, description="a redelivered message: the first order")
    def post(self, sent):
        """SMS gateway delivery webhook (短信受理): one inbound SMS becomes an order awaiting triage.

        Signed: `X-Signature` is the hex HMAC-SHA256 of the raw body (401 otherwise, nothing written).
        Idempotent on `message_id`: a redelivery answers 200 with the first order. The citizen gets
        an acknowledgement SMS with the order number, sent through the outbox after the commit.
        """
        msg = _signed("sms", SmsIn(), sent)
        result = service.receive(
            "sms", msg["message_id"], {"content": msg["text"], "caller": {"phone": msg["sender"]}}
        )
        service.reply_sms(result, msg["message_id"])
        db.session.commit()
        return _receipt(result)


def _app_fields(msg: dict, needs: list[str]) -> dict:
    return {
        "content": msg["content"],
        "title": msg["title"],
        "category_code": msg["category_code"],
        "appeal_type": msg["appeal_type"],
        "address": msg["address"],
        "location": msg["location"],
        "caller": {"phone": msg["phone"], "name": msg["name"], "needs": needs},
    }


@blp.route("/app")
class AppIntake(MethodView):
    @blp.arguments(SignatureHeaders(), location="headers", error_status_code=401)
    @blp.doc(**{"x-signed-webhook": True}, **responds(401))
    @blp.doc(requestBody={"content": {"application/json": {"schema": AppIn, "example": APP_EXAMPLE}}})
    @blp.response(201, Receipt, example={"order_id": 43, "number": "SJZ-20261202-000043", "created": True})
    @blp.alt_response(200, schema=Receipt, description="a redelivered message: the first order")
    def post(self, sent):
        """The city app's appeal API (APP受理); idempotent on `message_id`.

        Signed by the app backend: `X-Signature`, hex HMAC-SHA256 of the raw body (401 otherwise).

        The category is optional (without one the order waits in triage); `needs` records the caller's
        accessibility needs (elderly, sign language, foreign language, dialect ...).
        """
        msg = _signed("app", AppIn(), sent)
        result = service.receive("app", msg["message_id"], _app_fields(msg, list(msg["needs"])))
        db.session.commit()
        return _receipt(result)


@blp.route("/miniprogram")
class MiniProgramIntake(MethodView):
    @blp.arguments(SignatureHeaders(), location="headers", error_status_code=401)
    @blp.doc(**{"x-signed-webhook": True}, **responds(401))
    @blp.doc(
        requestBody={
            "content": {
                "application/json": {
                    "schema": MiniProgramIn,
                    "example": {**APP_EXAMPLE, "message_id": "mp-19c2", "sign_language_video": True},
                }
            }
        }
    )
    @blp.response(201, Receipt, example={"order_id": 44, "number": "SJZ-20261202-000044", "created": True})
    @blp.alt_response(200, schema=Receipt, description="a redelivered message: the first order")
    def post(self, sent):
        """The mini-program's appeal API (小程序受理); carries sign-language video requests.

        Signed: `X-Signature`, hex HMAC-SHA256 of the raw body (401 otherwise).

        `sign_language_video: true` records the `sign_language` need on the order, so it is routed to
        agents with that skill (Hebei's 手语视频服务). Idempotent on `message_id`.
        """
        msg = _signed("miniprogram", MiniProgramIn(), sent)
        needs = list(
            dict.fromkeys([*msg["needs"], *(["sign_language"] if msg["sign_language_video"] else [])])
        )
        result = service.receive("miniprogram", msg["message_id"], _app_fields(msg, needs))
        db.session.commit()
        return _receipt(result)
