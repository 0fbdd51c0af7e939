"""The city hotline desk ``/desk/<tenant>/`` (城市热线工作台): agents, dispatchers, city supervisors.

Work lists (all orders, to dispatch, due soon, overdue, reviews, callbacks), the intake
form (``intake.py``), the order page (``orderpage.py``) and the knowledge base
(``kb_pages.py`` for readers, ``kb_editor.py`` for the city's editors and reviewers).
"""

from __future__ import annotations

from flask import abort, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from app.auth.policy import allowed
from app.errors import Forbidden
from app.orders import worklists
from tenants import current_tenant_or_none

from . import dashboard, intake, kb_editor, kb_pages, orderpage, triage
from .lists import order_list
from .names import category_choices, district_choices
from .navigation import Group, Link, build
from .web import area_blueprint

blp = area_blueprint("desk", __name__, "/desk", "web.desk")
T = "/<string:tenant>"

LIST_TITLES = {
    "all": _l("All orders"),
    "to_dispatch": _l("To dispatch"),
    "due_soon": _l("Due soon"),
    "overdue": _l("Overdue"),
    "replied": _l("Replies to review"),
    "returned": _l("Returns to review"),
    "extensions": _l("Extension requests"),
    "callback": _l("Awaiting callback"),
    "dissatisfied": _l("Dissatisfied callbacks"),
}
NAV = (
    Group(_l("Supervision"), (Link(_l("City dashboard"), "desk.dashboard", permission="kpis.read"),)),
    Group(
        _l("Intake"),
        (
            Link(_l("New order"), "desk.intake_form", permission="orders.create"),
            Link(_l("Triage"), "desk.triage", permission="orders.classify"),
        ),
    ),
    Group(
        _l("Orders"),
        tuple(
            Link(LIST_TITLES[n], "desk.orders", (("list", n),), "orders.read")
            for n in ("all", "to_dispatch", "due_soon", "overdue")
        ),
    ),
    Group(
        _l("Review"),
        tuple(
            Link(LIST_TITLES[n], "desk.orders", (("list", n),), "orders.review")
            for n in ("replied", "returned", "extensions")
        ),
    ),
    Group(
        _l("Callback"),
        (
            Link(LIST_TITLES["callback"], "desk.orders", (("list", "callback"),), "orders.callback"),
            Link(LIST_TITLES["dissatisfied"], "desk.orders", (("list", "dissatisfied"),), "orders.reopen"),
        ),
    ),
    kb_pages.nav_group("desk", review="kb.review_city"),
)


@blp.before_request
def _knowledge_only():
    """A city kb_editor works in the desk's knowledge pages only (no orders: docs/knowledge.md)."""
    principal = g.get("web_principal")
    endpoint = request.endpoint or ""
    kb_page = endpoint.startswith("desk.kb_") or endpoint in ("desk.home", "desk.city_home")
    if principal is not None and not allowed(principal, "orders.read") and not kb_page:
        raise Forbidden("your role works in the knowledge base only")


@blp.context_processor
def _area():
    principal = g.get("web_principal")
    if principal is None or current_tenant_or_none() is None:
        return {"area_title": _l("City hotline desk")}
    return {
        "area_title": _l("City hotline desk"),
        "nav": build(NAV, principal),
        "alerts_url": url_for("desk.alerts") if allowed(principal, "orders.read") else None,
        "order_endpoint": "desk.order",
    }


@blp.get("/")
def home():
    principal = g.web_principal
    if not principal.tenant:
        raise Forbidden("your account belongs to no city")
    return redirect(url_for(_start(principal), tenant=principal.tenant))


def _start(principal) -> str:
    if allowed(principal, "orders.read"):
        return "desk.orders"
    return "desk.kb_manage" if allowed(principal, "kb.edit") else "desk.kb_search"


@blp.get(T + "/")
def city_home():
    return redirect(url_for(_start(g.web_principal)))


@blp.get(T + "/orders")
def orders():
    name = request.args.get("list", "all")
    if name not in worklists.DESK:
        abort(404)
    context = {
        **order_list(g.web_principal, worklists.DESK, name, "desk.order"),
        "list_title": LIST_TITLES[name],
        "list_titles": LIST_TITLES,
        "list_endpoint": "desk.orders",
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "order-table":
        return render_template("components/order_table.html", **context)
    return render_template(
        "desk/orders.html", **context, majors=category_choices(), districts=district_choices()
    )


@blp.get(T + "/alerts")
def alerts():
    counts = worklists.counts(g.web_principal, worklists.DESK, ("to_dispatch", "due_soon", "overdue"))
    return render_template("components/alerts.html", counts=counts, list_endpoint="desk.orders")


intake.register(blp)
orderpage.register(blp)
dashboard.register(blp)
triage.register(blp)
kb_pages.register(blp, tenant_prefix=T)
kb_editor.register(blp, prefix=T)
