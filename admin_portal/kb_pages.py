"""Knowledge pages for readers (知识检索): search and the article page, in the city desk and
the department web; the article page also in the provincial portal (docs/knowledge.md).

The pages call the knowledge services in-process under the same rules as the API: a city's
pages read that city's schema only (its tenant is bound from the URL), readers see published
articles, the editors and reviewers of an article's scope see every state, and a province
article this city overrides shows the city's own version instead.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, ValidationError
from sqlalchemy import select

from app.auth.policy import allowed, require
from app.errors import DomainError, NotFound
from app.knowledge import dense, feedback, service
from app.knowledge.models import MATERIAL_TYPES, CityArticle, ProvinceArticle
from app.knowledge.schemas import FeedbackInSchema, SearchQuerySchema
from app.knowledge.search_api import SUGGESTIONS
from app.knowledge.taxonomy import TREE
from tenants import current_tenant_or_none, db

from .navigation import Group, Link

SCOPES = ("province", "city")
KB_STATE = {
    "draft": _l("Draft"),
    "in_review": _l("In review"),
    "published": _l("Published"),
    "expired": _l("Expired"),
    "withdrawn": _l("Withdrawn"),
}
KB_STATE_TONE = {
    "draft": "secondary",
    "in_review": "warning",
    "published": "success",
    "expired": "danger",
    "withdrawn": "purple",
}
SCOPE_LABEL = {"province": _l("Province base"), "city": _l("This city")}


def nav_group(area: str, *, search: bool = True, review: str | None = None) -> Group:
    """The "Knowledge base" group of an area's navigation, each link by permission."""
    links = [Link(_l("Knowledge search"), f"{area}.kb_search", permission="kb.read")] if search else []
    if review:  # editors and reviewers are different roles: no link shows twice
        links += [
            Link(_l("Articles"), f"{area}.kb_manage", permission="kb.edit"),
            Link(_l("Review queue"), f"{area}.kb_review", permission=review),
            Link(_l("Articles"), f"{area}.kb_manage", permission=review),
            Link(_l("Import and export"), f"{area}.kb_io", permission="kb.edit"),
            Link(_l("Usage and validity"), f"{area}.kb_report", permission="kb.edit"),
            Link(_l("Usage and validity"), f"{area}.kb_report", permission=review),
        ]
    return Group(_l("Knowledge base"), tuple(links))


def load(scope: str, article_id: int):
    """One article this user may open in this area, or 404 (drafts of others, other levels)."""
    if scope not in SCOPES:
        raise NotFound("no such article")
    province = scope == "province"
    if not province and current_tenant_or_none() is None:
        raise NotFound("no such article")
    row = service.get(article_id, province=province)
    if row.state != "published" and not service.manages(g.web_principal, province=province):
        raise NotFound("no such article")
    return row


def override_of(province_id: int):
    """This city's published article replacing a province one, if any (本市覆盖)."""
    if current_tenant_or_none() is None:
        return None
    return db.session.scalar(
        select(CityArticle).where(CityArticle.overrides_id == province_id, CityArticle.state == "published")
    )


def card(row, scope: str, score: float | None = None) -> dict:
    today = date.today()
    return {
        "id": row.id,
        "scope": scope,
        "title": row.title,
        "category_path": row.category_path,
        "material_type": row.material_type,
        "issuing_unit": row.issuing_unit,
        "snippet": " ".join(row.content.split())[:140],
        "valid_to": row.valid_to,
        "expiring": bool(row.valid_to and (row.valid_to - today).days <= 14),
        "state": row.state,
        "score": score,
    }


def hydrate(hits: list[dict]) -> list[dict]:
    """Search hits ({id, scope, title, score}) as cards, in the hits' order."""
    ids = {scope: [h["id"] for h in hits if h["scope"] == scope] for scope in SCOPES}
    rows = {}
    for scope, model in (("province", ProvinceArticle), ("city", CityArticle)):
        if ids[scope]:
            rows.update(
                {(scope, r.id): r for r in db.session.scalars(select(model).where(model.id.in_(ids[scope])))}
            )
    return [
        card(rows[(h["scope"], h["id"])], h["scope"], h["score"])
        for h in hits
        if (h["scope"], h["id"]) in rows
    ]


def suggestions(text: str) -> list[dict]:
    """The desk's answer suggestions: the suggest service's top articles for typed text."""
    text = " ".join((text or "").split())
    if len(text) < 2:
        return []
    return hydrate(dense.fused_search(text[:500], limit=SUGGESTIONS))


def parse_cite(value: str | None) -> tuple[str, int] | None:
    """The intake form's chosen article, ``"city:12"`` -> ("city", 12)."""
    scope, _, number = (value or "").partition(":")
    if scope in SCOPES and number.isdigit() and 0 < int(number) < 2**62:
        return scope, int(number)
    return None


