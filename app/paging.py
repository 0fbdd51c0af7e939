"""Pagination, the one way: a select and flask-smorest's ``@blp.paginate()`` parameters in, one page out.

``page`` sets ``item_count`` (the ``X-Pagination`` header) from a count over the same select and
returns the requested page's rows, in the select's own order (docs/architecture.md §3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Select, func, select

from tenants.db import db


class PageRequest(Protocol):
    """What ``@blp.paginate()`` hands a view (flask-smorest's ``PaginationParameters``)."""

    page: int
    page_size: int
    item_count: int | None


@dataclass
class Window:
    """A page request from outside flask-smorest (the web pages): the same fields, filled by ``page``."""

    page: int
    page_size: int
    item_count: int | None = None


def page(stmt: Select, request: PageRequest, *, rows: bool = False) -> list[Any]:
    """The requested page of ``stmt``: ORM objects (or whole rows with ``rows=True``)."""
    request.item_count = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    window = stmt.offset((request.page - 1) * request.page_size).limit(request.page_size)
    result = db.session.execute(window)
    return list(result if rows else result.scalars())
