"""Article administration and the review workflow (审核流程), for both scopes.

``province=True`` works on the province base (shared by every city); otherwise on the bound
city's own articles. Reads in a city merge the two: published province articles, minus those the
city overrides with a published local article, plus the city's own. Services flush, views commit.
"""

from __future__ import annotations

import difflib
from datetime import UTC, date, datetime

from sqlalchemy import Select, bindparam, or_, select
from sqlalchemy import update as sql_update

from tenants import current_tenant, db

from ..auth.policy import allowed, require
from ..auth.principal import Principal
from ..errors import Conflict, DomainError, NotFound

__all__ = ["NotFound"]
from ..catalog.models import Department
from . import embedding, termstats
from .models import MATERIAL_TYPES, CityArticle, CityArticleVersion, ProvinceArticle, ProvinceArticleVersion
from .search import segment, tsv_expression, tsv_of
from .taxonomy import is_leaf
from .validity import unit_names

# workflow: action -> (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "submit": (frozenset({"draft"}), "in_review"),
    "publish": (frozenset({"in_review"}), "published"),
    "reject": (frozenset({"in_review"}), "draft"),
    "withdraw": (frozenset({"published"}), "withdrawn"),
    "expire": (frozenset({"published"}), "expired"),
}
REVIEW_ACTIONS = frozenset({"publish", "reject", "withdraw"})
FIELDS = (
    "title",
    "category_path",
    "content",
    "issuing_unit",
    "material_type",
    "keywords",
    "valid_from",
    "valid_to",
)


def _models(province: bool):
    return (ProvinceArticle, ProvinceArticleVersion) if province else (CityArticle, CityArticleVersion)


def review_permission(province: bool) -> str:
    return "kb.review_province" if province else "kb.review_city"


def validate(fields: dict) -> None:
    """The DOMAIN field rules (leaf category, title <= 128, keywords <= 20, type, dates)."""
    errors: dict[str, list[str]] = {}
    if "category_path" in fields and not is_leaf(fields["category_path"] or ""):
        errors["category_path"] = ["must end at a leaf category"]
    if "title" in fields and not (0 < len((fields["title"] or "").strip()) <= 128):
        errors["title"] = ["1 to 128 characters"]
    if "material_type" in fields and fields["material_type"] not in MATERIAL_TYPES:
        errors["material_type"] = [f"one of {', '.join(MATERIAL_TYPES)}"]
    if any(not k or len(k) > 20 for k in fields.get("keywords") or []):
        errors["keywords"] = ["each keyword 1 to 20 characters"]
    start, end = fields.get("valid_from"), fields.get("valid_to")
    if start and end and end < start:
        errors["valid_to"] = ["before valid_from"]
    if errors:
        raise DomainError("invalid article", errors=errors, status=422)


def _title_taken(model, title: str, exclude: int | None = None) -> bool:
    stmt = select(model.id).where(model.title == title)
    if exclude is not None:
        stmt = stmt.where(model.id != exclude)
    return db.session.scalar(stmt) is not None


def bound_units(principal: Principal, *, province: bool) -> set[str] | None:
    """The issuing units a department-bound city editor writes as (its department's names,
    ``validity.unit_names``); None for an editor bound to no department, and at province level
    (province units are not in a city's catalogue)."""
    if province or not principal.department or not principal.tenant:
        return None
    department = db.session.get(Department, principal.department)
    if department is None:
        return set()  # a department gone from the catalogue writes nothing
    return unit_names(department, current_tenant().name)


def _check_bound(units: set[str] | None, issuing_unit: str | None, *, new: bool) -> None:
    """``units`` from ``bound_units`` (looked up once per call of the service)."""
    if units is None or issuing_unit in units:
        return
    if new:
        raise DomainError(
            "a department's editor issues articles as its department",
            errors={"issuing_unit": [f"one of {', '.join(sorted(units))}"]},
            status=422,
        )
    raise DomainError("this article belongs to another issuing unit than your department", status=403)


