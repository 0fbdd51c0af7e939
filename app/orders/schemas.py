"""Request and response shapes of the orders API (field names: docs/architecture.md §4)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

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
NEEDS = ("elderly", "disability", "sign_language", "foreign_language", "dialect", "minor", "other")


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
        validate=validate.Length(max=7),
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
        required=True, validate=CODE, metadata={"description": "leaf category code"}
    )
    urgency = fields.String(load_default="normal", validate=validate.OneOf(URGENCIES))
    title = fields.String(validate=validate.Length(1, 200), load_default=None)
    content = fields.String(required=True, validate=validate.Length(1, 10000))
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
    category_code = fields.String()
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


class OrderRead(Schema):
    reveal = fields.String(
        validate=validate.OneOf(["phone"]),
        load_default=None,
        metadata={"description": "phone: return the unmasked phone (audited)"},
    )


class TimelineEntry(Schema):
    seq = fields.Integer()
    occurred_at = fields.DateTime()
    actor = fields.String()
    action = fields.String()
    data = fields.Dict()


# -- action bodies -------------------------------------------------------------------------------
REASON = fields.String(required=True, validate=validate.Length(1, 2000))


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


class CloseIn(Schema):
    resolution = fields.String(required=True, validate=validate.Length(1, 10000))


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


ACTION_BODIES: dict[str, type[Schema]] = {
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
