"""Validity: the daily job expires only published articles past valid_to, in province and cities;
each issuing unit is told once per expiry date; the stale reports per unit and per city."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app.catalog.models import Department
from app.knowledge import service, validity
from app.knowledge.models import CityArticle
from tenants import db, tenant_context
from tests.knowledge.test_search import publish
from tests.knowledge.test_workflow import CS, EDIT_CITY, EDIT_PROV, PS, clean, fields  # noqa: F401

TODAY = date(2027, 3, 1)


def test_daily_job_expires_past_articles_and_reports(clean):  # noqa: F811
    with tenant_context("shijiazhuang"):
        old = publish(EDIT_CITY, CS, False, title="旧通知", valid_to=date(2027, 2, 28))
        soon = publish(EDIT_CITY, CS, False, title="将到期", valid_to=date(2027, 3, 10))
        past_draft = service.create(
            EDIT_CITY, province=False, **fields(title="草稿", valid_to=date(2027, 1, 1))
        )
        shared = publish(EDIT_PROV, PS, True, title="省旧指南", valid_to=date(2027, 1, 1))
        db.session.commit()
        ids = old.id, soon.id, past_draft.id, shared.id
    assert validity.run_daily(TODAY) == 2
    with tenant_context("shijiazhuang"):
        rows = {
            a.title: a for a in db.session.scalars(select(CityArticle).where(CityArticle.id.in_(ids[:3])))
        }
        assert {t: a.state for t, a in rows.items()} == {
            "旧通知": "expired",
            "将到期": "published",
            "草稿": "draft",
        }
        assert rows["将到期"].expiry_notice_for == date(2027, 3, 10)  # the unit was told
        report = validity.stale_report(CityArticle, TODAY)
        assert report == [{"issuing_unit": "市人社局", "published": 1, "expiring": 1, "expired": 1}]


def test_a_unit_is_told_once_per_expiry_date(clean):  # noqa: F811
    with tenant_context("shijiazhuang"):
        a = publish(EDIT_CITY, CS, False, title="甲", valid_to=TODAY + timedelta(days=5))
        b = publish(
            EDIT_CITY, CS, False, title="乙", valid_to=TODAY + timedelta(days=3), issuing_unit="市教育局"
        )
        publish(EDIT_CITY, CS, False, title="远", valid_to=TODAY + timedelta(days=60))
        db.session.commit()
        first = validity.due_notices(CityArticle, TODAY)
        assert [(n.issuing_unit, [x[1] for x in n.articles]) for n in first] == [
            ("市人社局", ["甲"]),
            ("市教育局", ["乙"]),
        ]
        db.session.commit()
        assert validity.due_notices(CityArticle, TODAY + timedelta(days=1)) == []  # told already
        db.session.get(CityArticle, a.id).valid_to = TODAY + timedelta(days=10)  # renewed: warn again
        db.session.commit()
        again = validity.due_notices(CityArticle, TODAY + timedelta(days=1))
        assert [(n.issuing_unit, [x[0] for x in n.articles]) for n in again] == [("市人社局", [a.id])]
        assert b.id not in {x[0] for n in again for x in n.articles}
        db.session.rollback()


def test_department_sees_its_own_expiring_articles(clean):  # noqa: F811
    with tenant_context("shijiazhuang"):
        dept = db.session.scalars(select(Department).where(Department.name == "市住房和城乡建设局")).one()
        assert "石家庄市住房和城乡建设局" in validity.unit_names(dept, "石家庄市")
        mine = publish(
            EDIT_CITY,
            CS,
            False,
            title="加装电梯补助",
            issuing_unit="石家庄市住房和城乡建设局",
            valid_to=date.today() + timedelta(days=4),
        )
        publish(
            EDIT_CITY,
            CS,
            False,
            title="别人的",
            issuing_unit="石家庄市教育局",
            valid_to=date.today() + timedelta(days=4),
        )
        publish(
            EDIT_CITY,
            CS,
            False,
            title="还早",
            issuing_unit="石家庄市住房和城乡建设局",
            valid_to=date.today() + timedelta(days=90),
        )
        db.session.commit()
        assert [r.id for r in validity.owned_by(dept, date.today())] == [mine.id]