def create(principal: Principal, *, province: bool, overrides_id: int | None = None, **fields) -> object:
    require(principal, "kb.edit")
    if province and principal.tenant:
        raise DomainError("a city editor writes city articles", status=403)
    model, version_model = _models(province)
    validate(fields)
    _check_bound(bound_units(principal, province=province), fields.get("issuing_unit"), new=True)
    if _title_taken(model, fields["title"]):
        raise Conflict("an article with this title exists", errors={"title": ["not unique"]})
    extra = {}
    if overrides_id is not None and not province:
        if db.session.get(ProvinceArticle, overrides_id) is None:
            raise NotFound("no such province article to override")
        extra["overrides_id"] = overrides_id
    row = _new_article(model, principal, fields, "draft", **extra)
    db.session.add(row)
    db.session.flush()
    db.session.add(_first_version(version_model, row, principal))
    db.session.flush()
    embedding.schedule([row.id], province=province)
    return row


def _new_article(model, principal: Principal, fields: dict, state: str, **extra):
    row = model(state=state, version=1, created_by=principal.username, **fields, **extra)
    row.keywords = list(fields.get("keywords") or [])
    row.search_tsv = tsv_expression(row.title, row.keywords, row.content)
    return row


def _first_version(version_model, row, principal: Principal):
    return version_model(
        article_id=row.id,
        version=1,
        title=row.title,
        content=row.content,
        diff=_diff("", row.content),
        changed_by=principal.username,
    )


def create_many(principal: Principal, items: list[dict], *, province: bool, submit: bool = False) -> list:
    """Many new drafts in one go (an import): the rules of ``create``, a handful of statements;
    ``submit`` sends them all for review at once (the workflow's ``submit`` step).

    Titles are checked against this scope in one query and the versions go in one batch, so a
    1,000-row file costs about one statement per article instead of three.
    """
    require(principal, "kb.edit")
    if province and principal.tenant:
        raise DomainError("a city editor writes city articles", status=403)
    model, version_model = _models(province)
    units = bound_units(principal, province=province)
    for fields in items:
        validate(fields)
        _check_bound(units, fields.get("issuing_unit"), new=True)
    titles = [f["title"] for f in items]
    taken = set()
    for start in range(0, len(titles), 500):
        chunk = titles[start : start + 500]
        taken.update(db.session.scalars(select(model.title).where(model.title.in_(chunk))))
    if taken or len(set(titles)) != len(titles):
        raise Conflict("an article with this title exists", errors={"title": ["not unique"]})
    state = TRANSITIONS["submit"][1] if submit else "draft"
    rows = [_new_article(model, principal, fields, state) for fields in items]
    db.session.add_all(rows)
    db.session.flush()
    db.session.add_all(_first_version(version_model, r, principal) for r in rows)
    db.session.flush()
    embedding.schedule([r.id for r in rows], province=province)
    return rows


def get(article_id: int, *, province: bool) -> object:
    row = db.session.get(_models(province)[0], article_id)
    if row is None:
        raise NotFound("no such article")
    return row


def update(principal: Principal, article_id: int, *, province: bool, **fields) -> object:
    """Edit a draft (or a rejected one): a new version with its diff against the last."""
    require(principal, "kb.edit")
    model, version_model = _models(province)
    row = get(article_id, province=province)
    units = bound_units(principal, province=province)
    _check_bound(units, row.issuing_unit, new=False)
    if row.state not in ("draft", "withdrawn", "expired"):
        raise Conflict(f"an article {row.state} cannot be edited; withdraw it first")
    validate(fields)
    if "issuing_unit" in fields:
        _check_bound(units, fields["issuing_unit"], new=True)
    if "title" in fields and _title_taken(model, fields["title"], exclude=row.id):
        raise Conflict("an article with this title exists", errors={"title": ["not unique"]})
    old = row.content
    for key, value in fields.items():
        setattr(row, key, list(value) if key == "keywords" else value)
    row.version += 1
    row.state = "draft"
    row.search_tsv = tsv_expression(row.title, row.keywords, row.content)
    db.session.add(
        version_model(
            article_id=row.id,
            version=row.version,
            title=row.title,
            content=row.content,
            diff=_diff(old, row.content),
            changed_by=principal.username,
        )
    )
    db.session.flush()
    embedding.schedule([row.id], province=province)
    return row


