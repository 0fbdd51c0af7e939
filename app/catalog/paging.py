"""Page a SQLAlchemy select for ``@blp.paginate()`` (page, page_size: docs/architecture.md §3)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select

from tenants.db import db


def page_of(stmt: Select, pagination_parameters: Any) -> list:
    """Set the total for the ``X-Pagination`` header and return the requested page's rows."""
    total = select(func.count()).select_from(stmt.order_by(None).subquery())
    pagination_parameters.item_count = db.session.scalar(total)
    offset = pagination_parameters.first_item
    return list(db.session.scalars(stmt.offset(offset).limit(pagination_parameters.page_size)))
