"""One pagination helper (app.paging.page) behind every paginated list."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app import paging
from app.catalog.models import Department
from tenants import db, tenant_context

from .conftest import SJZ


@dataclass
class Request:
    page: int
    page_size: int
    item_count: int | None = None


def test_pages_cover_the_select_in_its_order_and_count_it(app_ctx, two_tenants):
    with tenant_context(SJZ):
        stmt = select(Department).order_by(Department.code)
        everything = [d.code for d in db.session.scalars(stmt)]
        assert len(everything) > 3
        seen = []
        for n in range(1, len(everything) // 3 + 2):
            request = Request(n, 3)
            seen += [d.code for d in paging.page(stmt, request)]
            assert request.item_count == len(everything)
        assert seen == everything
        assert paging.page(stmt, Request(10_000, 3)) == []  # past the end: empty, still counted


def test_rows_mode_keeps_every_selected_column(app_ctx, two_tenants):
    with tenant_context(SJZ):
        stmt = select(Department.code, Department.name).order_by(Department.code)
        request = Request(1, 2)
        rows = paging.page(stmt, request, rows=True)
        assert [tuple(r) for r in rows] == [tuple(r) for r in db.session.execute(stmt.limit(2))]


def test_every_paginated_endpoint_reports_the_same_header(client, auth_headers, two_tenants):
    """orders, departments, dispatch rules, calendar, SLA policies, province lists: X-Pagination."""
    urls = [
        ("/api/v1/tenants/shijiazhuang/orders", "dispatcher@shijiazhuang"),
        ("/api/v1/tenants/shijiazhuang/departments", "dispatcher@shijiazhuang"),
        ("/api/v1/tenants/shijiazhuang/dispatch-rules", "dispatcher@shijiazhuang"),
        ("/api/v1/tenants/shijiazhuang/calendar", "dispatcher@shijiazhuang"),
        ("/api/v1/tenants/shijiazhuang/sla/policies", "dispatcher@shijiazhuang"),
        ("/api/v1/province/calendar", "province.admin"),
        ("/api/v1/province/orders", "province.admin"),
        ("/api/v1/province/transfers", "province.admin"),
        ("/api/v1/province/supervisions", "province.admin"),
        ("/api/v1/tenants/shijiazhuang/transfers", "dispatcher@shijiazhuang"),
    ]
    for url, user in urls:
        resp = client.get(url + "?page=1&page_size=2", headers=auth_headers(user))
        assert resp.status_code == 200, (url, resp.get_json())
        assert "X-Pagination" in resp.headers or resp.get_json() == [], url
        assert len(resp.get_json()) <= 2, url
