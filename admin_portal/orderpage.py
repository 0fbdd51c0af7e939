"""The order page, shared by the desk and the department web (``register`` on each area).

It shows what the API shows this caller (``present``: masked phone, no confidential
caller for departments), the whole timeline, assignments, supervisions and extension
requests, and a form for each action the user may take now. A POST goes through the API's
body schema and ``actions.perform`` with the form's version as If-Match, so 403, 404, 409
and 412 are the API's; a 422 shows the form again with what to fix.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from app.attachments import service as attachments
from app.audit import service as audit
from app.auth.policy import allowed, require
from app.catalog import service as catalog
from app.dispatch import service as dispatch
from app.errors import DomainError
from app.orders import actions, queries, worklists
from app.orders.schemas import ACTION_BODIES
from app.orders.service import get_visible, reveal_phone
from app.orders.views import present
from app.orders.workflow import ACTIONS, EMERGENCY_TARGETS, REPLY_OUTCOMES, SATISFACTION
from app.province import supervision
from app.province.schemas import AnswerIn
from app.triage import service as triage
from tenants import current_tenant, db
from tenants.provision import list_tenants

from . import forms
from .available import available_actions
from .i18n import ACTION
from .names import category_choices, reference_names

T = "/<string:tenant>"
WITH_ATTACHMENTS = ("reply", "assist-reply")


def _context(order, data: dict, *, errors=None, failed_action=None, form=None) -> dict:
    principal = g.web_principal
    can = available_actions(principal, order)
    context = {
        "order": data,
        "row": order,
        "actions": can,
        "errors": errors or {},
        "failed_action": failed_action,
        "form": form or MultiDict(),
        "timeline": audit.timeline(order.id),
        "supervisions": supervision.for_order(principal, order.id),
        "extensions": worklists.extension_requests(order.id),
        "attachments": attachments.list_for(order.id),
        "names": reference_names(),
        "may_reveal": allowed(principal, "orders.reveal_phone") and data.get("caller") is not None,
        "may_answer": allowed(principal, "supervision.answer"),
        "outcomes": REPLY_OUTCOMES,
        "satisfactions": SATISFACTION,
        "emergency_targets": EMERGENCY_TARGETS,
        "attachment_actions": WITH_ATTACHMENTS,
    }
    if "dispatch" in can:
        context["departments"] = catalog.list_departments()
        context["suggestion"] = (
            dispatch.suggest(order.category_code, order.district_code) if order.category_code else None
        )
    if "classify" in can:
        context["triage_suggestions"] = triage.suggestions(f"{order.title} {order.content}")
        context["category_groups"] = category_choices()
    if "transfer" in can:
        here = current_tenant().slug
        context["cities"] = [t for t in list_tenants() if t["status"] == "active" and t["slug"] != here]
    if order.repeat_of_id:
        context["repeat_of"] = _visible_or_none(order.repeat_of_id)
    return context


def _visible_or_none(order_id: int):
    """The repeated order, if this user may see it (for the one-click merge)."""
    try:
        return get_visible(g.web_principal, order_id)
    except DomainError:
        return None


def order(order_id: int):
    principal = g.web_principal
    row = get_visible(principal, order_id)
    return render_template("order.html", **_context(row, present(row, principal)))


def reveal(order_id: int):
    """Show the caller's full phone (audited, like ``?reveal=phone`` in the API)."""
    principal = g.web_principal
    row = get_visible(principal, order_id)
    data = present(row, principal, phone=reveal_phone(principal, row))
    db.session.commit()  # the reveal's audit entry
    if request.headers.get("HX-Request"):
        return render_template("components/caller.html", order=data, may_reveal=False, revealed=True)
    return render_template("order.html", **_context(row, data), revealed=True)


