"""What the orders domain needs from reference data and time limits, in one seam.

Catalog and SLA rules live in their own domains; this module is the only place orders
reach them, so a rule change there never needs a change scattered over order code.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..catalog import service as catalog
from ..errors import DomainError
from ..memo import memo
from ..sla import service as sla


class UnknownReference(DomainError):
    status = 422


CATALOG_SCOPE = catalog.MEMO_SCOPE  # catalog.changed() drops it after every edit


def _leaf_category(code: str) -> bool:
    def load() -> bool:
        category = catalog.get_category(code)
        return category is not None and category.is_leaf

    return memo(CATALOG_SCOPE, ("category", code), load)


def _district(code: str) -> bool:
    return memo(CATALOG_SCOPE, ("district", code), lambda: catalog.get_district(code) is not None)


def _department(code: str) -> bool:
    return memo(CATALOG_SCOPE, ("department", code), lambda: catalog.get_department(code) is not None)


def check_category(code: str) -> None:
    if not _leaf_category(code):
        raise UnknownReference(
            f"unknown or inactive category {code!r}: classify orders on a leaf (minor) category",
            errors={"json": {"category_code": ["unknown category"]}},
        )


def check_intake(body: dict[str, Any]) -> None:
    if body.get("category_code") is None:
        if body["channel"] == "phone":  # the agent classifies while on the call
            raise UnknownReference(
                "phone intake needs a category; only channel orders may wait in triage",
                errors={"json": {"category_code": ["required for the phone channel"]}},
            )
    elif not _leaf_category(body["category_code"]):
        raise UnknownReference(
            f"unknown or inactive category {body['category_code']!r}: file orders on a leaf (minor) category",
            errors={"json": {"category_code": ["unknown category"]}},
        )
    district = body.get("district_code")
    if district and not _district(district):
        raise UnknownReference(
            f"unknown district {district!r} in this city",
            errors={"json": {"district_code": ["unknown district"]}},
        )


def check_departments(codes: list[str]) -> None:
    unknown = [c for c in codes if not _department(c)]
    if unknown:
        raise UnknownReference(
            f"unknown or inactive department(s): {', '.join(unknown)}",
            errors={"json": {"departments": [f"unknown: {', '.join(unknown)}"]}},
        )


def deadlines(received_at: datetime, appeal_type: str, urgency: str):
    return sla.deadlines_for(received_at, appeal_type, urgency)


def return_due(dispatched_at: datetime, appeal_type: str, urgency: str) -> datetime:
    return sla.return_due(dispatched_at, appeal_type, urgency)


def extension(due_at: datetime, working_days: int) -> datetime:
    return sla.extend(due_at, working_days)


def extension_max(received_at: datetime, appeal_type: str, urgency: str) -> int:
    return deadlines(received_at, appeal_type, urgency).extension_max_working_days
