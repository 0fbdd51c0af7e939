"""Reference data of the bound tenant: look-ups for the orders domain and the city's edits.

Everything runs in the current ``tenant_context`` on ``tenants.db.session``. Look-ups return
active rows only. Writes flush but never commit: the caller owns the unit of work.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError

from tenants.db import db

from ..errors import Conflict, DomainError, NotFound
from ..memo import forget
from .models import APPEAL_TYPES, Category, Department, District

__all__ = [
    "APPEAL_TYPES",
    "APPEAL_TYPE_NAMES",
    "add_new",
    "create_category",
    "create_department",
    "find_category",
    "find_department",
    "get_category",
    "get_department",
    "get_district",
    "invalid",
    "list_categories",
    "list_departments",
    "list_districts",
    "require_leaf_category",
    "update_category",
    "update_department",
]

# 诉求类型: fixed by the order contract (docs/architecture.md §4), so not editable per city.
APPEAL_TYPE_NAMES: dict[str, tuple[str, str]] = {
    "consultation": ("咨询", "Consultation"),
    "help": ("求助", "Request for help"),
    "complaint": ("投诉", "Complaint"),
    "report": ("举报", "Report"),
    "suggestion": ("建议", "Suggestion"),
    "praise": ("表扬", "Praise"),
}
STATUSES = ("active", "inactive", "all")


def invalid(field: str, message: str) -> DomainError:
    """A 422 shaped like a schema error, for checks that need the database."""
    return DomainError(message, errors={"json": {field: [message]}}, status=422)


def _status(stmt: Select, model: Any, status: str) -> Select:
    if status == "active":
        return stmt.where(model.active.is_(True))
    if status == "inactive":
        return stmt.where(model.active.is_(False))
    return stmt


# Other domains memoize look-ups of this city's catalog under this scope (app.memo).
MEMO_SCOPE = "catalog"


def changed() -> None:
    """Drop this process's memo of the bound city's catalog (call after an edit commits);
    other processes see the edit within ``app.memo.TTL`` seconds."""
    forget(MEMO_SCOPE)


# -- look-ups used by other domains --------------------------------------------------------
def get_category(code: str) -> Category | None:
    """The active category with this code (``is_leaf`` tells a minor), else None."""
    cat = db.session.get(Category, code)
    return cat if cat is not None and cat.active else None


def require_leaf_category(code: str) -> Category:
    """The active minor category an order may be filed on, or a 422 saying why not."""
    cat = get_category(code)
    if cat is None:
        raise invalid("category_code", f"unknown or inactive category {code!r}")
    if not cat.is_leaf:
        raise invalid(
            "category_code", f"category {code} is a major category; choose one of its subcategories"
        )
    return cat


def get_department(code: str) -> Department | None:
    dept = db.session.get(Department, code)
    return dept if dept is not None and dept.active else None


def get_district(code: str) -> District | None:
    district = db.session.get(District, code)
    return district if district is not None and district.active else None


def categories_query(
    *, parent: str | None = None, level: str | None = None, status: str = "active"
) -> Select:
    stmt = select(Category).order_by(Category.code)
    if parent is not None:
        stmt = stmt.where(Category.parent_code == parent)
    if level == "major":
        stmt = stmt.where(Category.parent_code.is_(None))
    elif level == "minor":
        stmt = stmt.where(Category.parent_code.is_not(None))
    return _status(stmt, Category, status)


def list_categories(
    *, parent: str | None = None, level: str | None = None, status: str = "active"
) -> list[Category]:
    return list(db.session.scalars(categories_query(parent=parent, level=level, status=status)))


def category_tree(categories: list[Category]) -> list[dict]:
    """Majors with their minors under ``children`` (minors whose major is filtered out are dropped)."""
    nodes = {c.code: _category_node(c) | {"children": []} for c in categories if not c.is_leaf}
    for c in categories:
        if c.is_leaf and c.parent_code in nodes:
            nodes[c.parent_code]["children"].append(_category_node(c))
    return list(nodes.values())


def _category_node(c: Category) -> dict:
    keys = ("code", "parent_code", "name", "name_en", "appeal_type_hint", "season", "sort_order", "active")
    return {k: getattr(c, k) for k in keys} | {
        "level": c.level,
        "is_leaf": c.is_leaf,
        "origin": c.origin,
        "updated_by": c.updated_by,
        "updated_at": c.updated_at,
    }


def departments_query(
    *, kind: str | None = None, district: str | None = None, status: str = "active"
) -> Select:
    stmt = select(Department).order_by(Department.sort_order, Department.code)
    if kind is not None:
        stmt = stmt.where(Department.kind == kind)
    if district is not None:
        stmt = stmt.where(Department.district_code == district)
    return _status(stmt, Department, status)


def list_departments(
    *, kind: str | None = None, district: str | None = None, status: str = "active"
) -> list[Department]:
    return list(db.session.scalars(departments_query(kind=kind, district=district, status=status)))


def list_districts(status: str = "active") -> list[District]:
    stmt = select(District).order_by(District.sort_order, District.code)
    return list(db.session.scalars(_status(stmt, District, status)))


# -- the city's edits -----------------------------------------------------------------------
def add_new(row: Any, what: str) -> None:
    """Add and flush a new row; a concurrent insert of the same key becomes a 409."""
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        raise Conflict(f"{what} already exists") from exc


def find_category(code: str, *, for_update: bool = False) -> Category:
    """Any category, active or retired; 404 when there is none."""
    cat = db.session.get(Category, code, with_for_update=for_update)
    if cat is None:
        raise NotFound(f"unknown category {code!r}")
    return cat


def create_category(data: Mapping[str, Any], actor: str | None) -> Category:
    """Add a city category; a minor's major is the first two digits of its code."""
    code = data["code"]
    if db.session.get(Category, code) is not None:
        raise Conflict(f"category {code} already exists (retired codes are not reused)")
    parent = None
    if len(code) == 4:
        parent = db.session.get(Category, code[:2], with_for_update={"read": True})
        if parent is None:
            raise invalid("parent_code", f"unknown parent category {code[:2]}")
        if not parent.active:
            raise Conflict(f"parent category {code[:2]} is inactive; activate it first")
    fields = ("name", "name_en", "appeal_type_hint", "season", "sort_order")
    cat = Category(
        code=code,
        parent_code=parent.code if parent else None,
        origin="city",
        updated_by=actor,
        **{k: data[k] for k in fields if k in data},
    )
    add_new(cat, f"category {code}")
    return cat


