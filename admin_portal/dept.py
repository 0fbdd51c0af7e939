"""The department web ``/dept/<tenant>/`` (承办单位): handlers of one department.

The inbox holds only orders assigned to the user's department (the orders query's
visibility filter): to sign for, in progress, due soon, overdue, all. Caller phones are
masked and confidential callers hidden exactly as the API presents them to departments.
"""

from __future__ import annotations

from datetime import date

from flask import abort, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from app.catalog.models import Department
from app.errors import Forbidden
from app.knowledge import validity
from app.orders import worklists
from tenants import current_tenant, current_tenant_or_none, db

from . import kb_pages, orderpage
from .lists import order_list
from .names import reference_names
from .navigation import Group, Link, build
from .web import area_blueprint

blp = area_blueprint("dept", __name__, "/dept", "web.dept")
T = "/<string:tenant>"

LIST_TITLES = {
    "to_sign": _l("To sign for"),
    "in_progress": _l("In progress"),
    "due_soon": _l("Due soon"),
    "overdue": _l("Overdue"),
    "all": _l("All of my department"),
}
NAV = (
    Group(
        _l("Inbox"),
        tuple(Link(LIST_TITLES[n], "dept.inbox", (("list", n),)) for n in LIST_TITLES),
    ),
    kb_pages.nav_group("dept"),
    Group(_l("Our knowledge articles"), (Link(_l("Validity"), "dept.kb_validity"),)),
)


@blp.context_processor
def _area():
    principal = g.get("web_principal")
    context = {"area_title": _l("Department web")}
    if principal is not None and current_tenant_or_none() is not None:
        context.update(
            nav=build(NAV, principal, default_list="to_sign"),
            alerts_url=url_for("dept.alerts"),
            order_endpoint="dept.order",
            department_name=reference_names()["department"].get(principal.department or "", ""),
        )
    return context


@blp.get("/")
def home():
    principal = g.web_principal
    if not principal.tenant or not principal.department:
        raise Forbidden("your account belongs to no department")
    return redirect(url_for("dept.inbox", tenant=principal.tenant))


@blp.get(T + "/")
def city_home():
    return redirect(url_for("dept.inbox"))


@blp.get(T + "/inbox")
def inbox():
    name = request.args.get("list", "to_sign")
    if name not in worklists.INBOX:
        abort(404)
    context = {
        **order_list(g.web_principal, worklists.INBOX, name, "dept.order"),
        "list_title": LIST_TITLES[name],
        "list_endpoint": "dept.inbox",
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "order-table":
        return render_template("components/order_table.html", **context)
    return render_template("dept/inbox.html", **context)


@blp.get(T + "/alerts")
def alerts():
    counts = worklists.counts(g.web_principal, worklists.INBOX, ("to_sign", "due_soon", "overdue"))
    return render_template("components/alerts.html", counts=counts, list_endpoint="dept.inbox")


@blp.get(T + "/kb/validity")
def kb_validity():
    """This department's city articles that expired or run out soon (知识到期提醒): the same list
    the daily validity job tells the department about (app/knowledge/validity.py)."""
    principal = g.web_principal
    department = db.session.get(Department, principal.department) if principal.department else None
    if department is None:
        raise Forbidden("your account belongs to no department")
    return render_template(
        "dept/kb_validity.html",
        rows=validity.owned_by(department, date.today()),
        units=sorted(validity.unit_names(department, current_tenant().name)),
        today=date.today(),
        warn_days=validity.WARN_DAYS,
    )


orderpage.register(blp)
kb_pages.register(blp, tenant_prefix=T)
