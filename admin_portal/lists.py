"""Order lists of the web areas: validated filters, the domain's work lists, pagination.

Filters are parsed by a schema (bad input is a 400 page, never a 5xx); the rows come from
``app.orders.worklists`` over the orders query and its one pagination helper.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil
from typing import Any

from flask import request, url_for
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from app import paging
from app.auth.principal import Principal
from app.errors import DomainError
from app.orders import worklists
from app.orders.schemas import CODE
from app.orders.views import present
from app.orders.workflow import STATES

PAGE_SIZES = (20, 50, 100)


class ListArgs(Schema):
    class Meta:
        unknown = EXCLUDE  # htmx and links may add harmless parameters

    page = fields.Integer(load_default=1, validate=validate.Range(1, 100_000))
    page_size = fields.Integer(load_default=50, validate=validate.OneOf(PAGE_SIZES))
    status = fields.String(load_default=None, validate=validate.OneOf(STATES))
    category_code = fields.String(load_default=None, validate=CODE)
    district_code = fields.String(load_default=None, validate=CODE)
    number = fields.String(load_default=None, validate=validate.Length(max=40))


def parse_args() -> dict[str, Any]:
    raw = {k: v for k, v in request.args.items() if v != ""}
    try:
        return ListArgs().load(raw)
    except ValidationError as exc:
        raise DomainError("invalid filter: " + ", ".join(sorted(exc.messages)), status=400) from exc


@dataclass
class Pager:
    page: int
    page_size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.page_size))

    def url(self, page: int) -> str:
        args = request.args.to_dict(flat=True)
        args["page"] = str(max(1, min(page, self.pages)))
        return url_for(request.endpoint, **(request.view_args or {}), **args)

    def window(self) -> list[int | None]:
        """Page numbers around the current one, with gaps as None: 1 … 4 5 [6] 7 8 … 20."""
        keep = {1, self.pages, *range(self.page - 2, self.page + 3)}
        out: list[int | None] = []
        for n in sorted(p for p in keep if 1 <= p <= self.pages):
            if out and n - (out[-1] or 0) > 1:
                out.append(None)
            out.append(n)
        return out


DONE = ("closed", "merged", "transferred")


def table_rows(rows: list[dict[str, Any]], order_endpoint: str, list_name: str) -> list[dict[str, Any]]:
    """What each cell of an order table shows, computed here once: a page of 50 orders would
    otherwise make the template call some 500 helpers."""
    from flask_babel import get_locale

    from .i18n import countdown, local_time, resolved, status_tag
    from .names import reference_names

    labels, names = resolved(str(get_locale() or "zh")), reference_names()
    prefix = url_for(order_endpoint, order_id=0)[:-1]
    out = []
    for o in rows:
        to_sign = o["status"] == "dispatched" and list_name == "to_sign"
        out.append(
            {
                "id": o["id"],
                "number": o["number"],
                "url": f"{prefix}{o['id']}",
                "title": o["title"],
                "urgency": o["urgency"],
                "urgency_label": labels["URGENCY"].get(o["urgency"], o["urgency"]),
                "appeal_type": labels["APPEAL_TYPE"].get(o["appeal_type"], o["appeal_type"]),
                "category": names["category"].get(o["category_code"], o["category_code"] or "—"),
                "district": names["district"].get(o["district_code"], o["district_code"] or "—"),
                "status": status_tag(o["status"]),
                "extension_pending": o["extension_pending"],
                "lead": names["department"].get(o["lead_department"], o["lead_department"] or "—"),
                "created": local_time(o["created_at"]),
                "deadline": countdown(o["accept_due_at"])
                if to_sign
                else countdown(o["due_at"], o["overdue"], o["status"] in DONE),
            }
        )
    return out


def order_page(
    principal: Principal, lists: dict, name: str, args: dict[str, Any]
) -> tuple[list[dict[str, Any]], Pager]:
    """One page of a named work list, each order as the API presents it to this caller."""
    filters = {k: args[k] for k in ("category_code", "district_code", "number") if args.get(k)}
    if args.get("status"):
        filters["status"] = [args["status"]]
    stmt = worklists.work_list(principal, lists, name, filters)
    window = paging.Window(args["page"], args["page_size"])
    rows = paging.page(stmt, window)
    return [present(o, principal) for o in rows], Pager(window.page, window.page_size, window.item_count or 0)


def order_list(principal: Principal, lists: dict, name: str, order_endpoint: str) -> dict[str, Any]:
    """The context of a list page: validated filters, the page of rows, the pager."""
    args = parse_args()
    rows, pager = order_page(principal, lists, name, args)
    return {"rows": table_rows(rows, order_endpoint, name), "pager": pager, "args": args, "list_name": name}
