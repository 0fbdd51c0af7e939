"""Request and response shapes of the orders API (field names: docs/architecture.md §4)."""

from __future__ import annotations

from marshmallow import fields, validate

from ..accessibility.needs import NEEDS
from ..rest import Schema
from .workflow import (
    APPEAL_TYPES,
    CHANNELS,
    EMERGENCY_TARGETS,
    REPLY_OUTCOMES,
    SATISFACTION,
    STATES,
    URGENCIES,
)

CODE = validate.Regexp(r"^[A-Za-z0-9_.-]{1,32}$", error="letters, digits, '_', '.', '-' (1-32)")
# caller needs (特殊群体): defined with accessibility, recorded on every order


class CallerIn(Schema):
    name = fields.String(validate=validate.Length(max=100), load_default=None)
    phone = fields.String(
        validate=validate.Length(max=32),
        load_default=None,
        metadata={"description": "stored encrypted; shown masked (138****5678)"},
    )
    language = fields.String(validate=validate.Length(max=16), load_default=None, metadata={"example": "zh"})
    needs = fields.List(
        fields.String(validate=validate.OneOf(NEEDS)),
        validate=validate.Length(max=len(NEEDS)),
        load_default=list,
        metadata={"description": "special-group tags: " + ", ".join(NEEDS)},
    )


class Location(Schema):
    lat = fields.Float(required=True, validate=validate.Range(-90, 90))
    lng = fields.Float(required=True, validate=validate.Range(-180, 180))


class OrderCreate(Schema):
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    appeal_type = fields.String(required=True, validate=validate.OneOf(APPEAL_TYPES))
    category_code = fields.String(
        validate=CODE,
        allow_none=True,
        load_default=None,
        metadata={
            "description": "leaf category code (GET .../categories); channel orders (not phone) may omit "
            "it and wait in the desk's triage queue (GET .../triage)",
            "example": "0105",
        },
    )
    urgency = fields.String(load_default="normal", validate=validate.OneOf(URGENCIES))
    title = fields.String(validate=validate.Length(1, 200), load_default=None)
    content = fields.String(
        required=True,
        validate=validate.Length(1, 10000),
        metadata={"example": "裕华区建华小区东侧工地每晚十一点后仍在施工，噪音很大，希望尽快处理。"},
    )
    caller = fields.Nested(CallerIn, load_default=dict)
    confidential = fields.Boolean(
        load_default=False, metadata={"description": "hide the caller from departments"}
    )
    address = fields.String(validate=validate.Length(max=300), load_default=None)
    district_code = fields.String(validate=CODE, load_default=None)
    location = fields.Nested(Location, load_default=None, allow_none=True)
    source_ref = fields.String(
        validate=validate.Length(max=64),
        load_default=None,
        metadata={"description": "the sender's own reference (e.g. a 110 case number)"},
    )


class CallerOut(Schema):
    name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True, metadata={"description": "masked unless revealed (?reveal=phone)"})
    language = fields.String(allow_none=True)
    needs = fields.List(fields.String())


class AssignmentOut(Schema):
    department_code = fields.String()
    role = fields.String(metadata={"description": "lead (主办) or assist (协办)"})
    status = fields.String(metadata={"description": "pending, accepted, replied, returned, cancelled"})
    active = fields.Boolean()
    note = fields.String(allow_none=True)
    dispatched_at = fields.DateTime()
    accept_due_at = fields.DateTime(allow_none=True)
    accepted_at = fields.DateTime(allow_none=True)
    accept_overdue = fields.Boolean()
    replied_at = fields.DateTime(allow_none=True)
    reply_content = fields.String(allow_none=True)
    returned_reason = fields.String(allow_none=True)


class RepeatOut(Schema):
    id = fields.Integer()
    number = fields.String()
    status = fields.String()
    created_at = fields.DateTime()
    reason = fields.String(metadata={"description": "same_caller or same_place"})