def _diff(old: str, new: str) -> str:
    return "\n".join(difflib.unified_diff(old.splitlines(), new.splitlines(), "before", "after", lineterm=""))


def versions(article_id: int, *, province: bool) -> Select:
    get(article_id, province=province)
    version_model = _models(province)[1]
    return select(version_model).where(version_model.article_id == article_id).order_by(version_model.version)


def transition(
    principal: Principal, article_id: int, action: str, *, province: bool, reason: str | None = None
):
    """One workflow step; reviewers (city or province supervisor by scope) record who, why, when."""
    if action not in TRANSITIONS:
        raise NotFound(f"no action {action!r}")
    require(principal, review_permission(province) if action in REVIEW_ACTIONS else "kb.edit")
    row = get(article_id, province=province)
    if action not in REVIEW_ACTIONS and not may_review(principal, province=province):
        _check_bound(bound_units(principal, province=province), row.issuing_unit, new=False)
    sources, target = TRANSITIONS[action]
    if row.state not in sources:
        raise Conflict(f"cannot {action} an article that is {row.state}")
    if action in ("reject", "withdraw") and not (reason or "").strip():
        raise DomainError("a reason is required", errors={"reason": ["required"]}, status=422)
    row.state = target
    if action in REVIEW_ACTIONS or action == "expire":
        row.reviewed_by = principal.username
        row.review_reason = reason
        row.reviewed_at = datetime.now(UTC)
    db.session.flush()
    return row


def visible(principal: Principal | None, *, today: date | None = None) -> list:
    """Published articles a city sees: its own plus the province's it does not override (在本市)."""
    require(principal, "kb.read")
    today = today or date.today()
    live = lambda m: (m.state == "published") & or_(m.valid_to.is_(None), m.valid_to >= today)  # noqa: E731
    local = list(db.session.scalars(select(CityArticle).where(live(CityArticle)).order_by(CityArticle.id)))
    overridden = {a.overrides_id for a in local if a.overrides_id}
    shared = db.session.scalars(
        select(ProvinceArticle).where(live(ProvinceArticle)).order_by(ProvinceArticle.id)
    )
    return [a for a in shared if a.id not in overridden] + local


def may_review(principal: Principal, *, province: bool) -> bool:
    return allowed(principal, review_permission(province))


def manages(principal: Principal, *, province: bool) -> bool:
    """Editors of this level (a city editor edits city articles) and its reviewers: they see
    every state, the validity reports and the usage reports."""
    if may_review(principal, province=province):
        return True
    return allowed(principal, "kb.edit") and bool(principal.tenant) != province


REINDEX_BATCH = 500


def reindex_batch(*, province: bool, after: int = 0) -> tuple[int, int] | None:
    """Segment again the next ``REINDEX_BATCH`` articles of this scope with ids above ``after``
    (after the hotline vocabulary changed, stored vectors hold the old words). Flush only: the
    caller commits each batch (``flask kb reindex``), so an interruption keeps what was done.
    Returns (last id done, articles done), None when nothing was left."""
    model = _models(province)[0]
    words = lambda text: " ".join(segment(text or ""))  # noqa: E731
    cols = (model.id, model.title, model.keywords, model.content)
    rows = db.session.execute(
        select(*cols).where(model.id > after).order_by(model.id).limit(REINDEX_BATCH)
    ).all()
    if not rows:
        termstats.forget()  # the statistics are read again for the new words
        return None
    table = model.__table__  # Core: one executemany, not the ORM's per-row bulk update
    stmt = (
        sql_update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(search_tsv=tsv_of(bindparam("b_title"), bindparam("b_keywords"), bindparam("b_content")))
    )
    params = [
        {
            "b_id": r.id,
            "b_title": words(r.title),
            "b_keywords": words(" ".join(r.keywords or [])),
            "b_content": words(r.content),
        }
        for r in rows
    ]
    db.session.execute(stmt, params)
    return rows[-1].id, len(rows)
