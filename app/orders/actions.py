"""Every order action (docs/architecture.md §4): checks in order (role 403, existence 404, department 403,
version 412, state 409, then the action's own rules), one audit entry per change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from tenants import db

from ..audit import service as audit
from ..auth.policy import allowed
from ..auth.principal import Principal
from ..errors import Conflict, DomainError, Forbidden
from . import references
from .events import OrderChanged, changed, notify, snapshot
from .models import Assignment, ExtensionRequest, Order, Supervision
from .service import actor_of, load_for_action, now
from .workflow import ACTIONS, Action, WrongState, check_state

Handler = Callable[["Ctx"], None]
_handlers: dict[str, Handler] = {}


class Ctx:
    """What an action handler works with."""

    def __init__(self, principal: Principal, order: Order, action: Action, body: dict[str, Any]):
        self.principal, self.order, self.action, self.body = principal, order, action, body
        self.at = now()
        self.audit_data: dict[str, Any] = {}
        self.added: list[Any] = []  # rows created beside the order (carried by the event)

    def add(self, row: Any) -> Any:
        db.session.add(row)
        self.added.append(row)
        return row

    def my_assignment(self, *, roles=("lead", "assist")) -> Assignment:
        dept = self.principal.department
        for a in self.order.assignments:
            if a.active and a.department_code == dept and a.role in roles:
                return a
        what = "the lead department" if roles == ("lead",) else "assigned"
        raise Forbidden(f"your department ({dept or 'none'}) is not {what} on this order")

    def lead(self) -> Assignment | None:
        return next((a for a in self.order.assignments if a.active and a.role == "lead"), None)


def handles(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _handlers[name] = fn
        return fn

    return register


def perform(
    principal: Principal,
    order_id: int,
    name: str,
    body: dict[str, Any],
    if_match: int | None = None,
    *,
    via: dict[str, Any] | None = None,
) -> OrderChanged:
    """Run action ``name`` on an order; returns the change (observers have seen it already).

    The action's permission and row scope come from one call (``restrict``): a department-scoped
    action reaches only orders on which the caller's department holds an active assignment.
    ``via`` is recorded with the change when it came from another system (a utility's message id).
    """
    action = ACTIONS[name]
    order = load_for_action(
        principal,
        order_id,
        if_match,
        permission=action.permission,
        department_scoped=action.department_scoped,
    )
    try:
        check_state(action, order.status)
    except WrongState as exc:
        raise Conflict(str(exc)) from exc
    ctx = Ctx(principal, order, action, body)
    ctx.audit_data.update(via or {})
    before = snapshot(order)
    _handlers[name](ctx)
    if action.to_state:
        order.status = action.to_state
    order.version += 1
    order.updated_at = ctx.at
    audit.record(
        f"order.{name}",
        actor=actor_of(principal),
        order=order,
        **{"from": before["status"], "to": order.status},
        **ctx.audit_data,
    )
    event = changed(order, name, before, details=ctx.audit_data, added=tuple(ctx.added))
    notify(event)
    return event


# -- triage, dispatch and sign-for ---------------------------------------------------------


@handles("classify")
def _classify(ctx: Ctx) -> None:
    code = ctx.body["category_code"]
    references.check_category(code)
    ctx.audit_data.update(category=code, previous=ctx.order.category_code)
    ctx.order.category_code = code


@handles("dispatch")
def _dispatch(ctx: Ctx) -> None:
    if not ctx.order.category_code:
        raise Conflict("classify this order first (POST .../classify): dispatch needs a leaf category")
    lead = ctx.body["lead_department"]
    assists = list(dict.fromkeys(d for d in ctx.body.get("assist_departments") or [] if d != lead))
    references.check_departments([lead, *assists])
    o = ctx.order
    for a in o.assignments:
        if a.active:
            a.active = False
            if a.status in ("pending", "accepted"):
                a.status = "cancelled"
    accept_due = references.deadlines(ctx.at, o.appeal_type, o.urgency).accept_due_at
    for code, role in [(lead, "lead"), *((c, "assist") for c in assists)]:
        assignment = Assignment(
            department_code=code,
            role=role,
            status="pending",
            dispatched_at=ctx.at,
            accept_due_at=accept_due,
            note=ctx.body.get("note"),
        )
        o.assignments.append(assignment)
        ctx.added.append(assignment)
    if o.status == "reopened":  # a new handling cycle gets a new time limit
        d = references.deadlines(ctx.at, o.appeal_type, o.urgency)
        o.due_at, o.warn_at, o.overdue_at, o.warned_at = d.due_at, d.warn_at, None, None
    o.lead_department = lead
    o.dispatched_at = ctx.at
    o.accept_due_at = accept_due
    o.return_due_at = references.return_due(ctx.at, o.appeal_type, o.urgency)
    ctx.audit_data.update(lead=lead, assists=assists, note=ctx.body.get("note"))


@handles("accept")
def _accept(ctx: Ctx) -> None:
    mine = ctx.my_assignment()
    if mine.status != "pending":
        raise Conflict(f"your department already signed for this order ({mine.status})")
    if mine.role == "lead" and ctx.order.status != "dispatched":
        raise Conflict("the lead department signs for a dispatched order only")
    mine.status, mine.accepted_at = "accepted", ctx.at
    if mine.role == "lead":
        ctx.order.accepted_at = ctx.at
        ctx.order.status = "in_progress"
    ctx.audit_data.update(department=mine.department_code, role=mine.role)


@handles("assist-reply")
def _assist_reply(ctx: Ctx) -> None:
    mine = ctx.my_assignment(roles=("assist",))
    if mine.status != "accepted":
        raise Conflict(
            "sign for the assignment before replying" if mine.status == "pending" else "already replied"
        )
    mine.status, mine.replied_at, mine.reply_content = "replied", ctx.at, ctx.body["content"]
    ctx.audit_data.update(department=mine.department_code)


@handles("return")
def _return(ctx: Ctx) -> None:
    mine = ctx.my_assignment(roles=("lead",))
    o = ctx.order
    if o.return_due_at is not None and ctx.at > o.return_due_at:
        raise Conflict("the return period has passed; ask the dispatcher to re-dispatch instead")
    mine.status, mine.returned_reason = "returned", ctx.body["reason"]
    o.return_count += 1
    ctx.audit_data.update(department=mine.department_code, reason=ctx.body["reason"])


@handles("reject-return")
def _reject_return(ctx: Ctx) -> None:
    lead = next((a for a in ctx.order.assignments if a.active and a.role == "lead"), None)
    if lead is None:
        raise Conflict("the order has no lead department to send it back to")
    lead.status, lead.accepted_at, lead.returned_reason = "pending", None, None
    lead.dispatched_at = ctx.at
    lead.accept_due_at = references.deadlines(ctx.at, ctx.order.appeal_type, ctx.order.urgency).accept_due_at
    ctx.order.accept_due_at = lead.accept_due_at
    ctx.audit_data.update(reason=ctx.body["reason"], lead=lead.department_code)


# -- extensions, reply, review ---------------------------------------------------------------


def _pending_extension(order: Order) -> ExtensionRequest | None:
    return db.session.scalars(
        select(ExtensionRequest).where(
            ExtensionRequest.order_id == order.id, ExtensionRequest.status == "pending"
        )
    ).first()


@handles("request-extension")
def _request_extension(ctx: Ctx) -> None:
    mine = ctx.my_assignment(roles=("lead",))
    o = ctx.order
    if o.extension_pending:
        raise Conflict("an extension request is already pending")
    if o.due_at is not None and ctx.at >= o.due_at:
        raise Conflict("extensions must be requested before the deadline")
    days = ctx.body["working_days"]
    limit = references.extension_max(o.created_at, o.appeal_type, o.urgency)
    if days > limit:
        raise DomainError(
            f"at most {limit} working days may be requested",
            status=422,
            errors={"json": {"working_days": [f"at most {limit}"]}},
        )
    ctx.add(
        ExtensionRequest(
            order_id=o.id,
            department_code=mine.department_code,
            working_days=days,
            reason=ctx.body["reason"],
            status="pending",
            requested_by=ctx.principal.username,
            requested_at=ctx.at,
            old_due_at=o.due_at,
        )
    )
    o.extension_pending = True
    ctx.audit_data.update(working_days=days, reason=ctx.body["reason"])


def _decide_extension(ctx: Ctx, approve: bool) -> None:
    request = _pending_extension(ctx.order)
    if request is None or not ctx.order.extension_pending:
        raise Conflict("there is no pending extension request")
    request.status = "approved" if approve else "rejected"
    request.decided_by, request.decided_at, request.note = (
        ctx.principal.username,
        ctx.at,
        ctx.body.get("note"),
    )
    if approve and ctx.order.due_at is not None:
        o = ctx.order
        request.new_due_at = references.extension(o.due_at, request.working_days)
        shift = request.new_due_at - o.due_at
        o.due_at = request.new_due_at
        o.warn_at = o.warn_at + shift if o.warn_at else None
        o.overdue_at, o.warned_at = None, None
    ctx.order.extension_pending = False
    ctx.audit_data.update(
        request=request.id,
        working_days=request.working_days,
        note=request.note,
        due_at=ctx.order.due_at.isoformat() if ctx.order.due_at else None,
    )


@handles("approve-extension")
def _approve_extension(ctx: Ctx) -> None:
    _decide_extension(ctx, True)


@handles("reject-extension")
def _reject_extension(ctx: Ctx) -> None:
    _decide_extension(ctx, False)


@handles("reply")
def _reply(ctx: Ctx) -> None:
    mine = ctx.my_assignment(roles=("lead",))
    if mine.status != "accepted":
        raise Conflict("sign for the order before replying")
    o = ctx.order
    mine.status, mine.replied_at, mine.reply_content = "replied", ctx.at, ctx.body["content"]
    o.reply_content, o.reply_outcome, o.replied_at = ctx.body["content"], ctx.body["outcome"], ctx.at
    ctx.audit_data.update(outcome=ctx.body["outcome"], department=mine.department_code)


@handles("reject-reply")
def _reject_reply(ctx: Ctx) -> None:
    lead = ctx.lead()
    if lead is not None:
        lead.status = "accepted"
    ctx.order.reply_outcome = None
    ctx.audit_data.update(reason=ctx.body["reason"])


# -- closing the loop --------------------------------------------------------------------------


@handles("close")
def _close(ctx: Ctx) -> None:
    o = ctx.order
    o.direct_closure = o.status == "received"
    o.resolution, o.closed_at = ctx.body["resolution"], ctx.at
    o.satisfaction, o.resolved, o.callback_at = None, None, None
    ctx.audit_data.update(direct=o.direct_closure)
    if ctx.body.get("kb_article"):  # the article the answer came from (docs/knowledge.md)
        from ..knowledge.feedback import cite

        ctx.audit_data["kb_article"] = cite(ctx.principal, order_id=o.id, **ctx.body["kb_article"])


@handles("callback")
def _callback(ctx: Ctx) -> None:
    o = ctx.order
    if o.callback_at is not None:
        raise Conflict("this closure already has a callback; reopen the order if it was not solved")
    o.satisfaction, o.resolved, o.callback_at = ctx.body["satisfaction"], ctx.body["resolved"], ctx.at
    ctx.audit_data.update(satisfaction=o.satisfaction, resolved=o.resolved, note=ctx.body.get("note"))


@handles("reopen")
def _reopen(ctx: Ctx) -> None:
    o = ctx.order
    o.reopen_count += 1
    o.closed_at = None
    ctx.audit_data.update(reason=ctx.body["reason"], reopen_count=o.reopen_count)


@handles("supervise")
def _supervise(ctx: Ctx) -> None:
    level = "province" if allowed(ctx.principal, "province.supervise") else "city"
    record = Supervision(
        order_id=ctx.order.id,
        level=level,
        reason="manual",
        note=ctx.body["note"],
        response_due_at=ctx.body.get("response_due_at"),
        created_by=ctx.principal.username,
        created_at=ctx.at,
    )
    ctx.add(record)
    ctx.audit_data.update(level=level, note=ctx.body["note"])


# merge, transfer and escalate (an order leaving this city's queue) register from their own module
from . import handover  # noqa: E402, F401
