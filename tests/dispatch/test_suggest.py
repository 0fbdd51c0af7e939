"""The dispatch suggestion: the most specific active rule wins, deterministically."""

from __future__ import annotations

from app.catalog import service as catalog
from app.dispatch import service as dispatch
from tenants import db, tenant_context


def test_baseline_suggestions_for_a_demo_city(app_ctx, two_tenants):
    with tenant_context("shijiazhuang"):
        heating = dispatch.suggest("0403", "130101")
        assert (heating.lead, heating.assists, heating.specificity) == ("rlgs", ["zjj"], "minor")
        local = dispatch.suggest("0102", "130101")  # 物业管理 in 长安区: 属地 first
        assert (local.lead, local.assists, local.specificity) == ("gov_130101", ["zjj"], "minor+district")
        assert "长安区" in local.reason and f"rule {local.rule_id}" in local.reason
        assert dispatch.suggest("0102", None).lead == "zjj"
        fallback = dispatch.suggest("0101", "130101")  # no minor rule: the major's
        assert (fallback.lead, fallback.specificity) == ("zjj", "major")
        nobody = dispatch.suggest("2002", None)
        assert nobody.lead is None and nobody.rule_id is None and "dispatcher decides" in nobody.reason
        unknown = dispatch.suggest("9999", None)
        assert unknown.lead is None and "unknown" in unknown.reason
        stranger = dispatch.suggest("0102", "130201")  # a Tangshan district code
        assert stranger.lead == "zjj" and "130201" in stranger.reason
        assert dispatch.suggest("0102", "130101") == local  # deterministic
    with tenant_context("tangshan"):
        assert dispatch.suggest("0102", "130201").lead == "gov_130201"


def test_most_specific_rule_wins_and_retiring_falls_back(app_ctx, two_tenants):
    """minor+district > minor > major+district > major, on a test-only taxonomy branch."""
    actor = "test"
    with tenant_context("tangshan"):
        catalog.create_category({"code": "97", "name": "测试", "name_en": "Test"}, actor)
        catalog.create_category({"code": "9701", "name": "测试小类", "name_en": "Test minor"}, actor)
        for code in ("t_major", "t_major_d", "t_minor", "t_minor_d", "t_help"):
            catalog.create_department({"code": code, "name": code, "kind": "other"}, actor)
        rules = {
            "major": dispatch.create_rule({"category_code": "97", "lead_department": "t_major"}, actor),
            "major+district": dispatch.create_rule(
                {"category_code": "97", "district_code": "130202", "lead_department": "t_major_d"}, actor
            ),
            "minor": dispatch.create_rule(
                {"category_code": "9701", "lead_department": "t_minor", "assist_departments": ["t_help"]},
                actor,
            ),
            "minor+district": dispatch.create_rule(
                {"category_code": "9701", "district_code": "130202", "lead_department": "t_minor_d"}, actor
            ),
        }
        db.session.commit()
        expected = [
            ("minor+district", "t_minor_d"),
            ("minor", "t_minor"),
            ("major+district", "t_major_d"),
            ("major", "t_major"),
        ]
        for kind, lead in expected:
            s = dispatch.suggest("9701", "130202")
            assert (s.specificity, s.lead, s.rule_id) == (kind, lead, rules[kind].id)
            dispatch.update_rule(rules[kind].id, {"active": False}, actor)
        assert dispatch.suggest("9701", "130202").lead is None
        for rule in rules.values():
            dispatch.update_rule(rule.id, {"active": True}, actor)
        # Another district sees only the city-wide rules; a major code works too.
        assert dispatch.suggest("9701", "130203").lead == "t_minor"
        assert dispatch.suggest("97", "130202").lead == "t_major_d"
        # A retired lead is skipped (and said so); a retired assistant is left out.
        catalog.update_department("t_minor_d", {"active": False}, actor)
        catalog.update_department("t_help", {"active": False}, actor)
        s = dispatch.suggest("9701", "130202")
        assert (s.lead, s.assists, s.specificity) == ("t_minor", [], "minor")
        assert "t_minor_d is inactive" in s.reason and "t_help" in s.reason
        db.session.commit()
    with tenant_context("shijiazhuang"):
        assert dispatch.suggest("9701", None).lead is None  # Tangshan's rules stay in Tangshan
