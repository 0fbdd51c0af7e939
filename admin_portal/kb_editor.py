"""Knowledge pages for editors and reviewers (知识维护与审核): the article list, the editor with
version diffs, the review queue, the workflow buttons and Xinyang import/export.

One set of views serves two levels: the city desk works on the bound city's own articles
(``kb_editor`` of the city writes, ``city_supervisor`` reviews), the provincial portal on the
province base (a ``kb_editor`` without a city writes, ``province_supervisor`` reviews). Every
rule is the knowledge service's (app/knowledge/service.py); these views only translate forms.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app import paging
from app.auth.policy import allowed, require
from app.errors import DomainError, Forbidden
from app.knowledge import feedback, service, validity
from app.knowledge import io as kb_io
from app.knowledge.models import MATERIAL_TYPES, STATES, CityArticle, ProvinceArticle
from app.knowledge.schemas import ArticleInSchema, ArticlePatchSchema
from app.knowledge.taxonomy import TREE
from tenants import db

from . import forms, kb_diff
from .kb_pages import load, template_names
from .lists import Pager
from .web import allow_uploads

WORKFLOW = ("submit", "publish", "reject", "withdraw")
PAGE_SIZE = 30


def _province() -> bool:
    return g.area == "province_portal"


def _model():
    return ProvinceArticle if _province() else CityArticle


def _scope() -> str:
    return "province" if _province() else "city"


def _require_editor() -> None:
    principal = g.web_principal
    require(principal, "kb.edit")
    if bool(principal.tenant) == _province():
        raise Forbidden("city editors write city articles, province editors the province base")


def _require_manager() -> None:
    if not service.manages(g.web_principal, province=_province()):
        raise Forbidden("for the editors and reviewers of this knowledge base")


def manage():
    """Every article of this level by state, newest first (editors and reviewers)."""
    return _listing(request.args.get("state") or None)


def _listing(state: str | None, heading: str | None = None):
    _require_manager()
    model = _model()
    if state is not None and state not in STATES:
        raise DomainError("unknown state", status=400)
    q = (request.args.get("q") or "").strip()[:100]
    stmt = select(model).order_by(model.updated_at.desc(), model.id.desc())
    if state:
        stmt = stmt.where(model.state == state)
    if q:
        stmt = stmt.where(model.title.contains(q, autoescape=True))
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 100_000))
    window = paging.Window(page, PAGE_SIZE)
    rows = paging.page(stmt, window)
    return render_template(
        "kb/manage.html",
        rows=rows,
        pager=Pager(window.page, window.page_size, window.item_count or 0),
        state=state,
        q=q,
        scope=_scope(),
        may_edit=_may_edit(),
        heading=heading,
        expiring=validity.expiring_count(model, date.today()) if heading is None else 0,
        warn_days=validity.WARN_DAYS,
    )


def review_queue():
    """Articles waiting for this reviewer (待审核)."""
    principal = g.web_principal
    if not service.may_review(principal, province=_province()):
        raise Forbidden("for the reviewers of this knowledge base")
    return _listing("in_review", gettext("Review queue"))


def _may_edit() -> bool:
    principal = g.web_principal
    return allowed(principal, "kb.edit") and bool(principal.tenant) != _province()


def _fields_of(form) -> MultiDict:
    """The form as the API's body: keywords typed in one box, separated by commas or spaces."""
    data = MultiDict([(k, v) for k, v in form.items(multi=True) if k not in ("keywords", "csrf_token")])
    for word in kb_io._KEYWORD_SPLIT.split(form.get("keywords", "")):
        if word:
            data.add("keywords", word)
    if "keywords" not in data:
        data.add("keywords", "")
    return data


def _form_context(values: dict, errors=None, message=None, article=None) -> dict:
    return {
        "values": values,
        "errors": errors or {},
        "message": message,
        "article": article,
        "tree": TREE,
        "material_types": MATERIAL_TYPES,
        "scope": _scope(),
    }


