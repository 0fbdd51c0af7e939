"""``/api/v1/integrations/emergency/{tenant}/...``: what a 110/119/120/122 platform sends us.

Checks, in order, before anything is parsed or written (docs/integrations.md §Inbound):
bearer token (401), the city (404), the client's grant to that city (403), the role
``emergency_system`` (403), the client being this city's platform (403), the signature
``X-Hotline-Signature`` with that platform's secret inside the replay window (401), the EIDO
document (400 naming the fields). Then the domain (app/emergency/inbound.py) applies it once.
"""

from __future__ import annotations

import json

from flask import request
from flask.views import MethodView
from marshmallow import fields, validate

from app.auth.http import current_principal, requires
from app.emergency import inbound, platforms
from app.errors import DomainError
from app.rest import Blueprint, Schema, responds
from app.tenancy.scope import bind_url_tenant
from integrations import signing
from tenants import db

from . import eido, examples

blp = bind_url_tenant(
    Blueprint(
        "emergency_in",
        __name__,
        url_prefix="/api/v1/integrations/emergency/<string:tenant>",
        description="Emergency linkage (110/119/120/122 联动): incidents and statuses the platforms send",
    )
)


class BadSignature(DomainError):
    status = 401


class MalformedEido(DomainError):
    status = 400


class SignedHeaders(Schema):
    signature = fields.String(
        data_key=signing.HEADER,
        required=True,
        validate=validate.Length(1, 600),
        metadata={
            "description": "t=<unix>,v1=<hex HMAC-SHA256 of '<t>.<raw body>' with the platform secret>",
            "example": "t=1764725400,v1=5f0c6d0e0a5b3c7e9e1f2a4b6c8d0e1f3a5b7c9d1e3f5a7b9c1d3e5f7a9b1c3d",
        },
    )


class IncidentReceipt(Schema):
    order_id = fields.Integer(metadata={"example": 42})
    number = fields.String(metadata={"example": "SJZ-20261203-000042"})
    incident_id = fields.String(metadata={"example": "110-20261203-0042"})
    category_code = fields.String(allow_none=True, metadata={"example": "0105"})
    triage = fields.Boolean(
        metadata={"description": "true: no category mapped, waits in the desk's triage queue"}
    )


class StatusReceipt(Schema):
    order_id = fields.Integer(metadata={"example": 42})
    number = fields.String(metadata={"example": "SJZ-20261203-000042"})
    incident_id = fields.String(metadata={"example": "110-20261203-0077"})
    status = fields.String(metadata={"example": "acknowledged"})


def _signed_document(sent: dict):
    """The calling platform and the body's JSON, once the signature holds."""
    principal = current_principal()
    platform = platforms.for_client(principal)
    raw = request.get_data(cache=True)
    try:
        signing.verify(platforms.secrets(platform), sent["signature"], raw)
    except signing.SignatureError as exc:
        raise BadSignature(str(exc)) from exc
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedEido("the body is not JSON", errors={"json": {"_schema": ["not JSON"]}}) from exc
    return principal, platform, doc


def _parse(fn, *args):
    try:
        return fn(*args)
    except eido.EidoInvalid as exc:
        raise MalformedEido("malformed EIDO document", errors={"json": exc.errors}) from exc


DOC = {"x-signed": signing.HEADER, **responds(409)}


@blp.route("/incidents")
class Incidents(MethodView):
    @requires("emergency.report")
    @blp.arguments(SignedHeaders(), location="headers", error_status_code=401)
    @blp.doc(
        requestBody={"content": {"application/json": {"schema": eido.Eido, "example": examples.INCIDENT}}}
    )
    @blp.doc(**DOC)
    @blp.response(
        201, IncidentReceipt, example={"order_id": 42, "number": "SJZ-20261203-000042", "triage": False}
    )
    @blp.alt_response(200, schema=IncidentReceipt, description="a redelivered message: the first answer")
    def post(self, sent):
        """Hand an incident over to 12345 (非警务 / non-emergency matter): it becomes an order.

        The body is an EIDO document with `hotline12345.status` = `new` and the platform's
        incident number in `incidentComponent.internalIncidentId`; signed with
        `X-Hotline-Signature` (401 otherwise, nothing parsed). The order gets channel `110`
        (`119`, `120`, `122`: the calling client's platform), the original caller number and a
        category mapped from `incidentTypeInternalCode`; a class without a category waits in the
        desk's triage queue, an unknown class is a 422. `policeDispatched: true` records joint
        handling (联动处置). Idempotent on `hotline12345.messageId`: a redelivery answers 200
        with the first answer; the same id with other content, 422. An incident number already
        filed answers 409. Statuses go back to the platform as the order is dispatched, signed
        for, replied and closed (docs/integrations.md).
        """
        principal, platform, doc = _signed_document(sent)
        incident = _parse(eido.parse_incident, doc)
        answer, created = inbound.receive_incident(principal, platform, incident)
        db.session.commit()
        return answer, 201 if created else 200


@blp.route("/incidents/<string:incident_id>/status")
class IncidentStatus(MethodView):
    @requires("emergency.report")
    @blp.arguments(SignedHeaders(), location="headers", error_status_code=401)
    @blp.doc(requestBody={"content": {"application/json": {"schema": eido.Eido, "example": examples.STATUS}}})
    @blp.doc(**DOC)
    @blp.response(
        201, StatusReceipt, example={"order_id": 42, "number": "SJZ-20261203-000042", "status": "closed"}
    )
    @blp.alt_response(200, schema=StatusReceipt, description="a redelivered message: the first answer")
    def post(self, sent, incident_id):
        """Report a step on an incident (acknowledged, dispatched, on_scene, closed, returned, note).

        For an order 12345 escalated, the first status (usually `acknowledged`) carries the
        platform's incident number in the URL and our order number in
        `hotline12345.orderNumber`: that links the two. Later statuses need only the URL. Each
        lands once on the order's timeline (`emergency.status`), idempotent on
        `hotline12345.messageId`; statuses may arrive out of order (the latest
        `lastUpdateTimeStamp` is the incident's current one). 404 for an incident not known here.
        Signed with `X-Hotline-Signature` (401 otherwise).
        """
        principal, platform, doc = _signed_document(sent)
        if len(incident_id) > 64:
            raise MalformedEido("incident number too long", errors={"path": {"incident_id": ["at most 64"]}})
        update = _parse(eido.parse_status, doc, incident_id)
        answer, created = inbound.receive_status(principal, platform, update)
        db.session.commit()
        return answer, 201 if created else 200
