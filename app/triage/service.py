"""The desk's triage queue: channel orders still without a category, with suggestions from the text."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select

from ..auth.principal import Principal
from ..auth.scope import restrict
from ..catalog import service as catalog
from ..orders.models import Order
from . import model


def queue(principal: Principal) -> Select:
    """Received orders without a category, oldest first (served by ``ix_orders_triage``)."""
    stmt = restrict(principal, "orders.classify")
    return stmt.where(Order.status == "received", Order.category_code.is_(None)).order_by(
        Order.created_at, Order.id
    )


def suggestions(text: str, k: int = 3) -> list[dict[str, Any]]:
    """Suggested leaf categories of this city (retired codes dropped), best first."""
    out = []
    for s in model.suggest(text, k + 2):
        category = catalog.get_category(s.category_code)
        if category is not None and category.is_leaf:
            out.append({"category_code": s.category_code, "name": category.name, "score": s.score})
    return out[:k]


def item(order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "number": order.number,
        "channel": order.channel,
        "appeal_type": order.appeal_type,
        "title": order.title,
        "content": order.content,
        "caller_needs": list(order.caller_needs or []),
        "created_at": order.created_at,
        "version": order.version,
        "suggestions": suggestions(f"{order.title} {order.content}"),
    }
