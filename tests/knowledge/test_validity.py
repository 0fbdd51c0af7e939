"""Validity: the daily job expires only published articles past valid_to, in province and cities."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

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
        states = {
            a.title: a.state
            for a in db.session.scalars(select(CityArticle).where(CityArticle.id.in_(ids[:3])))
        }
        assert states == {"旧通知": "expired", "将到期": "published", "草稿": "draft"}
        assert validity.expiring_soon(CityArticle, TODAY) == {"市人社局": ["将到期"]}
        report = validity.stale_report(CityArticle, TODAY)
        assert report == [{"issuing_unit": "市人社局", "published": 1, "expiring": 1, "expired": 1}]
