"""What the orders domain needs from reference data and time limits, in one seam.

Catalog and SLA rules live in their own domains; this module is the only place orders
reach them, so a rule change there never needs a change scattered over order code.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..errors import DomainError

LOCAL = ZoneInfo("Asia/Shanghai")


class UnknownReference(DomainError):
    status = 422


def local_date(at: datetime) -> str:
    return at.astimezone(LOCAL).strftime("%Y%m%d")


def check_intake(body: dict[str, Any]) -> None:
    from ..catalog import service as catalog

    category = catalog.get_category(body["category_code"])
    if category is None or not category.is_leaf:
        raise UnknownReference(
            f"unknown or inactive category {body['category_code']!r}: file orders on a leaf (minor) category",
            errors={"json": {"category_code": ["unknown category"]}},
        )
    district = body.get("district_code")
    if district and catalog.get_district(district) is None:
        raise UnknownReference(
            f"unknown district {district!r} in this city", errors={"json": {"district_code": ["unknown district"]}}
        )


def check_departments(codes: list[str]) -> None:
    from ..catalog import service as catalog

    unknown = [c for c in codes if catalog.get_department(c) is None]
    if unknown:
        raise UnknownReference(
            f"unknown or inactive department(s): {', '.join(unknown)}",
            errors={"json": {"departments": [f"unknown: {', '.join(unknown)}"]}},
        )


def deadlines(received_at: datetime, appeal_type: str, urgency: str):
    from ..sla import service as sla

    return sla.deadlines_for(received_at, appeal_type, urgency)


def return_due(dispatched_at: datetime, appeal_type: str, urgency: str) -> datetime:
    from ..sla import service as sla

    return sla.return_due(dispatched_at, appeal_type, urgency)


def extension(due_at: datetime, working_days: int) -> datetime:
    from ..sla import service as sla

    return sla.extend(due_at, working_days)


def extension_max(received_at: datetime, appeal_type: str, urgency: str) -> int:
    return deadlines(received_at, appeal_type, urgency).extension_max_working_days


def suggest_dispatch(category_code: str, district_code: str | None):
    from ..dispatch import service as dispatch

    return dispatch.suggest(category_code, district_code)
