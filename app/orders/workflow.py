"""The order lifecycle (docs/architecture.md §4) as data: states, actions, who, from where, to where.

Pure: no database, no Flask. The service applies it; the API documents it.
"""

from __future__ import annotations

from dataclasses import dataclass

# 受理, 派单(待签收), 办理中, 已答复(待审核), 办结, 退单, 重办, 转办/移交, 并单
STATES = (
    "received",
    "dispatched",
    "in_progress",
    "replied",
    "closed",
    "returned",
    "reopened",
    "transferred",
    "merged",
)
TERMINAL_STATES = ("closed", "transferred", "merged")
OPEN_STATES = tuple(s for s in STATES if s not in TERMINAL_STATES)

CHANNELS = ("phone", "sms", "mailbox", "web", "app", "miniprogram", "wechat", "110", "119", "120", "122")
APPEAL_TYPES = ("consultation", "help", "complaint", "report", "suggestion", "praise")
URGENCIES = ("normal", "urgent", "emergency")
REPLY_OUTCOMES = ("resolved", "explained", "unresolved")
SATISFACTION = ("satisfied", "basically_satisfied", "dissatisfied")
EMERGENCY_TARGETS = ("110", "119", "120", "122")


@dataclass(frozen=True)
class Action:
    name: str
    permission: str  # app/auth/policy.py MATRIX key
    from_states: tuple[str, ...]
    to_state: str | None  # None: state unchanged (recorded on the order or an assignment)
    summary: str
    department_scoped: bool = False  # handler actions: the caller's department must be assigned


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        Action(
            "dispatch",
            "orders.dispatch",
            ("received", "returned", "reopened"),
            "dispatched",
            "Dispatch to a lead department and assisting departments (派单).",
        ),
        Action(
            "classify",
            "orders.classify",
            ("received", "returned", "reopened"),
            None,
            "Set or correct the leaf category (分拣), e.g. from the triage queue's suggestion.",
        ),
        Action(
            "accept",
            "orders.handle",
            ("dispatched", "in_progress"),
            None,
            "Sign for an assignment (签收); the lead's sign-for starts handling.",
            True,
        ),
        Action(
            "assist-reply",
            "orders.handle",
            ("in_progress",),
            None,
            "An assisting department's reply (协办答复), seen by the lead.",
            True,
        ),
        Action(
            "return",
            "orders.handle",
            ("dispatched", "in_progress"),
            "returned",
            "The lead department returns a misassigned order (退单) with a reason.",
            True,
        ),
        Action(
            "reject-return",
            "orders.review",
            ("returned",),
            "dispatched",
            "The dispatcher refuses the return; the same lead must sign again.",
        ),
        Action(
            "request-extension",
            "orders.handle",
            ("in_progress",),
            None,
            "The lead asks for more working days (延期申请) before the deadline.",
            True,
        ),
        Action(
            "approve-extension",
            "orders.review",
            ("in_progress",),
            None,
            "Approve the pending extension: the deadline moves.",
        ),
        Action(
            "reject-extension",
            "orders.review",
            ("in_progress",),
            None,
            "Reject the pending extension: the deadline stays.",
        ),
        Action(
            "reply",
            "orders.handle",
            ("in_progress",),
            "replied",
            "The lead department replies with the outcome (答复).",
            True,
        ),
        Action(
            "reject-reply",
            "orders.review",
            ("replied",),
            "in_progress",
            "The dispatcher sends the reply back (审核不通过).",
        ),
        Action(
            "close",
            "orders.close",
            ("received", "replied"),
            "closed",
            "Close (办结); from received this is direct closure (直接办结).",
        ),
        Action(
            "callback",
            "orders.callback",
            ("closed",),
            None,
            "Record the callback (回访): satisfaction and whether it was solved.",
        ),
        Action("reopen", "orders.reopen", ("closed",), "reopened", "Reopen an unsolved order (重办)."),
        Action("supervise", "orders.supervise", OPEN_STATES, None, "Supervise (督办) with a note."),
        Action(
            "merge",
            "orders.review",
            ("received", "dispatched"),
            "merged",
            "Merge a duplicate into another open order (并单).",
        ),
        Action(
            "transfer",
            "orders.transfer",
            ("received", "returned"),
            "transferred",
            "Transfer to another city of the province (跨市转办).",
        ),
        Action(
            "escalate",
            "orders.escalate",
            ("received", "dispatched", "in_progress"),
            "transferred",
            "Hand over to the 110/119/120/122 emergency platform (紧急移交).",
        ),
    )
}


class WrongState(Exception):
    def __init__(self, action: str, state: str, allowed: tuple[str, ...]):
        super().__init__(f"cannot {action} an order that is {state} (allowed from: {', '.join(allowed)})")


def check_state(action: Action, state: str) -> None:
    if state not in action.from_states:
        raise WrongState(action.name, state, action.from_states)
