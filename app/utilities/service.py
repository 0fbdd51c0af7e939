"""External departments (utilities): their endpoints, and what the platform tells them.

A department with an active endpoint is reached over signed messages instead of (or beside) its
users' web: every change that concerns its assignment (a dispatch to it, a return or reply sent
back, a closure, a supervision) is published on the outbox in the order's transaction, one line
per department (``utility:<code>``), so the utility receives its messages in order, at least
once, with the outbox key as the message id it dedupes on. Delivery is the adapter's
(integrations/utilities); what the utility answers comes in through ``inbound``.
See docs/integrations.md, "Utilities".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from tenants import current_tenant, db

from ..catalog import service as catalog
from ..catalog.models import Department
from ..errors import NotFound
from ..memo import forget, memo
from ..orders.events import OrderChanged
from ..orders.models import Assignment, Order
from ..outbox.service import publish
from ..pii import PhoneVault
from ..pii.redact import mask_name, mask_text
from .models import UtilityEndpoint

TOPIC = "utility.message"  # outbox topic: a signed message to an external department
MEMO_SCOPE = "utilities"
_PURPOSE = b"utility-endpoint-secret"

# order action -> the message type the utility receives (docs/integrations.md, "Utilities")
NOTICES: dict[str, str] = {
    "dispatch": "order.dispatched",
    "reject-return": "order.return_rejected",
    "reject-reply": "order.reply_rejected",
    "approve-extension": "order.extension_approved",
    "reject-extension": "order.extension_rejected",
    "supervise": "order.supervised",
    "close": "order.closed",
}


@dataclass(frozen=True)
class Endpoint:
    department_code: str
    url: str
    secrets: tuple[str, ...]  # the current one first; the previous one still verifies inbound
    active: bool


# -- configuration ------------------------------------------------------------------------------
def configure(code: str, changes: Mapping[str, Any], actor: str) -> UtilityEndpoint:
    """Create or change a department's endpoint; a new secret keeps the old one valid inbound."""
    department = catalog.get_department(code)
    if department is None:
        raise NotFound(f"unknown department {code!r}")
    vault = PhoneVault.from_app()
    row = db.session.get(UtilityEndpoint, code, with_for_update=True)
    if row is None:
        if not changes.get("url") or not changes.get("secret"):
            raise catalog.invalid("secret", "a new endpoint needs both url and secret")
        row = UtilityEndpoint(department_code=code, url=changes["url"], secret_enc=b"")
        db.session.add(row)
    elif changes.get("secret"):
        row.previous_secret_enc = row.secret_enc if changes.get("keep_previous", True) else None
    if changes.get("url"):
        row.url = changes["url"]
    if changes.get("secret"):
        row.secret_enc = vault.seal(changes["secret"], _PURPOSE)
    if changes.get("active") is not None:
        row.active = changes["active"]
    row.updated_by = actor
    db.session.flush()
    forget(MEMO_SCOPE)
    return row


def listing() -> list[dict[str, Any]]:
    """Every configured endpoint with its department (secrets never leave)."""
    rows = db.session.execute(
        select(UtilityEndpoint, Department)
        .join(Department, Department.code == UtilityEndpoint.department_code)
        .order_by(Department.sort_order, Department.code)
    ).all()
    return [describe(e, d) for e, d in rows]


def describe(row: UtilityEndpoint, department: Department | None = None) -> dict[str, Any]:
    department = department or db.session.get(Department, row.department_code)
    return {
        "department_code": row.department_code,
        "department_name": department.name if department else None,
        "kind": department.kind if department else None,
        "url": row.url,
        "active": row.active,
        "rotating": row.previous_secret_enc is not None,
        "inbound_url": inbound_path(current_tenant().slug),
        "sender": sender_name(row.department_code),
        "updated_by": row.updated_by,
        "updated_at": row.updated_at,
    }


def endpoint(code: str) -> Endpoint | None:
    """The department's endpoint with its secrets opened (for signing and verifying), or None."""
    row = db.session.get(UtilityEndpoint, code)
    if row is None:
        return None
    vault = PhoneVault.from_app()
    secrets = [vault.unseal(row.secret_enc, _PURPOSE)]
    if row.previous_secret_enc:
        secrets.append(vault.unseal(row.previous_secret_enc, _PURPOSE))
    return Endpoint(row.department_code, row.url, tuple(secrets), row.active)


def external_codes() -> frozenset[str]:
    """Departments of the bound city with an active endpoint (memoized a few seconds)."""

    def load() -> frozenset[str]:
        stmt = select(UtilityEndpoint.department_code).where(UtilityEndpoint.active.is_(True))
        return frozenset(db.session.scalars(stmt))

    return memo(MEMO_SCOPE, "external", load)


def inbound_path(slug: str) -> str:
    return f"/api/v1/integrations/utilities/{slug}/messages"


def sender_name(code: str, slug: str | None = None) -> str:
    """How a utility names itself in ``X-Hotline-Sender``: ``<department>@<city>``."""
    return f"{code}@{slug or current_tenant().slug}"


# -- outbound: the order observer -----------------------------------------------------------------
def observe_order(event: OrderChanged) -> None:
    """Publish a message to each external department the change concerns (same transaction)."""
    kind = NOTICES.get(event.action)
    if kind is None:
        return
    external = external_codes()
    if not external:
        return
    order = event.order
    if event.action == "dispatch":
        targets = [(a.department_code, a.role) for a in event.added_of(Assignment)]
    else:
        targets = [(a.department_code, a.role) for a in order.assignments if a.active and a.role == "lead"]
    for code, role in targets:
        if code not in external:
            continue
        publish(
            TOPIC,
            {
                "type": kind,
                "tenant": current_tenant().slug,
                "department": code,
                "role": role,
                "order_id": order.id,
                "order": order_document(order),
                "note": _note(event),
            },
            key=f"utility:{order.number}:v{order.version}:{code}",
            destination=f"utility:{code}",
        )


def _note(event: OrderChanged) -> str | None:
    d = event.details
    value = d.get("note") or d.get("reason") or d.get("resolution")
    if event.action == "close":
        value = event.order.resolution
    return value if isinstance(value, str) else None


def order_document(order: Order) -> dict[str, Any]:
    """What an external department sees of an order: a handler's view with the caller masked."""
    caller = None
    if not order.confidential:  # departments never learn who a confidential caller is
        caller = {
            "name": mask_name(order.caller_name) if order.caller_name else None,
            "phone": order.caller_phone_masked,
        }
    return {
        "id": order.id,
        "number": order.number,
        "status": order.status,
        "appeal_type": order.appeal_type,
        "category_code": order.category_code,
        "urgency": order.urgency,
        "title": mask_text(order.title),
        "content": mask_text(order.content),  # a mobile number in the citizen's text, too
        "address": order.address,
        "district_code": order.district_code,
        "location": {"lat": order.lat, "lng": order.lng} if order.lat is not None else None,
        "caller": caller,
        "created_at": _iso(order.created_at),
        "accept_due_at": _iso(order.accept_due_at),
        "return_due_at": _iso(order.return_due_at),
        "due_at": _iso(order.due_at),
        "version": order.version,
    }


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None
