"""Seeding the demo knowledge base: through the knowledge service, published with the workflow's
record, idempotent, city overrides in that city only, and in a real rq worker from
``flask demo provision`` (docs/knowledge.md, "The demo set")."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from app.demo import kb
from app.knowledge import search, service
from app.knowledge.models import CityArticle, ProvinceArticle, ProvinceArticleVersion
from tenants import db, tenant_context
from tests.knowledge.test_workflow import AGENT, clean  # noqa: F401
from tests.support.workers import burst_worker

CITIES = ["shijiazhuang", "tangshan"]
PROVINCE = len(kb.raw_province())


def local(slug: str) -> int:
    return sum(a["city"] == slug for a in kb.raw_city())


def test_seed_publishes_every_article_once(clean):  # noqa: F811
    assert kb.missing(CITIES) == PROVINCE + local("shijiazhuang") + local("tangshan")
    assert kb.seed_all(CITIES) == {"province": PROVINCE, "shijiazhuang": 6, "tangshan": 3}
    assert kb.seed_all(CITIES) == {"province": 0, "shijiazhuang": 0, "tangshan": 0}
    assert kb.missing(CITIES) == 0
    by_state = select(ProvinceArticle.state, func.count()).group_by(ProvinceArticle.state)
    states = dict(db.session.execute(by_state).all())
    assert states == {"published": PROVINCE}
    assert db.session.scalar(select(func.count()).select_from(ProvinceArticleVersion)) == PROVINCE
    row = db.session.scalar(
        select(ProvinceArticle).where(ProvinceArticle.title == "专精特新中小企业认定和支持政策")
    )
    assert (row.reviewed_by, row.created_by, row.version) == (kb.REVIEWER, kb.EDITOR, 1)
    assert row.valid_to == date.today() + timedelta(days=9)  # "+9d" in the file: never stale
    assert row.search_tsv is not None and "\n\n" in row.content


def test_city_overrides_show_in_that_city_only(clean):  # noqa: F811
    kb.seed_all(CITIES)
    heating = "城市集中供热供暖期和室温标准"
    with tenant_context("shijiazhuang"):
        titles = {a.title for a in service.visible(AGENT)}
        assert "石家庄市集中供热供暖期和室温标准（本市版）" in titles and heating not in titles
        assert "唐山市城区养犬登记和年检" not in titles
        override = db.session.scalar(select(CityArticle).where(CityArticle.overrides_id.isnot(None)))
        assert db.session.get(ProvinceArticle, override.overrides_id).title == heating
        found = [h["title"] for h in search.keyword_search("暖气不热 温度不够", limit=10)]
        assert heating not in found and "石家庄市集中供热供暖期和室温标准（本市版）" in found
    with tenant_context("tangshan"):
        titles = {a.title for a in service.visible(AGENT)}
        assert heating in titles and "供暖报停和恢复用热办理" not in titles
        assert not any(t.startswith("石家庄市") for t in titles)
        lapsed = sum((a.get("valid_to") or "+").startswith("-") for a in kb.raw_province())  # out of validity
        assert lapsed >= 1 and len(titles) == PROVINCE - lapsed - 1 + local("tangshan")


def test_provision_queues_the_seed_for_a_real_worker(clean, cli, services):  # noqa: F811
    result = cli.invoke(args=["demo", "provision", "--tenants", ",".join(CITIES)])
    assert result.exit_code == 0, result.output
    assert "queued as job demo-kb-seed" in result.output
    assert db.session.scalar(select(func.count()).select_from(ProvinceArticle)) == 0  # not at start-up
    done = burst_worker(services, "default")
    assert done.returncode == 0, done.stderr[-2000:]
    db.session.rollback()
    assert kb.missing(CITIES) == 0
    again = cli.invoke(args=["demo", "provision", "--tenants", ",".join(CITIES)])
    assert "demo knowledge base ready" in again.output


def test_kb_command_seeds_now_and_refuses_unknown_cities(clean, cli):  # noqa: F811
    result = cli.invoke(args=["demo", "kb", "--tenants", "tangshan"])
    assert result.exit_code == 0, result.output
    assert f"province +{PROVINCE}, tangshan +3" in result.output
    bad = cli.invoke(args=["demo", "kb", "--tenants", "atlantis"])
    assert bad.exit_code == 2 and "atlantis" in bad.output
    with tenant_context("shijiazhuang"):
        assert db.session.scalar(select(func.count()).select_from(CityArticle)) == 0
