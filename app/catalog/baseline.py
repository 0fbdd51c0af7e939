"""The provincial baseline (``app/catalog/data/*.json``) rendered for one city. Pure: no database.

Every city starts from the same taxonomy, departments and dispatch catalogue; the city's
districts add one district government each and expand the ``per_district`` rules.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .models import APPEAL_TYPES, DEPARTMENT_CODE, DEPARTMENT_KINDS, SEASONS

DATA = Path(__file__).parent / "data"
AT_DISTRICT = "@district"  # in a per_district rule: the government of that district (属地)


@dataclass(frozen=True)
class CityDistrict:
    code: str
    name: str
    sort_order: int


@cache
def _load(name: str) -> dict:
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))


def district_code(region_code: str, position: int) -> str:
    """Illustrative county code: the city's ``NNNN`` prefix + 2 digits in list order (01, 02, ...).

    Real deployments import the official GB/T 2260 codes instead (the demo list has none).
    """
    if not 1 <= position <= 99:
        raise ValueError(f"district position {position} out of range 1-99")
    return f"{region_code[:4]}{position:02d}"


def city_districts(region_code: str, names: list[str]) -> list[CityDistrict]:
    return [CityDistrict(district_code(region_code, i), name, i) for i, name in enumerate(names, start=1)]


def government_code(district: str) -> str:
    return _load("departments")["district_government"]["code"].format(district_code=district)


# -- taxonomy -----------------------------------------------------------------------------
def categories() -> list[dict]:
    """Flat rows, majors before their minors, ready to insert."""
    rows = []
    for i, major in enumerate(_load("categories")["majors"], start=1):
        rows.append(
            {"code": major["code"], "parent_code": None, "name": major["name"], "name_en": major["name_en"]}
            | {"appeal_type_hint": None, "season": None, "sort_order": i}
        )
        for j, minor in enumerate(major["minors"], start=1):
            rows.append(
                {"code": minor["code"], "parent_code": major["code"], "name": minor["name"]}
                | {"name_en": minor["name_en"], "appeal_type_hint": minor.get("appeal_type")}
                | {"season": minor.get("season"), "sort_order": j}
            )
    return rows


# -- departments --------------------------------------------------------------------------
def departments(city_name: str, districts: list[CityDistrict]) -> list[dict]:
    """City-wide departments with the city's name filled in, then one government per district."""
    doc = _load("departments")
    short = city_name[:-1] if city_name.endswith("市") else city_name
    rows = []
    for i, d in enumerate(doc["departments"], start=1):
        rows.append(
            {
                "code": d["code"],
                "name": d["name"].format(city=city_name, city_short=short),
                "short_name": d.get("short_name"),
                "kind": d["kind"],
                "district_code": None,
                "sort_order": i,
            }
        )
    gov = doc["district_government"]
    for d in districts:
        rows.append(
            {
                "code": gov["code"].format(district_code=d.code),
                "name": gov["name"].format(district=d.name),
                "short_name": gov["short_name"].format(district=d.name),
                "kind": gov["kind"],
                "district_code": d.code,
                "sort_order": 100 + d.sort_order,
            }
        )
    return rows


# -- dispatch catalogue -------------------------------------------------------------------
def dispatch_rules(districts: list[CityDistrict]) -> list[dict]:
    """City-wide rules as written; ``per_district`` ones once per district with ``@district`` resolved.

    ``@district`` becomes the template code of that district's government; the seeding step
    swaps in whatever government the city actually has for the district.
    """
    rows = []
    for rule in _load("dispatch_rules")["rules"]:
        targets = (
            [(d.code, government_code(d.code)) for d in districts]
            if rule.get("per_district")
            else [(None, None)]
        )
        for district, gov in targets:
            rows.append(
                {
                    "category_code": rule["category"],
                    "district_code": district,
                    "lead_department": gov if rule["lead"] == AT_DISTRICT else rule["lead"],
                    "assist_departments": [gov if a == AT_DISTRICT else a for a in rule.get("assists", [])],
                    "note": rule.get("note"),
                }
            )
    return rows


# -- consistency --------------------------------------------------------------------------
def problems() -> list[str]:
    """Everything wrong with the baseline files (empty when they are consistent)."""
    out: list[str] = []
    cats = categories()
    codes = [c["code"] for c in cats]
    out += [f"category code {c} is duplicated" for c in sorted({c for c in codes if codes.count(c) > 1})]
    majors = {c["code"] for c in cats if c["parent_code"] is None}
    for c in cats:
        minor = c["parent_code"] is not None
        if not re.fullmatch(r"\d{4}" if minor else r"\d{2}", c["code"]):
            out.append(f"category code {c['code']!r} does not follow NN / NNMM")
        if minor and (c["parent_code"] not in majors or not c["code"].startswith(c["parent_code"])):
            out.append(f"minor {c['code']} has no major {c['code'][:2]}")
        if minor and c["appeal_type_hint"] not in APPEAL_TYPES:
            out.append(f"minor {c['code']} has appeal type {c['appeal_type_hint']!r}")
        if c["season"] is not None and c["season"] not in SEASONS:
            out.append(f"category {c['code']} has season {c['season']!r}")
        if not c["name"] or not c["name_en"]:
            out.append(f"category {c['code']} lacks a Chinese or English name")
    out += [
        f"major {m} has no minors" for m in sorted(majors) if not any(c["parent_code"] == m for c in cats)
    ]

    doc = _load("departments")
    depts = [d["code"] for d in doc["departments"]]
    out += [f"department code {d} is duplicated" for d in sorted({d for d in depts if depts.count(d) > 1})]
    for d in doc["departments"]:
        if not re.fullmatch(DEPARTMENT_CODE, d["code"]):
            out.append(f"department code {d['code']!r} is malformed")
        if d["kind"] not in DEPARTMENT_KINDS or d["kind"] == "district_government":
            out.append(
                f"department {d['code']} has kind {d['kind']!r} (district governments come from the template)"
            )

    keys = set()
    for rule in _load("dispatch_rules")["rules"]:
        where = f"rule {rule['category']}{' per district' if rule.get('per_district') else ''}"
        key = (rule["category"], bool(rule.get("per_district")))
        if key in keys:
            out.append(f"{where} is duplicated")
        keys.add(key)
        if rule["category"] not in codes:
            out.append(f"{where} names unknown category {rule['category']}")
        named = [rule["lead"], *rule.get("assists", [])]
        if rule.get("per_district") and AT_DISTRICT not in named:
            out.append(f"{where} is per_district but never names {AT_DISTRICT}")
        if not rule.get("per_district") and AT_DISTRICT in named:
            out.append(f"{where} names {AT_DISTRICT} but is not per_district")
        out += [f"{where} names unknown department {d}" for d in named if d != AT_DISTRICT and d not in depts]
        if len(set(named)) != len(named):
            out.append(f"{where} names a department twice")
    return out
