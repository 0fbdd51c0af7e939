"""Which action forms an order page shows this user: the matrix, the state, the assignment.

Display only: ``actions.perform`` decides again on every POST (403/409/412 as the API),
so a form shown a moment too long still cannot do what the rules refuse.
"""

from __future__ import annotations

from datetime import UTC, datetime

from app.auth.policy import allowed
from app.auth.principal import Principal
from app.orders.models import Assignment, Order
from app.orders.workflow import ACTIONS


def _mine(principal: Principal, order: Order, *roles: str) -> Assignment | None:
    for a in order.assignments:
        if a.active and a.department_code == principal.department and a.role in roles:
            return a
    return None


def _fits(name: str, principal: Principal, order: Order, now: datetime) -> bool:
    lead_or_assist = _mine(principal, order, "lead", "assist")
    lead = _mine(principal, order, "lead")
    assist = _mine(principal, order, "assist")
    before_due = order.due_at is None or now < order.due_at
    rules = {
        "accept": lambda: (
            lead_or_assist is not None
            and lead_or_assist.status == "pending"
            and (lead_or_assist.role == "assist" or order.status == "dispatched")
        ),
        "assist-reply": lambda: assist is not None and assist.status == "accepted",
        "return": lambda: (
            lead is not None
            and lead.status in ("pending", "accepted")
            and (order.return_due_at is None or now <= order.return_due_at)
        ),
        "request-extension": lambda: (
            lead is not None and lead.status == "accepted" and not order.extension_pending and before_due
        ),
        "reply": lambda: lead is not None and lead.status == "accepted",
        "approve-extension": lambda: order.extension_pending,
        "reject-extension": lambda: order.extension_pending,
        "callback": lambda: order.callback_at is None,
    }
    rule = rules.get(name)
    return rule() if rule is not None else True


def available_actions(principal: Principal, order: Order) -> list[str]:
    now = datetime.now(UTC)
    return [
        name
        for name, action in ACTIONS.items()
        if allowed(principal, action.permission)
        and order.status in action.from_states
        and _fits(name, principal, order, now)
    ]