class OrderOut(Schema):
    id = fields.Integer()
    number = fields.String(metadata={"example": "SJZ-20261128-000123"})
    status = fields.String(metadata={"description": ", ".join(STATES)})
    channel = fields.String()
    appeal_type = fields.String()
    category_code = fields.String(
        allow_none=True, metadata={"description": "null: waits in the triage queue (GET .../triage)"}
    )
    human_only = fields.Boolean(
        metadata={"description": "elderly, hearing- or speech-impaired caller: a person answers (人工优先)"}
    )
    urgency = fields.String()
    title = fields.String()
    content = fields.String()
    caller = fields.Nested(
        CallerOut, allow_none=True, metadata={"description": "null when confidential to you"}
    )
    confidential = fields.Boolean()
    address = fields.String(allow_none=True)
    district_code = fields.String(allow_none=True)
    location = fields.Nested(Location, allow_none=True)
    lead_department = fields.String(allow_none=True)
    assignments = fields.List(fields.Nested(AssignmentOut))
    due_at = fields.DateTime(allow_none=True)
    warn_at = fields.DateTime(allow_none=True)
    accept_due_at = fields.DateTime(allow_none=True)
    return_due_at = fields.DateTime(allow_none=True)
    overdue = fields.Boolean()
    overdue_at = fields.DateTime(allow_none=True)
    sla_fallback = fields.Boolean(
        metadata={"description": "deadline computed on weekends only (no calendar)"}
    )
    extension_pending = fields.Boolean()
    reply_content = fields.String(allow_none=True)
    reply_outcome = fields.String(allow_none=True)
    resolution = fields.String(allow_none=True)
    direct_closure = fields.Boolean()
    satisfaction = fields.String(allow_none=True)
    resolved = fields.Boolean(allow_none=True)
    reopen_count = fields.Integer()
    return_count = fields.Integer()
    repeat_of_id = fields.Integer(allow_none=True)
    repeat_candidates = fields.List(fields.Nested(RepeatOut), metadata={"description": "intake only"})
    merged_into_id = fields.Integer(allow_none=True)
    transferred_to = fields.String(allow_none=True)
    source_ref = fields.String(allow_none=True)
    created_by = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    dispatched_at = fields.DateTime(allow_none=True)
    accepted_at = fields.DateTime(allow_none=True)
    replied_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    version = fields.Integer()


class OrderQuery(Schema):
    status = fields.List(fields.String(validate=validate.OneOf(STATES)), load_default=None)
    channel = fields.String(validate=validate.OneOf(CHANNELS), load_default=None)
    appeal_type = fields.String(validate=validate.OneOf(APPEAL_TYPES), load_default=None)
    category_code = fields.String(validate=CODE, load_default=None)
    district_code = fields.String(validate=CODE, load_default=None)
    department = fields.String(
        validate=CODE, load_default=None, metadata={"description": "assigned department"}
    )
    overdue = fields.Boolean(load_default=None)
    number = fields.String(validate=validate.Length(max=40), load_default=None)
    created_from = fields.DateTime(load_default=None)
    created_to = fields.DateTime(load_default=None)


class IntakeHeaders(Schema):
    idempotency_key = fields.String(
        data_key="Idempotency-Key",
        load_default=None,
        validate=validate.Length(1, 255),
        metadata={
            "description": "same key and body return the same order, never a second one",
            "example": "2f1c6f7e-6a43-4b8e-9d0e-3a7c1b2d4e5f",
        },
    )


class OrderRead(Schema):
    reveal = fields.String(
        validate=validate.OneOf(["phone"]),
        load_default=None,
        metadata={"description": "phone: return the unmasked phone (audited)"},
    )


class TimelineEntry(Schema):
    seq = fields.Integer(
        allow_none=True,
        metadata={
            "description": "position in the sealed audit chain; null until sealed (normally under a second)"
        },
    )
    occurred_at = fields.DateTime()
    actor = fields.String()
    action = fields.String()
    data = fields.Dict()


# -- action bodies -------------------------------------------------------------------------------
REASON = fields.String(required=True, validate=validate.Length(1, 2000))


class ClassifyIn(Schema):
    category_code = fields.String(
        required=True, validate=CODE, metadata={"description": "leaf category code", "example": "0105"}
    )


class DispatchIn(Schema):
    lead_department = fields.String(required=True, validate=CODE)
    assist_departments = fields.List(
        fields.String(validate=CODE), load_default=list, validate=validate.Length(max=10)
    )
    note = fields.String(validate=validate.Length(max=2000), load_default=None)


class EmptyIn(Schema):
    pass


class ContentIn(Schema):
    content = fields.String(required=True, validate=validate.Length(1, 10000))


