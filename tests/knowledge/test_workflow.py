"""Knowledge articles: field rules, versions with diffs, every workflow transition by role,
province articles in every city, a city override in that city only."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from app.auth.policy import PermissionDenied
from app.auth.principal import Principal
from app.errors import Conflict, DomainError
from app.knowledge import service
from tenants import db, tenant_context

LEAF = "劳动权益/工资支付/拖欠工资"


def who(role: str, tenant: str | None = None) -> Principal:
    return Principal(
        subject=role, username=f"{role}@{tenant or 'province'}", roles=frozenset({role}), tenant=tenant
    )


EDIT_CITY, EDIT_PROV = who("kb_editor", "shijiazhuang"), who("kb_editor")
CS, PS, AGENT = (
    who("city_supervisor", "shijiazhuang"),
    who("province_supervisor"),
    who("agent", "shijiazhuang"),
)


def fields(**over) -> dict:
    base = {
        "title": f"拖欠工资怎么投诉-{uuid.uuid4().hex[:6]}",
        "category_path": LEAF,
        "content": "向劳动保障监察大队投诉。",
        "issuing_unit": "市人社局",
        "material_type": "热点问答",
        "keywords": ["欠薪", "工资"],
    }
    return base | over


@pytest.fixture
def clean(app_ctx, two_tenants):
    yield
    with db.engine.begin() as conn:
        for schema in ("province", "t_shijiazhuang", "t_tangshan"):
            tables = (
                "kb_article_versions",
                "kb_articles",
                "kb_feedback",
                "kb_embeddings",
                "kb_embedding_counter",
            )
            for table in tables:
                if schema == "province" and table == "kb_feedback":
                    continue
                conn.execute(text(f'DELETE FROM "{schema}".{table}'))


def test_field_rules(clean):
    with tenant_context("shijiazhuang"):
        for bad, key in [
            ({"category_path": "劳动权益/工资支付"}, "category_path"),
            ({"title": "长" * 129}, "title"),
            ({"keywords": ["字" * 21]}, "keywords"),
            ({"material_type": "小说"}, "material_type"),
        ]:
            with pytest.raises(DomainError) as err:
                service.create(EDIT_CITY, province=False, **fields(**bad))
            assert key in err.value.errors
        row = service.create(EDIT_CITY, province=False, **fields(title="唯一标题"))
        assert row.state == "draft" and row.version == 1
        with pytest.raises(Conflict):
            service.create(EDIT_CITY, province=False, **fields(title="唯一标题"))
        db.session.rollback()


def test_every_transition_and_role(clean):
    with tenant_context("shijiazhuang"):
        row = service.create(EDIT_CITY, province=False, **fields())
        with pytest.raises(PermissionDenied):
            service.transition(AGENT, row.id, "submit", province=False)
        service.transition(EDIT_CITY, row.id, "submit", province=False)
        assert row.state == "in_review"
        with pytest.raises(PermissionDenied):  # editors do not review; nor province for a city article
            service.transition(EDIT_CITY, row.id, "publish", province=False)
        with pytest.raises(PermissionDenied):
            service.transition(PS, row.id, "publish", province=False)
        with pytest.raises(DomainError):  # reject needs a reason
            service.transition(CS, row.id, "reject", province=False)
        service.transition(CS, row.id, "reject", province=False, reason="来源不明")
        assert row.state == "draft" and row.reviewed_by == CS.username and row.review_reason == "来源不明"
        assert row.reviewed_at is not None
        service.update(EDIT_CITY, row.id, province=False, content="向劳动保障监察大队投诉，电话12333。")
        assert row.version == 2
        diffs = list(db.session.scalars(service.versions(row.id, province=False)))
        assert [v.version for v in diffs] == [1, 2] and "+向劳动保障监察大队投诉，电话12333。" in diffs[
            1
        ].diff
        service.transition(EDIT_CITY, row.id, "submit", province=False)
        service.transition(CS, row.id, "publish", province=False)
        assert row.state == "published"
        with pytest.raises(Conflict):  # published articles are not edited in place
            service.update(EDIT_CITY, row.id, province=False, content="x")
        with pytest.raises(Conflict):
            service.transition(CS, row.id, "publish", province=False)
        service.transition(CS, row.id, "withdraw", province=False, reason="政策调整")
        assert row.state == "withdrawn"
        db.session.commit()


def test_province_article_reviewed_by_province_and_override_in_one_city(clean):
    with tenant_context("shijiazhuang"):
        with pytest.raises(DomainError):  # a city editor does not write the province base
            service.create(EDIT_CITY, province=True, **fields())
        shared = service.create(EDIT_PROV, province=True, **fields(title="省级欠薪投诉指南"))
        service.transition(EDIT_PROV, shared.id, "submit", province=True)
        with pytest.raises(PermissionDenied):
            service.transition(CS, shared.id, "publish", province=True)
        service.transition(PS, shared.id, "publish", province=True)
        local = service.create(
            EDIT_CITY, province=False, overrides_id=shared.id, **fields(title="石家庄欠薪投诉")
        )
        service.transition(EDIT_CITY, local.id, "submit", province=False)
        service.transition(CS, local.id, "publish", province=False)
        draft = service.create(EDIT_CITY, province=False, **fields(title="石家庄草稿"))
        db.session.commit()
        titles = [a.title for a in service.visible(AGENT)]
        assert "石家庄欠薪投诉" in titles and "省级欠薪投诉指南" not in titles and draft.title not in titles
    with tenant_context("tangshan"):
        titles = [a.title for a in service.visible(who("agent", "tangshan"))]
        assert titles == ["省级欠薪投诉指南"]
