"""Dispatch rules and the dispatch suggestion (派单建议) of the bound tenant.

The suggestion is deterministic: among the active rules for the category's minor and major
code, with the order's district or for any district, the most specific one whose lead is
active wins (minor+district > minor > major+district > major). There is at most one rule
per (category, district) key, so no ties.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, or_, select

from tenants.db import db

from ..catalog import service as catalog
from ..catalog.models import Department
from ..errors import Conflict, NotFound
from .models import SPECIFICITY, DispatchRule, priority


@dataclass(frozen=True)
class Suggestion:
    lead: str | None  # department code, None when no rule applies
    assists: list[str] = field(default_factory=list)
    rule_id: int | None = None
    reason: str = ""
    category_code: str | None = None
    district_code: str | None = None

    @property
    def specificity(self) -> str | None:
        if self.rule_id is None or self.category_code is None:
            return None
        return SPECIFICITY[priority(self.category_code, self.district_code)]


def suggest(category_code: str, district_code: str | None) -> Suggestion:
    """The lead and assisting departments the catalogue suggests for an appeal."""
    cat = catalog.get_category(category_code)
    if cat is None:
        return Suggestion(None, reason=f"category {category_code!r} is unknown or inactive")
    district = catalog.get_district(district_code) if district_code else None
    notes = []
    if district_code and district is None:
        notes.append(f"district {district_code!r} is unknown or inactive, so only city-wide rules apply")
    codes = [cat.code] if not cat.is_leaf else [cat.code, cat.parent_code]
    local = [district.code] if district else []
    rules = db.session.scalars(
        select(DispatchRule).where(
            DispatchRule.active.is_(True),
            DispatchRule.category_code.in_(codes),
            or_(DispatchRule.district_code.is_(None), DispatchRule.district_code.in_(local)),
        )
    ).all()
    rules = sorted(rules, key=lambda r: r.priority, reverse=True)
    named = {code for r in rules for code in (r.lead_department, *r.assist_departments)}
    active = set(
        db.session.scalars(
            select(Department.code).where(Department.code.in_(named), Department.active.is_(True))
        )
    )
    for rule in rules:
        kind = rule.specificity
        if rule.lead_department not in active:
            notes.append(f"rule {rule.id} ({kind}) skipped: lead {rule.lead_department} is inactive")
            continue
        assists = [a for a in rule.assist_departments if a in active and a != rule.lead_department]
        dropped = [a for a in rule.assist_departments if a not in active]
        where = f" in {district.name}" if rule.district_code and district else ""
        reason = f"rule {rule.id} ({kind}): {rule.category_code}{where} -> {rule.lead_department}"
        if dropped:
            notes.append(f"inactive assisting departments left out: {', '.join(dropped)}")
        return Suggestion(
            rule.lead_department,
            assists,
            rule.id,
            "; ".join([reason, *notes]),
            rule.category_code,
            rule.district_code,
        )
    notes.insert(0, f"no active dispatch rule for {cat.code} {cat.name}; the dispatcher decides")
    return Suggestion(None, reason="; ".join(notes))


# -- rules ----------------------------------------------------------------------------------
def rules_query(
    *,
    category: str | None = None,
    district: str | None = None,
    department: str | None = None,
    status: str = "active",
) -> Select:
    stmt = select(DispatchRule).order_by(
        DispatchRule.category_code, DispatchRule.district_code.nulls_first(), DispatchRule.id
    )
    if category is not None:
        stmt = stmt.where(DispatchRule.category_code == category)
    if district is not None:
        stmt = stmt.where(DispatchRule.district_code == district)
    if department is not None:
        stmt = stmt.where(
            or_(
                DispatchRule.lead_department == department,
                DispatchRule.assist_departments.contains([department]),
            )
        )
    if status == "active":
        stmt = stmt.where(DispatchRule.active.is_(True))
    elif status == "inactive":
        stmt = stmt.where(DispatchRule.active.is_(False))
    return stmt


def get_rule(rule_id: int, *, for_update: bool = False) -> DispatchRule:
    rule = db.session.get(DispatchRule, rule_id, with_for_update=for_update)
    if rule is None:
        raise NotFound(f"unknown dispatch rule {rule_id}")
    return rule


def validate_departments(lead: str, assists: list[str], *, active: bool = True) -> None:
    """A rule names existing (and, for an active rule, active) departments, the lead not also
    assisting and none twice."""
    if lead in assists:
        raise catalog.invalid("assist_departments", f"the lead department {lead} cannot also assist")
    if len(set(assists)) != len(assists):
        raise catalog.invalid("assist_departments", "an assisting department is listed twice")
    found = {
        d.code: d
        for d in db.session.scalars(
            select(Department).where(Department.code.in_([lead, *assists])).with_for_update(read=True)
        )
    }
    for fieldname, codes in (("lead_department", [lead]), ("assist_departments", assists)):
        bad = [c for c in codes if c not in found or (active and not found[c].active)]
        if bad:
            raise catalog.invalid(fieldname, f"unknown or inactive department(s): {', '.join(bad)}")


def create_rule(data: Mapping[str, Any], actor: str | None) -> DispatchRule:
    category, district = data["category_code"], data.get("district_code")
    if catalog.get_category(category) is None:
        raise catalog.invalid("category_code", f"unknown or inactive category {category}")
    if district is not None and catalog.get_district(district) is None:
        raise catalog.invalid("district_code", f"unknown or inactive district {district}")
    assists = list(data.get("assist_departments", []))
    validate_departments(data["lead_department"], assists)
    existing = db.session.scalar(
        select(DispatchRule.id).where(
            DispatchRule.category_code == category,
            DispatchRule.district_code.is_(None)
            if district is None
            else DispatchRule.district_code == district,
        )
    )
    if existing is not None:
        where = f"district {district}" if district else "any district"
        raise Conflict(f"rule {existing} already covers category {category} in {where}; change that rule")
    rule = DispatchRule(
        category_code=category,
        district_code=district,
        lead_department=data["lead_department"],
        assist_departments=assists,
        note=data.get("note"),
        origin="city",
        updated_by=actor,
    )
    catalog.add_new(rule, f"a rule for category {category} in this district")
    return rule


def update_rule(rule_id: int, changes: Mapping[str, Any], actor: str | None) -> DispatchRule:
    """Retarget, annotate or (de)activate; the key (category, district) never changes."""
    rule = get_rule(rule_id, for_update=True)
    lead = changes.get("lead_department", rule.lead_department)
    assists = list(changes.get("assist_departments", rule.assist_departments))
    becomes_active = changes.get("active", rule.active)
    if becomes_active and ({"lead_department", "assist_departments"} & changes.keys() or not rule.active):
        validate_departments(lead, assists)
    elif {"lead_department", "assist_departments"} & changes.keys():
        # a retired rule may name retired departments, never unknown ones (the foreign key
        # refused them at flush: an IntegrityError, a 500)
        validate_departments(lead, assists, active=False)
    for key, value in changes.items():
        setattr(rule, key, value)
    rule.updated_by = actor
    db.session.flush()
    return rule
