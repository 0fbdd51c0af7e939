"""The wire format: a subset of NENA's EIDO (NENA-STA-021) with the 12345 extension (docs/integrations.md).

A message is one EIDO document (JSON). What we read and write of it:

- the prologue (``$id``, ``lastUpdateTimeStamp``, ``updatedByAgencyReference``), ``eidoVersion``
  ("1.0"), ``issuingElementIdentification`` and at least one ``agencyComponent``;
- ``incidentComponent``: the platform's incident number (``internalIncidentId``), its class
  (``incidentTypeInternalCode`` / ``incidentTypeInternalText``), status, priority;
- ``callComponent`` and ``callbackComponent`` (the original caller number as ``tel:`` URI);
- ``locationComponent`` (the address as ``locationDescriptionText``);
- ``notesComponent`` (the appeal's text, a status note);
- ``hotline12345``, the extension listed in ``eidoExtensionId``: ``messageId`` (idempotency),
  ``status``, ``orderNumber``, ``categoryCode``, ``callerNumber``, ``policeDispatched``, ``lat``/``lng``.

Other EIDO components are allowed and ignored. Malformed documents raise ``EidoInvalid`` with
marshmallow's field errors (named as on the wire), answered 400.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from marshmallow import EXCLUDE, ValidationError, fields, validate, validates_schema

from app.emergency.messages import NEW, STATUSES, Incident, StatusUpdate
from app.rest import Schema

EXTENSION_ID = "urn:hotline12345:eido:extension:1"
EXTENSION = "hotline12345"
PRIORITY = {"normal": "normal", "urgent": "high", "emergency": "highest"}  # ours -> STA-023
URGENCY = {v: k for k, v in PRIORITY.items()} | {"low": "normal", "lowest": "normal"}


class EidoInvalid(ValueError):
    def __init__(self, errors: dict[str, Any]):
        super().__init__("malformed EIDO document")
        self.errors = errors


def _text(n: int, **kw):
    return fields.String(validate=validate.Length(1, n), **kw)


class _Open(Schema):
    class Meta:
        unknown = EXCLUDE  # the rest of EIDO may come along; we read this subset


class EidoRef(_Open):
    ref = _text(255, data_key="$ref", required=True, metadata={"example": "110.shijiazhuang"})


class EidoPrologue(_Open):
    id = _text(255, data_key="$id", required=True, metadata={"example": "urn:emergency:uid:incidentid:1"})
    last_update = fields.AwareDateTime(
        data_key="lastUpdateTimeStamp", required=True, metadata={"example": "2026-12-03T09:30:00+08:00"}
    )
    agency_ref = fields.Nested(EidoRef, data_key="updatedByAgencyReference", required=True)


class EidoAgency(EidoPrologue):
    roles = fields.List(
        _text(64),
        data_key="agencyRoleDescriptionRegistryText",
        required=True,
        validate=validate.Length(1, 10),
    )
    types = fields.List(_text(64), data_key="agencyType", required=True, validate=validate.Length(1, 10))


class EidoIncident(EidoPrologue):
    type_common = _text(64, data_key="incidentTypeCommonRegistryText", required=True)
    class_code = _text(32, data_key="incidentTypeInternalCode")
    class_name = _text(100, data_key="incidentTypeInternalText")
    statuses = fields.List(
        _text(32), data_key="incidentStatusCommonRegistryText", validate=validate.Length(0, 10)
    )
    incident_id = fields.String(
        data_key="internalIncidentId",
        validate=validate.Regexp(r"^[A-Za-z0-9_.:-]{1,64}$", error="1-64 letters, digits, _ . : -"),
    )
    priority = fields.String(data_key="incidentPriorityInternalText", validate=validate.OneOf(tuple(URGENCY)))


class EidoCall(EidoPrologue):
    state = _text(32, data_key="callStateRegistryText", required=True)
    call_type = _text(32, data_key="standardPrimaryCallType", required=True)
    direction = fields.String(
        data_key="direction", required=True, validate=validate.OneOf(("incoming", "outgoing", "internal"))
    )
    started = fields.AwareDateTime(data_key="callStartTimestamp", required=True)
    callback = fields.Nested(EidoRef, data_key="callBackReference")


class EidoCallback(EidoPrologue):
    uris = fields.List(_text(64), data_key="callBackInformationUri", validate=validate.Length(0, 5))


class EidoLocation(EidoPrologue):
    kind = _text(64, data_key="locationTypeDescriptionRegistryText", required=True)
    description = _text(300, data_key="locationDescriptionText")


class EidoNotes(EidoPrologue):
    text = _text(10000, data_key="notesActionComments", required=True)


class EidoHotline12345(_Open):
    message_id = fields.String(
        data_key="messageId",
        required=True,
        validate=validate.Regexp(r"^[A-Za-z0-9_.:@-]{1,128}$", error="1-128 letters, digits, _ . : @ -"),
        metadata={"example": "110-shijiazhuang-000123"},
    )
    status = fields.String(data_key="status", required=True, validate=validate.OneOf(STATUSES))
    order_number = _text(40, data_key="orderNumber", metadata={"example": "SJZ-20261203-000042"})
    category_code = _text(16, data_key="categoryCode", metadata={"example": "0105"})
    category_name = _text(100, data_key="categoryName")
    caller_number = fields.String(
        data_key="callerNumber",
        validate=validate.Regexp(r"^\+?[0-9]{5,20}$"),
        metadata={"example": "13800001234"},
    )
    caller_name = _text(100, data_key="callerName")
    police_dispatched = fields.Boolean(data_key="policeDispatched", metadata={"example": False})
    lat = fields.Float(data_key="lat", validate=validate.Range(-90, 90), allow_nan=False)
    lng = fields.Float(data_key="lng", validate=validate.Range(-180, 180), allow_nan=False)
    tenant = _text(32, data_key="tenant", metadata={"example": "shijiazhuang"})
    reason = _text(500, data_key="reason")


class Eido(EidoPrologue):
    version = fields.String(data_key="eidoVersion", required=True, validate=validate.OneOf(("1.0",)))
    extension_ids = fields.List(_text(128), data_key="eidoExtensionId", validate=validate.Length(0, 10))
    issuer = _text(255, data_key="issuingElementIdentification", required=True)
    agencies = fields.List(
        fields.Nested(EidoAgency),
        data_key="agencyComponent",
        required=True,
        validate=validate.Length(1, 10),
    )
    incident = fields.Nested(EidoIncident, data_key="incidentComponent")
    calls = fields.List(fields.Nested(EidoCall), data_key="callComponent", validate=validate.Length(0, 10))
    callbacks = fields.List(
        fields.Nested(EidoCallback), data_key="callbackComponent", validate=validate.Length(0, 10)
    )
    locations = fields.List(
        fields.Nested(EidoLocation), data_key="locationComponent", validate=validate.Length(0, 10)
    )
    notes = fields.List(fields.Nested(EidoNotes), data_key="notesComponent", validate=validate.Length(0, 50))
    ext = fields.Nested(EidoHotline12345, data_key=EXTENSION, required=True)

    @validates_schema
    def _extension_listed(self, data, **kwargs):
        if EXTENSION_ID not in (data.get("extension_ids") or []):
            raise ValidationError(f"must list {EXTENSION_ID}", "eidoExtensionId")


# -- reading --------------------------------------------------------------------------------------


def load(doc: Any) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise EidoInvalid({"_schema": ["an EIDO document is a JSON object"]})
    try:
        return Eido().load(doc)
    except ValidationError as exc:
        raise EidoInvalid(
            exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        ) from exc


def _notes(data: dict[str, Any]) -> str | None:
    texts = [n["text"].strip() for n in data.get("notes") or [] if n["text"].strip()]
    return "\n".join(texts) or None


def _caller_number(data: dict[str, Any]) -> str | None:
    if data["ext"].get("caller_number"):
        return data["ext"]["caller_number"]
    for callback in data.get("callbacks") or []:
        for uri in callback.get("uris") or []:
            if (
                uri.startswith("tel:")
                and uri[4:].lstrip("+").isdigit()
                and 5 <= len(uri[4:].lstrip("+")) <= 20
            ):
                return uri[4:]
    return None


def parse_incident(doc: Any) -> Incident:
    """A new incident handed over by a platform (``hotline12345.status`` = ``new``)."""
    data = load(doc)
    ext, incident = data["ext"], data.get("incident")
    errors: dict[str, Any] = {}
    if ext["status"] != NEW:
        errors[EXTENSION] = {"status": [f"a new incident has status {NEW!r}; use .../status for updates"]}
    if incident is None or not incident.get("incident_id"):
        errors["incidentComponent"] = {"internalIncidentId": ["the platform's incident number is required"]}
    content = _notes(data)
    if content is None:
        errors["notesComponent"] = ["at least one note with the matter's text is required"]
    if errors:
        raise EidoInvalid(errors)
    location = (data.get("locations") or [{}])[0]
    return Incident(
        message_id=ext["message_id"],
        incident_id=incident["incident_id"],
        content=content,
        title=(incident.get("class_name") or content)[:40],
        class_code=incident.get("class_code"),
        class_name=incident.get("class_name"),
        caller_phone=_caller_number(data),
        caller_name=ext.get("caller_name"),
        address=location.get("description"),
        lat=ext.get("lat"),
        lng=ext.get("lng") if ext.get("lat") is not None else None,
        urgency=URGENCY.get(incident.get("priority") or "normal", "normal"),
        police_dispatched=bool(ext.get("police_dispatched")),
        occurred_at=data["last_update"],
    )


def parse_status(doc: Any, incident_id: str) -> StatusUpdate:
    """A platform's step on the incident ``incident_id`` (the URL's)."""
    data = load(doc)
    ext, incident = data["ext"], data.get("incident") or {}
    if ext["status"] == NEW:
        raise EidoInvalid({EXTENSION: {"status": ["a status update cannot be 'new'; POST .../incidents"]}})
    if incident.get("incident_id") and incident["incident_id"] != incident_id:
        raise EidoInvalid({"incidentComponent": {"internalIncidentId": ["differs from the URL's incident"]}})
    return StatusUpdate(
        message_id=ext["message_id"],
        incident_id=incident_id,
        status=ext["status"],
        at=data["last_update"],
        note=_notes(data),
        order_number=ext.get("order_number"),
    )


# -- writing --------------------------------------------------------------------------------------


def _iso(at: datetime) -> str:
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).isoformat()


def _prologue(component_id: str, at: datetime, agency: str) -> dict[str, Any]:
    return {
        "$id": component_id,
        "lastUpdateTimeStamp": _iso(at),
        "updatedByAgencyReference": {"$ref": agency},
    }


def _document(doc_id: str, at: datetime, tenant: str, ext: dict[str, Any]) -> dict[str, Any]:
    agency = f"12345.{tenant}"
    return {
        **_prologue(doc_id, at, agency),
        "eidoVersion": "1.0",
        "eidoExtensionId": [EXTENSION_ID],
        "issuingElementIdentification": f"hotline12345.{tenant}",
        "agencyComponent": [
            {
                **_prologue(agency, at, agency),
                "agencyRoleDescriptionRegistryText": ["CallReceiving"],
                "agencyType": ["government.hotline12345"],
            }
        ],
        EXTENSION: {k: v for k, v in ext.items() if v is not None},
    }


def build_incident(*, message_id: str, tenant: str, platform: str, order: dict[str, Any]) -> dict[str, Any]:
    """An escalation (移交): the order handed to ``platform`` as a new incident, caller number included."""
    at: datetime = order["created_at"]
    agency = f"12345.{tenant}"
    ref = f"urn:emergency:uid:incidentid:{order['number']}:12345.{tenant}"
    doc = _document(
        ref,
        order.get("sent_at") or at,
        tenant,
        {
            "messageId": message_id,
            "status": NEW,
            "orderNumber": order["number"],
            "categoryCode": order.get("category_code"),
            "categoryName": order.get("category_name"),
            "callerNumber": order.get("caller_phone"),
            "callerName": order.get("caller_name"),
            "lat": order.get("lat"),
            "lng": order.get("lng"),
            "tenant": tenant,
            "reason": order.get("reason"),
        },
    )
    incident = {
        **_prologue(ref, at, agency),
        "incidentTypeCommonRegistryText": "Public Service",
        "incidentStatusCommonRegistryText": ["Pending"],
        "incidentPriorityInternalText": PRIORITY.get(order.get("urgency") or "normal", "normal"),
        "notesReference": [{"$ref": f"{ref}:note:1"}],
    }
    if order.get("class_code"):
        incident["incidentTypeInternalCode"] = order["class_code"]
        incident["incidentTypeInternalText"] = order.get("class_name") or order["class_code"]
    doc["incidentComponent"] = incident
    doc["callComponent"] = [
        {
            **_prologue(f"{ref}:call:1", at, agency),
            "standardPrimaryCallType": "emergency",
            "direction": "incoming",
            "callStartTimestamp": _iso(at),
            "callStateRegistryText": "callEnd",
            **({"callBackReference": {"$ref": f"{ref}:callback:1"}} if order.get("caller_phone") else {}),
        }
    ]
    if order.get("caller_phone"):
        doc["callbackComponent"] = [
            {
                **_prologue(f"{ref}:callback:1", at, agency),
                "callBackInformationUri": [f"tel:{order['caller_phone']}"],
            }
        ]
    if order.get("address"):
        incident["locationReference"] = [{"$ref": f"{ref}:location:1"}]
        doc["locationComponent"] = [
            {
                **_prologue(f"{ref}:location:1", at, agency),
                "locationTypeDescriptionRegistryText": "Incident",
                "locationDescriptionText": order["address"],
            }
        ]
    text = order["content"] if not order.get("reason") else f"{order['content']}\n移交原因：{order['reason']}"
    doc["notesComponent"] = [{**_prologue(f"{ref}:note:1", at, agency), "notesActionComments": text}]
    return doc


def build_status(
    *,
    message_id: str,
    tenant: str,
    platform: str,
    incident_id: str,
    order_number: str,
    status: str,
    at: datetime,
    note: str | None = None,
) -> dict[str, Any]:
    """12345's step on an incident the platform handed over (signed for, replied, closed ...)."""
    agency = f"12345.{tenant}"
    ref = f"urn:emergency:uid:incidentid:{incident_id}:{platform}.{tenant}"
    doc = _document(
        f"{ref}:{message_id}",
        at,
        tenant,
        {"messageId": message_id, "status": status, "orderNumber": order_number},
    )
    doc["incidentComponent"] = {
        **_prologue(ref, at, agency),
        "incidentTypeCommonRegistryText": "Public Service",
        "internalIncidentId": incident_id,
        "incidentStatusCommonRegistryText": [status],
    }
    if note:
        doc["notesComponent"] = [
            {**_prologue(f"{ref}:{message_id}:note", at, agency), "notesActionComments": note}
        ]
    return doc