def update_category(code: str, changes: Mapping[str, Any], actor: str | None) -> Category:
    """Rename, re-hint or (de)activate. An active minor always has an active major."""
    cat = find_category(code, for_update=True)
    if "active" in changes and changes["active"] != cat.active:
        if changes["active"] and cat.is_leaf:  # share-lock the major against a concurrent retire
            parent = db.session.get(Category, cat.parent_code, with_for_update={"read": True})
            if parent is None or not parent.active:
                raise Conflict(f"major category {cat.parent_code} is inactive; activate it first")
        if not changes["active"] and not cat.is_leaf:
            active_minors = list_categories(parent=code)
            if active_minors:
                codes = ", ".join(c.code for c in active_minors[:10])
                raise Conflict(
                    f"category {code} still has active subcategories ({codes}); deactivate them first"
                )
    for key, value in changes.items():
        setattr(cat, key, value)
    cat.updated_by = actor
    db.session.flush()
    return cat


def find_department(code: str, *, for_update: bool = False) -> Department:
    """Any department, active or retired; 404 when there is none."""
    dept = db.session.get(Department, code, with_for_update=for_update)
    if dept is None:
        raise NotFound(f"unknown department {code!r}")
    return dept


def create_department(data: Mapping[str, Any], actor: str | None) -> Department:
    code = data["code"]
    if db.session.get(Department, code) is not None:
        raise Conflict(f"department {code} already exists (retired codes are not reused)")
    district = data.get("district_code")
    if district is not None and get_district(district) is None:
        raise invalid("district_code", f"unknown or inactive district {district}")
    if data["kind"] == "district_government":
        other = db.session.scalar(
            select(Department.code).where(
                Department.kind == "district_government", Department.district_code == district
            )
        )
        if other is not None:
            raise Conflict(f"district {district} already has a government department ({other})")
    dept = Department(origin="city", updated_by=actor, **dict(data))
    add_new(dept, f"department {code}")
    return dept


def update_department(code: str, changes: Mapping[str, Any], actor: str | None) -> Department:
    """Rename, set the duty phone, (de)activate.

    Deactivating is always allowed; dispatch skips rules whose lead is inactive and says so.
    """
    dept = find_department(code, for_update=True)
    for key, value in changes.items():
        setattr(dept, key, value)
    dept.updated_by = actor
    db.session.flush()
    return dept