def suggest_panel():
    """The answer suggestions beside the intake form (POST: appeal text stays out of URLs and logs).

    Refreshed by htmx as the agent types; the article chosen for a direct closure stays listed.
    """
    form = request.form
    cards = suggestions(f"{form.get('title', '')} {form.get('content', '')}"[:2000])
    chosen = parse_cite(form.get("kb_cite"))
    if chosen and not any((c["scope"], c["id"]) == chosen for c in cards):
        try:
            row = load(*chosen)
            if row.state == "published":
                cards.insert(0, card(row, chosen[0]))
        except NotFound:
            chosen = None
    return render_template(
        "kb/suggest.html",
        cards=cards,
        chosen=f"{chosen[0]}:{chosen[1]}" if chosen else "",
        typed=len((form.get("content") or "").strip()) >= 2,
        may_close=allowed(g.web_principal, "orders.close"),
    )


class _SearchArgs(SearchQuerySchema):
    class Meta(SearchQuerySchema.Meta):
        unknown = EXCLUDE


def search_page():
    require(g.web_principal, "kb.read")
    raw = {k: v for k, v in request.args.items() if v != ""}
    try:
        args = _SearchArgs(partial=("q",)).load(raw)
    except ValidationError as exc:
        raise DomainError("invalid search: " + ", ".join(sorted(exc.messages)), status=400) from exc
    q = args.pop("q", "")
    limit = args.pop("limit")
    results = hydrate(dense.search(q, limit=max(limit, 20), **args)[0]) if q else []
    latest = [] if q else _latest()
    return render_template(
        "kb/search.html",
        q=q,
        args=args,
        results=results,
        latest=latest,
        material_types=MATERIAL_TYPES,
        tops=list(TREE),
        in_city=current_tenant_or_none() is not None,
    )


def _latest(limit: int = 12) -> list[dict]:
    """Recently published articles this city sees (the search page before a query); in the
    province portal, of the province base."""
    overridden = select(CityArticle.overrides_id).where(
        CityArticle.overrides_id.isnot(None), CityArticle.state == "published"
    )
    out = []
    in_city = current_tenant_or_none() is not None
    levels = (("province", ProvinceArticle), ("city", CityArticle))
    for scope, model in levels if in_city else levels[:1]:  # the province portal: the base alone
        stmt = select(model).where(model.state == "published")
        if scope == "province" and in_city:
            stmt = stmt.where(model.id.not_in(overridden))
        out += [
            card(r, scope) for r in db.session.scalars(stmt.order_by(model.updated_at.desc()).limit(limit))
        ]
    return out[: limit * 2]


def article_page(scope: str, article_id: int):
    require(g.web_principal, "kb.read")
    row = load(scope, article_id)
    if scope == "province":
        local = override_of(row.id)
        if local is not None and not service.manages(g.web_principal, province=True):
            return redirect(url_for(".kb_article", scope="city", article_id=local.id))
    province = scope == "province"
    principal = g.web_principal
    return render_template(
        "kb/article.html",
        a=row,
        scope=scope,
        in_city=current_tenant_or_none() is not None,
        may_edit=allowed(principal, "kb.edit") and bool(principal.tenant) != province,
        may_override=allowed(principal, "kb.edit") and bool(principal.tenant) and province,
        may_review=service.may_review(principal, province=province),
        overrides=db.session.get(ProvinceArticle, row.overrides_id)
        if getattr(row, "overrides_id", None)
        else None,
    )


def feedback_mark():
    """The "helped" mark on a suggested or opened article (htmx; answers the marked button)."""
    body = {k: v for k, v in request.form.items() if k in ("scope", "article_id", "helped", "order_id")}
    try:
        data = FeedbackInSchema().load(body)
    except ValidationError as exc:
        raise DomainError("invalid feedback", errors=exc.messages, status=422) from exc
    load(data["scope"], data["article_id"])  # only an article this user sees here
    feedback.give(g.web_principal, **data)
    db.session.commit()
    return render_template("kb/marked.html", helped=data["helped"])


def template_names(blp: Blueprint) -> None:
    """The label tables the knowledge templates use (lazy strings: the page's language)."""
    from app.knowledge.io import COLUMNS

    names = {
        "KB_STATE": KB_STATE,
        "KB_STATE_TONE": KB_STATE_TONE,
        "KB_SCOPE": SCOPE_LABEL,
        "COLUMN_OF": {f: c for c, f in COLUMNS.items()},
    }
    blp.record_once(lambda state: state.app.jinja_env.globals.update(names))


def register(blp: Blueprint, *, tenant_prefix: str) -> None:
    """Reader pages under ``<area>/<tenant>/kb`` (desk and department web)."""
    template_names(blp)
    t = tenant_prefix
    blp.add_url_rule(t + "/kb", "kb_search", search_page, methods=["GET"])
    blp.add_url_rule(t + "/kb/a/<string:scope>/<int:article_id>", "kb_article", article_page, methods=["GET"])
    blp.add_url_rule(t + "/kb/feedback", "kb_feedback", feedback_mark, methods=["POST"])
