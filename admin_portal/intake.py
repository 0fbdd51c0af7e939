"""The desk's intake form (受理): the same intake service, schema and rules as the API.

Before saving, the repeat search warns about earlier appeals of the same caller or the same
place and subject (``app.orders.repeats``); a dispatcher can save and merge in one click.
An agent can close a consultation answered on the call at once (直接办结), citing the knowledge
article used from the answer-suggestion panel beside the form (``kb_pages.suggest_panel``). A hidden
idempotency key makes a double submit return the same order, never a second one.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from app.auth.policy import allowed, require
from app.catalog import service as catalog
from app.errors import DomainError
from app.metrics import orders_received
from app.orders import actions
from app.orders.intake import intake
from app.orders.repeats import find_repeats
from app.orders.schemas import NEEDS, CloseIn, OrderCreate
from app.orders.workflow import APPEAL_TYPES, CHANNELS, URGENCIES
from tenants import current_tenant, db

from . import forms, kb_pages

T = "/<string:tenant>"


def _picker_context(major: str | None, selected: str | None) -> dict:
    cats = catalog.list_categories()
    by_code = {c.code: c for c in cats}
    if selected and selected in by_code and by_code[selected].parent_code:
        major = by_code[selected].parent_code
    majors = [c for c in cats if not c.is_leaf]
    minors = [c for c in cats if c.is_leaf and (major is None or c.parent_code == major)]
    return {"majors": majors, "minors": minors, "major": major, "selected": selected, "by_code": by_code}


def _form_context(form: MultiDict, errors: dict | None = None, message: str | None = None) -> dict:
    return {
        "form": form,
        "errors": errors or {},
        "message": message,
        "channels": CHANNELS,
        "appeal_types": APPEAL_TYPES,
        "urgencies": URGENCIES,
        "needs": NEEDS,
        "districts": catalog.list_districts(),
        "idempotency_key": form.get("idempotency_key") or f"web-{uuid.uuid4().hex}",
        "may_merge": allowed(g.web_principal, "orders.review"),
        "may_close": allowed(g.web_principal, "orders.close"),
        "chosen": form.get("kb_cite", ""),  # the suggestion panel's cited article, kept on a 422
        **_picker_context(form.get("major") or None, form.get("category_code") or None),
    }


def intake_form():
    return render_template("desk/intake.html", **_form_context(MultiDict({"channel": "phone"})))


def intake_submit():
    principal = g.web_principal
    form = request.form
    body, errors = forms.load(OrderCreate(), form)
    direct = form.get("action") == "close"
    closing = None
    if direct:
        closing, close_errors = forms.load(CloseIn(), _with_citation(form))
        errors = {**(errors or {}), **(close_errors or {})} or None
    merge_into = form.get("merge_into", type=int)
    if errors:
        return render_template("desk/intake.html", **_form_context(form, errors)), 422
    try:
        order, created, _ = intake(principal, body, form.get("idempotency_key") or None)
        if created and direct:
            actions.perform(principal, order.id, "close", closing)
        if created and merge_into:
            actions.perform(principal, order.id, "merge", {"into": merge_into})
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        if exc.status != 422:
            raise
        return render_template(
            "desk/intake.html", **_form_context(form, forms.errors_of(exc.errors), exc.message)
        ), 422
    if created:
        orders_received().labels(current_tenant().slug, order.channel).inc()
        if direct:
            flash(gettext("Order %(number)s received and closed on the call", number=order.number))
        elif merge_into:
            flash(gettext("Order %(number)s received and merged", number=order.number))
        else:
            flash(gettext("Order %(number)s received", number=order.number))
    return redirect(url_for(".order", order_id=order.id), code=303)


def _with_citation(form) -> MultiDict:
    """The suggestion panel's chosen article (``kb_cite`` = "city:12") as the close body's
    ``kb_article`` (a direct closure cites the article used: docs/knowledge.md)."""
    data = MultiDict(form)
    chosen = kb_pages.parse_cite(form.get("kb_cite"))
    if chosen:
        data["kb_article.scope"], data["kb_article.article_id"] = chosen[0], str(chosen[1])
    return data


def category_picker():
    return render_template(
        "components/category_picker.html",
        errors={},
        **_picker_context(request.args.get("major") or None, request.args.get("category_code") or None),
    )


def category_search():
    """Leaf categories whose name or code matches ``q`` (the picker's search box)."""
    q = (request.args.get("q") or "").strip()[:40]
    matches = []
    if q:
        cats = catalog.list_categories()
        names = {c.code: c.name for c in cats}
        matches = [
            (c, names.get(c.parent_code or "", ""))
            for c in cats
            if c.is_leaf and (q in c.name or c.code.startswith(q) or q.lower() in (c.name_en or "").lower())
        ][:20]
    return render_template("components/category_results.html", matches=matches, q=q)


def repeats():
    """The repeat warning for what is typed so far (POST: the phone stays out of URLs and logs)."""
    form = request.form
    try:
        found = find_repeats(
            g.web_principal,
            phone=form.get("caller.phone") or None,
            district_code=form.get("district_code") or None,
            category_code=form.get("category_code") or None,
            address=(form.get("address") or "").strip() or None,
        )
    except ValidationError:
        found = []
    return render_template(
        "components/repeats.html", repeats=found, may_merge=allowed(g.web_principal, "orders.review")
    )


def _may_take_appeals(view):
    """Every intake view needs ``orders.create`` (city supervisors see the desk, take no calls)."""

    def wrapper(**kwargs):
        require(g.web_principal, "orders.create")
        return view(**kwargs)

    wrapper.__name__ = view.__name__
    return wrapper


def register(blp: Blueprint) -> None:
    for rule, endpoint, view, method in (
        ("/intake", "intake_form", intake_form, "GET"),
        ("/intake", "intake_submit", intake_submit, "POST"),
        ("/intake/categories", "category_picker", category_picker, "GET"),
        ("/intake/category-search", "category_search", category_search, "GET"),
        ("/intake/repeats", "intake_repeats", repeats, "POST"),
        ("/intake/kb-suggest", "intake_kb_suggest", kb_pages.suggest_panel, "POST"),
    ):
        blp.add_url_rule(T + rule, endpoint, _may_take_appeals(view), methods=[method])