def _values(row) -> dict:
    return {
        "title": row.title,
        "category_path": row.category_path,
        "content": row.content,
        "issuing_unit": row.issuing_unit,
        "material_type": row.material_type,
        "keywords": "，".join(row.keywords or []),
        "valid_from": row.valid_from.isoformat() if row.valid_from else "",
        "valid_to": row.valid_to.isoformat() if row.valid_to else "",
    }


def new_form():
    _require_editor()
    values = {"material_type": "热点问答"}
    units = service.bound_units(g.web_principal, province=_province())
    if units:  # a department's editor issues as its department: the full name first
        values["issuing_unit"] = max(units, key=len)
    overrides = request.args.get("overrides", type=int)
    if overrides and not _province():
        shared = load("province", overrides)
        values = _values(shared) | {"title": f"{shared.title}（本市）", "overrides_id": shared.id}
    return render_template("kb/form.html", **_form_context(values))


def _save(article=None):
    _require_editor()
    schema = ArticlePatchSchema() if article is not None else ArticleInSchema()
    body, errors = forms.load(schema, _fields_of(request.form))
    values = request.form.to_dict()
    if errors:
        return render_template("kb/form.html", **_form_context(values, errors, article=article)), 422
    try:
        if article is None:
            overrides = body.pop("overrides_id", None)
            row = service.create(g.web_principal, province=_province(), overrides_id=overrides, **body)
        else:
            row = service.update(g.web_principal, article.id, province=_province(), **body)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        if exc.status not in (409, 422):
            raise
        errors = forms.errors_of(exc.errors)
        return render_template(
            "kb/form.html", **_form_context(values, errors, exc.message, article)
        ), exc.status
    flash(gettext("Saved as version %(n)s (draft)", n=row.version))
    return redirect(url_for(".kb_article", scope=_scope(), article_id=row.id), code=303)


def create():
    return _save()


def edit_form(article_id: int):
    _require_editor()
    row = service.get(article_id, province=_province())
    return render_template("kb/form.html", **_form_context(_values(row), article=row))


def update(article_id: int):
    _require_editor()
    return _save(service.get(article_id, province=_province()))


def versions(article_id: int):
    """Every version with its diff against the one before (版本对比)."""
    _require_manager()
    row = service.get(article_id, province=_province())
    found = list(db.session.scalars(service.versions(article_id, province=_province())))
    split = request.args.get("view") == "split"  # side by side; else the unified diff
    shown = [
        {
            "v": v,
            "lines": kb_diff.diff_lines(v.diff),
            "rows": kb_diff.side_by_side(found[n - 1].content if n else "", v.content) if split else [],
        }
        for n, v in reversed(list(enumerate(found)))
    ]
    return render_template("kb/versions.html", a=row, scope=_scope(), versions=shown, split=split)


def act(article_id: int):
    """One workflow step from the article page's buttons (the service checks role and state)."""
    action = request.form.get("action", "")
    if action not in WORKFLOW:
        raise DomainError("unknown action", status=400)
    reason = (request.form.get("reason") or "").strip()[:1000] or None
    try:
        service.transition(g.web_principal, article_id, action, province=_province(), reason=reason)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        if exc.status != 422:
            raise
        flash(gettext("A reason is required to reject or withdraw."), "error")
        return redirect(url_for(".kb_article", scope=_scope(), article_id=article_id), code=303)
    messages = {
        "submit": gettext("Sent for review"),
        "publish": gettext("Published"),
        "reject": gettext("Sent back to the editor"),
        "withdraw": gettext("Withdrawn"),
    }
    flash(messages[action])
    if action in ("publish", "reject") and service.may_review(g.web_principal, province=_province()):
        return redirect(url_for(".kb_review"), code=303)
    return redirect(url_for(".kb_article", scope=_scope(), article_id=article_id), code=303)