class ReasonIn(Schema):
    reason = REASON


class ExtensionIn(Schema):
    working_days = fields.Integer(required=True, validate=validate.Range(1, 60))
    reason = REASON


class NoteIn(Schema):
    note = fields.String(validate=validate.Length(max=2000), load_default=None)


class ReplyIn(Schema):
    content = fields.String(required=True, validate=validate.Length(1, 10000))
    outcome = fields.String(required=True, validate=validate.OneOf(REPLY_OUTCOMES))


class KbCitationIn(Schema):
    """The knowledge article the answer came from (知识引用), on a direct closure."""

    scope = fields.String(
        required=True, validate=validate.OneOf(("province", "city")), metadata={"example": "province"}
    )
    article_id = fields.Integer(required=True, validate=validate.Range(1, 2**62), metadata={"example": 1})


class CloseIn(Schema):
    resolution = fields.String(required=True, validate=validate.Length(1, 10000))
    kb_article = fields.Nested(
        KbCitationIn,
        load_default=None,
        allow_none=True,
        metadata={
            "description": "the published knowledge article used for the answer (recorded on the timeline)"
        },
    )


class CallbackIn(Schema):
    satisfaction = fields.String(required=True, validate=validate.OneOf(SATISFACTION))
    resolved = fields.Boolean(required=True)
    note = fields.String(validate=validate.Length(max=2000), load_default=None)


class SuperviseIn(Schema):
    note = fields.String(required=True, validate=validate.Length(1, 2000))
    response_due_at = fields.DateTime(load_default=None)


class MergeIn(Schema):
    into = fields.Integer(required=True, validate=validate.Range(min=1))


class TransferIn(Schema):
    to_tenant = fields.String(required=True, validate=validate.Length(1, 31))
    reason = REASON


class EscalateIn(Schema):
    target = fields.String(required=True, validate=validate.OneOf(EMERGENCY_TARGETS))
    reason = fields.String(validate=validate.Length(max=2000), load_default=None)


# A complete body per action, shown in the docs and sent first by the fuzzer (demo department codes).
ACTION_EXAMPLES: dict[str, dict] = {
    "classify": {"category_code": "0105"},
    "dispatch": {"lead_department": "zjj", "assist_departments": ["cgj"], "note": "请住建局牵头，城管局协办"},
    "accept": {},
    "assist-reply": {"content": "城管局已派员夜间巡查，配合住建局处理"},
    "return": {"reason": "不属于本单位职责范围，建议改派市城管局"},
    "reject-return": {"reason": "经核实属于贵单位职责，请签收办理"},
    "request-extension": {"working_days": 5, "reason": "需协调施工单位整改，现场复核需要时间"},
    "approve-extension": {"note": "同意延期5个工作日"},
    "reject-extension": {"note": "请在原时限内办结"},
    "reply": {"content": "已责令施工单位夜间停工，违规施工已立案处罚", "outcome": "resolved"},
    "reject-reply": {"reason": "答复未说明处理结果，请补充"},
    "close": {"resolution": "已电话向市民解释相关政策"},
    "callback": {"satisfaction": "satisfied", "resolved": True, "note": "市民表示噪音已停止"},
    "reopen": {"reason": "回访不满意：夜间施工仍未停止"},
    "supervise": {"note": "请加快办理，三日内反馈", "response_due_at": "2026-12-05T18:00:00+08:00"},
    "merge": {"into": 1},
    "transfer": {"to_tenant": "tangshan", "reason": "事发地在唐山市路北区，请唐山热线办理"},
    "escalate": {"target": "110", "reason": "市民反映有人持械斗殴"},
}

ACTION_BODIES: dict[str, type[Schema]] = {
    "classify": ClassifyIn,
    "dispatch": DispatchIn,
    "accept": EmptyIn,
    "assist-reply": ContentIn,
    "return": ReasonIn,
    "reject-return": ReasonIn,
    "request-extension": ExtensionIn,
    "approve-extension": NoteIn,
    "reject-extension": NoteIn,
    "reply": ReplyIn,
    "reject-reply": ReasonIn,
    "close": CloseIn,
    "callback": CallbackIn,
    "reopen": ReasonIn,
    "supervise": SuperviseIn,
    "merge": MergeIn,
    "transfer": TransferIn,
    "escalate": EscalateIn,
}
