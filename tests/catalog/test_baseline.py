"""The provincial baseline files are consistent and render sensibly for a city (no database)."""

from __future__ import annotations

import re

from app.catalog import baseline
from app.demo.province import city

DEMO_DEPARTMENTS = {"zjj", "cgj", "sthjj", "scjgj", "rsj"}


def test_baseline_files_are_consistent():
    assert baseline.problems() == []


def test_taxonomy_has_about_20_majors_and_100_minors():
    cats = baseline.categories()
    majors = [c for c in cats if c["parent_code"] is None]
    minors = [c for c in cats if c["parent_code"] is not None]
    assert 18 <= len(majors) <= 22
    assert 95 <= len(minors) <= 120
    assert len({c["code"] for c in cats}) == len(cats)
    assert all(
        m["code"][:2] == m["parent_code"] and m["parent_code"] in {j["code"] for j in majors} for m in minors
    )
    seasonal = {c["code"]: c["season"] for c in minors if c["season"]}
    assert seasonal["0403"] == "winter" and seasonal["0203"] == "summer"


def test_problems_catches_a_rule_naming_an_unknown_department(monkeypatch):
    rules = {"rules": [{"category": "0403", "lead": "no_such_dept"}, {"category": "9999", "lead": "zjj"}]}
    real = baseline._load
    monkeypatch.setattr(baseline, "_load", lambda name: rules if name == "dispatch_rules" else real(name))
    found = baseline.problems()
    assert "rule 0403 names unknown department no_such_dept" in found
    assert "rule 9999 names unknown category 9999" in found


def test_departments_render_for_a_demo_city_with_one_government_per_district():
    sjz = city("shijiazhuang")
    districts = baseline.city_districts("130100", sjz["districts"])
    assert [d.code for d in districts[:3]] == ["130101", "130102", "130103"]
    assert districts[0].name == "长安区" and len(districts) == len(sjz["districts"])
    depts = {d["code"]: d for d in baseline.departments("石家庄市", districts)}
    assert depts.keys() >= DEMO_DEPARTMENTS
    assert depts["zjj"]["name"] == "市住房和城乡建设局" and depts["zjj"]["kind"] == "city_bureau"
    assert depts["gdgs"]["name"] == "国网石家庄供电公司" and depts["gdgs"]["kind"] == "utility"
    governments = [d for d in depts.values() if d["kind"] == "district_government"]
    assert len(governments) == len(districts)
    assert depts["gov_130101"] == depts["gov_130101"] | {"name": "长安区人民政府", "district_code": "130101"}
    assert all(re.fullmatch(r"[a-z][a-z0-9_]{1,31}", code) for code in depts)


def test_a_city_without_districts_gets_no_governments_and_only_city_wide_rules():
    depts = baseline.departments("雄安新区", [])
    assert not [d for d in depts if d["kind"] == "district_government"]
    assert depts[[d["code"] for d in depts].index("gdgs")]["name"] == "国网雄安新区供电公司"
    rules = baseline.dispatch_rules([])
    assert rules and all(r["district_code"] is None for r in rules)
    codes = {d["code"] for d in depts}
    assert all({r["lead_department"], *r["assist_departments"]} <= codes for r in rules)


def test_per_district_rules_expand_to_every_district_government():
    districts = baseline.city_districts("130200", city("tangshan")["districts"])
    rules = baseline.dispatch_rules(districts)
    property_rules = {r["district_code"]: r for r in rules if r["category_code"] == "0102"}
    assert set(property_rules) == {None, *(d.code for d in districts)}
    assert property_rules["130201"]["lead_department"] == "gov_130201"
    assert property_rules["130201"]["assist_departments"] == ["zjj"]
    assert property_rules[None]["lead_department"] == "zjj"
    codes = {d["code"] for d in baseline.departments("唐山市", districts)}
    assert all({r["lead_department"], *r["assist_departments"]} <= codes for r in rules)
    keys = [(r["category_code"], r["district_code"]) for r in rules]
    assert len(keys) == len(set(keys))
