"""The desk's triage queue (分拣) ``/desk/<tenant>/triage``: channel orders without a category.

Same rows and suggestions as ``GET /api/v1/tenants/{tenant}/triage`` (``app.triage.service``);
each suggestion is a one-click classify form posting to the order page's action route, so the
API's rules (422 on a major category, 412 on a stale version) apply unchanged.
"""

from __future__ import annotations

from flask import Blueprint, g, render_template

from app import paging
from app.auth.policy import require
from app.triage import service as triage

from .i18n import local_time
from .lists import Pager, parse_args
from .names import category_choices

T = "/<string:tenant>"


def queue():
    principal = g.web_principal
    require(principal, "orders.classify")
    args = parse_args()
    window = paging.Window(args["page"], args["page_size"])
    rows = paging.page(triage.queue(principal), window)
    items = [{**triage.item(o), "received": local_time(o.created_at)} for o in rows]
    pager = Pager(window.page, window.page_size, window.item_count or 0)
    return render_template("desk/triage.html", items=items, pager=pager, majors=category_choices())


def register(blp: Blueprint) -> None:
    blp.add_url_rule(T + "/triage", "triage", queue, methods=["GET"])