def report_page():
    """Usage and helpfulness per article in this city (知识使用情况), and validity per issuing
    unit (published, expiring within the warning days, expired) at this level."""
    _require_manager()
    usage = []
    if not _province():
        rows = list(db.session.execute(feedback.usage_report().limit(100)))
        titles = {}
        for scope, model in (("province", ProvinceArticle), ("city", CityArticle)):
            ids = [r.article_id for r in rows if r.scope == scope]
            if ids:
                titles.update(
                    {
                        (scope, i): t
                        for i, t in db.session.execute(select(model.id, model.title).where(model.id.in_(ids)))
                    }
                )
        usage = [dict(r._mapping, title=titles.get((r.scope, r.article_id), "—")) for r in rows]
    if _province():
        report = validity.province_report(date.today())
        stale, cities = report["units"], report["cities"]
    else:
        stale, cities = validity.stale_report(_model(), date.today()), []
    return render_template(
        "kb/report.html",
        usage=usage,
        stale=stale,
        cities=cities,
        scope=_scope(),
        warn_days=validity.WARN_DAYS,
    )


def io_page(report=None, errors=None, message=None, status=200):
    _require_editor()
    return render_template(
        "kb/io.html",
        report=report,
        errors=errors or [],
        message=message,
        categories=sorted(kb_io.nodes()),
        columns=list(kb_io.COLUMNS),
        max_rows=kb_io.MAX_ROWS,
        states=STATES,
        scope=_scope(),
    ), status


def import_file():
    _require_editor()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return io_page(message=gettext("Choose a file."), status=422)
    try:
        report = kb_io.import_file(
            g.web_principal,
            province=_province(),
            filename=upload.filename,
            data=upload.read(),
            submit=request.form.get("submit") == "1",
        )
        db.session.commit()
    except kb_io.ImportRejected as exc:
        db.session.rollback()
        return io_page(errors=exc.report.errors, message=exc.message, status=422)
    except DomainError as exc:
        db.session.rollback()
        if exc.status != 422:
            raise
        return io_page(message=exc.message, status=422)
    return io_page(report=report)


def export_file():
    _require_editor()
    fmt = request.args.get("format", "xlsx")
    if fmt not in kb_io.FORMATS:
        raise DomainError("csv or xlsx", status=400)
    state = request.args.get("state") or None
    if state is not None and state not in STATES:
        raise DomainError("unknown state", status=400)
    part = max(1, min(request.args.get("part", 1, type=int) or 1, 1000))
    rows = kb_io.subtree(request.args.get("category") or None, province=_province(), state=state, part=part)
    name = f"知识导出-{_scope()}-{part}.{fmt}"
    return Response(
        kb_io.write(rows, fmt),
        mimetype=kb_io.FORMATS[fmt].split(";")[0],
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )


def register(blp: Blueprint, *, prefix: str) -> None:
    """Editor and reviewer pages under ``<area><prefix>/kb`` (desk: the city; province portal)."""
    template_names(blp)
    for rule, endpoint, view, method in (
        ("/kb/manage", "kb_manage", manage, "GET"),
        ("/kb/review", "kb_review", review_queue, "GET"),
        ("/kb/new", "kb_new", new_form, "GET"),
        ("/kb/new", "kb_create", create, "POST"),
        ("/kb/<int:article_id>/edit", "kb_edit", edit_form, "GET"),
        ("/kb/<int:article_id>/edit", "kb_update", update, "POST"),
        ("/kb/<int:article_id>/versions", "kb_versions", versions, "GET"),
        ("/kb/<int:article_id>/act", "kb_act", act, "POST"),
        ("/kb/io", "kb_io", lambda: io_page(), "GET"),
        ("/kb/report", "kb_report", report_page, "GET"),
        ("/kb/import", "kb_import", import_file, "POST"),
        ("/kb/export", "kb_export", export_file, "GET"),
    ):
        blp.add_url_rule(prefix + rule, endpoint, view, methods=[method])
    allow_uploads(f"{blp.name}.kb_import")
