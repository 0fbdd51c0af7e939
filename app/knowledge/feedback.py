"""Feedback on suggestions ("helped"), and per-article usage and helpfulness (使用情况)."""

from __future__ import annotations

from sqlalchemy import Select, func, select

from tenants import db

from ..auth.policy import require
from ..auth.principal import Principal
from ..errors import DomainError, NotFound
from .models import CityArticle, Feedback, ProvinceArticle


def give(principal: Principal, *, scope: str, article_id: int, helped: bool, order_id: int | None = None):
    require(principal, "kb.read")
    model = ProvinceArticle if scope == "province" else CityArticle
    if db.session.get(model, article_id) is None:
        raise NotFound("no such article")
    row = Feedback(
        scope=scope, article_id=article_id, helped=helped, order_id=order_id, given_by=principal.username
    )
    db.session.add(row)
    db.session.flush()
    return row


def cite(principal: Principal, *, scope: str, article_id: int, order_id: int) -> dict:
    """A closure cites the article it answered from: it must be published (and, for a province
    article, not replaced here); counts as a helpful use on that order. What the timeline keeps."""
    require(principal, "kb.read")
    model = ProvinceArticle if scope == "province" else CityArticle
    row = db.session.get(model, article_id)
    overridden = scope == "province" and db.session.scalar(
        select(CityArticle.id).where(CityArticle.overrides_id == article_id, CityArticle.state == "published")
    )
    if row is None or row.state != "published" or overridden:
        raise DomainError(
            "cite a published article this city sees",
            errors={"kb_article": ["not published here"]},
            status=422,
        )
    give(principal, scope=scope, article_id=article_id, helped=True, order_id=order_id)
    return {"scope": scope, "article_id": article_id, "title": row.title}


def usage_report() -> Select:
    """One row per article used in this city: uses, helped, helpfulness (most used first)."""
    helped = func.count().filter(Feedback.helped)
    return (
        select(
            Feedback.scope,
            Feedback.article_id,
            func.count().label("uses"),
            helped.label("helped"),
            (helped * 1.0 / func.count()).label("helpfulness"),
        )
        .group_by(Feedback.scope, Feedback.article_id)
        .order_by(func.count().desc(), Feedback.scope, Feedback.article_id)
    )