def _merge_target(form: MultiDict) -> MultiDict:
    """The merge form names the target by its number; the action takes its id."""
    number = (form.get("into_number") or "").strip()
    if not number or form.get("into"):
        return form
    found = db.session.scalars(queries.order_query(g.web_principal, {"number": number}).limit(1)).first()
    out = MultiDict(form)
    out["into"] = str(found.id) if found else "0"
    return out


def _classify_choice(form: MultiDict) -> MultiDict:
    """A suggestion button sends its code as ``category_code``; the "other" list sends its own field."""
    if not form.get("use_other"):
        return form
    out = MultiDict(form)
    out["category_code"] = form.get("other_category", "")
    return out


FORM_TARGETS = {"merge": _merge_target, "classify": _classify_choice}


def act(order_id: int, name: str):
    if name not in ACTIONS:
        abort(404)
    principal = g.web_principal
    form = FORM_TARGETS[name](request.form) if name in FORM_TARGETS else request.form
    body, errors = forms.load(ACTION_BODIES[name](), form)
    uploads = []
    if errors is None and name in WITH_ATTACHMENTS:
        try:
            uploads = attachments.check(request.files.getlist("attachments"))
        except DomainError as exc:
            errors = {"attachments": [exc.message]}
    if errors is None:
        try:
            actions.perform(principal, order_id, name, body, form.get("version", type=int))
            if uploads:
                attachments.attach(principal, order_id, name, uploads)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            if exc.status != 422:
                raise
            errors = forms.errors_of(exc.errors) or {"_": [exc.message]}
    if errors is not None:
        row = get_visible(principal, order_id)
        context = _context(row, present(row, principal), errors=errors, failed_action=name, form=form)
        return render_template("order.html", **context), 422
    flash(gettext("%(action)s: done", action=str(ACTION.get(name, name))))
    if name == "classify" and form.get("return_to") == "triage":
        return _redirect(url_for(".triage"))
    return _after_action(order_id)


def _after_action(order_id: int):
    """Back to the order, or to the list when this user may no longer see it."""
    try:
        get_visible(g.web_principal, order_id)
    except DomainError:
        return _redirect(url_for(".home"))
    return _redirect(url_for(".order", order_id=order_id))


def _redirect(url: str):
    return redirect(url, code=303)  # after a POST: the browser GETs the result


def answer_supervision(order_id: int, supervision_id: int):
    """The city answers a supervision (督办回复) through the API's schema and service."""
    principal = g.web_principal
    require(principal, "supervision.answer")
    body, errors = forms.load(AnswerIn(), request.form)
    if errors:
        row = get_visible(principal, order_id)
        errors = {f"answer-{supervision_id}": errors.get("answer", [])}
        return render_template("order.html", **_context(row, present(row, principal), errors=errors)), 422
    supervision.answer(principal, order_id, supervision_id, body["answer"])
    db.session.commit()
    flash(gettext("Supervision answered"))
    return _redirect(url_for(".order", order_id=order_id))


def download(order_id: int, attachment_id: int):
    get_visible(g.web_principal, order_id)
    row, stream = attachments.open_attachment(order_id, attachment_id)
    resp = send_file(stream, mimetype=row.content_type, as_attachment=True, download_name=row.filename)
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


def register(blp: Blueprint) -> None:
    from .web import allow_uploads

    allow_uploads(f"{blp.name}.act")
    blp.add_url_rule(T + "/orders/<int:order_id>", "order", order, methods=["GET"])
    blp.add_url_rule(T + "/orders/<int:order_id>/reveal", "reveal", reveal, methods=["POST"])
    blp.add_url_rule(T + "/orders/<int:order_id>/act/<string:name>", "act", act, methods=["POST"])
    blp.add_url_rule(
        T + "/orders/<int:order_id>/supervisions/<int:supervision_id>/answer",
        "answer_supervision",
        answer_supervision,
        methods=["POST"],
    )
    blp.add_url_rule(
        T + "/orders/<int:order_id>/attachments/<int:attachment_id>", "download", download, methods=["GET"]
    )
