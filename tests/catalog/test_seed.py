"""Provisioning seeds each city from the baseline with its own districts; re-runs keep city edits."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from app.catalog import service as catalog
from app.catalog.models import Category, Department, District
from app.demo.province import city
from app.dispatch.models import DispatchRule
from app.dispatch.seed import seed_reference_data
from tenants import db, provision, tenant_context


def _counts() -> dict[str, int]:
    return {m.__tablename__: db.session.scalar(select(func.count()).select_from(m)) for m in (
        District, Category, Department, DispatchRule)}  # fmt: skip


def test_both_demo_cities_are_seeded_with_their_own_districts(app_ctx, two_tenants):
    for slug, prefix in (("shijiazhuang", "1301"), ("tangshan", "1302")):
        names = city(slug)["districts"]
        with tenant_context(slug):
            districts = catalog.list_districts()
            assert [d.name for d in districts] == names
            assert all(d.code.startswith(prefix) for d in districts)
            governments = catalog.list_departments(kind="district_government")
            assert {g.district_code for g in governments} == {d.code for d in districts}
            assert catalog.get_department("zjj").name == "市住房和城乡建设局"
            heating = catalog.get_category("0403")
            assert heating.is_leaf and heating.parent_code == "04" and heating.season == "winter"
            assert not catalog.get_category("04").is_leaf
            local = db.session.scalars(
                select(DispatchRule).where(DispatchRule.district_code.is_not(None))
            ).all()
            assert local and all(r.district_code.startswith(prefix) for r in local)
    with tenant_context("tangshan"):
        assert catalog.get_district("130101") is None  # 长安区 belongs to Shijiazhuang only


def test_rerunning_the_step_adds_nothing_and_keeps_city_edits(app_ctx, two_tenants):
    sjz, ts = two_tenants
    with tenant_context(ts):
        before = _counts()
        original = catalog.find_category("0404").name
        catalog.update_category("0404", {"name": "供暖报停与热费"}, "city_supervisor@tangshan")
        rule = db.session.scalar(select(DispatchRule).where(DispatchRule.category_code == "0404"))
        rule_lead = rule.lead_department
        rule.lead_department = "zjj"
        db.session.commit()
    try:
        for ref in (ts, sjz):
            with tenant_context(ref):
                seed_reference_data(ref)
                db.session.commit()
        with tenant_context(ts):
            assert _counts() == before
            assert catalog.find_category("0404").name == "供暖报停与热费"
            assert db.session.get(DispatchRule, rule.id).lead_department == "zjj"
        with tenant_context(sjz):
            assert catalog.find_category("0404").name == original  # the edit stayed in Tangshan
    finally:
        with tenant_context(ts):
            catalog.update_category("0404", {"name": original}, None)
            db.session.get(DispatchRule, rule.id).lead_department = rule_lead
            db.session.commit()


def test_a_missing_baseline_row_is_added_back_by_a_rerun(app_ctx, two_tenants):
    _, ts = two_tenants
    with tenant_context(ts):
        rule = db.session.scalar(
            select(DispatchRule).where(
                DispatchRule.category_code == "1804", DispatchRule.district_code.is_(None)
            )
        )
        db.session.delete(rule)  # as if the baseline gained this rule after Tangshan was provisioned
        db.session.commit()
        seed_reference_data(ts)
        db.session.commit()
        again = db.session.scalar(select(DispatchRule).where(DispatchRule.category_code == "1804"))
        assert again.lead_department == "gxj" and again.origin == "baseline"


@pytest.mark.slow
def test_a_non_demo_tenant_gets_the_baseline_without_districts(app_ctx):
    slug = f"city_{uuid.uuid4().hex[:6]}"
    ref = provision.create_tenant(slug, name="雄安新区", region_code="133100", order_prefix="XA")
    try:
        with tenant_context(ref):
            assert catalog.list_districts() == []
            assert catalog.list_departments(kind="district_government") == []
            assert catalog.get_department("gdgs").name == "国网雄安新区供电公司"
            counts = _counts()
            assert counts["categories"] > 100 and counts["dispatch_rules"] > 50
    finally:
        provision.drop_tenant(slug, yes=True)
