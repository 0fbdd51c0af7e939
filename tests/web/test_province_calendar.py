"""The province calendar page: a holiday of next year's schedule, its validation, the deadline
preview before and after it, saving; and the SLA policy overview per city."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import text_of

PAGE = "/province/admin/calendar"
SPRING = {  # 2027: Saturday 6 to Friday 12 February off, Sunday 14 worked
    "name": "春节",
    "off_from": "2027-02-06",
    "off_to": "2027-02-12",
    "workdays": "2027-02-14",
    "start": "2027-02-05T09:00",
    "working_days": "3",
    "year": "2027",
}


@pytest.fixture
def clean_2027(app):
    """Other tests count on 2027 having no national data: remove what these tests entered."""
    yield
    from datetime import date, timedelta

    from app.calendar import service
    from app.errors import NotFound
    from tenants import db

    with app.app_context():
        for i in range(10):
            try:
                service.delete_entry(city=False, day=date(2027, 2, 6) + timedelta(days=i))
            except NotFound:
                continue
        db.session.commit()


def _cell(html: str, testid: str) -> str:
    return re.search(rf'data-testid="{testid}"[^>]*>\s*([0-9-]+ [0-9:]+)', html).group(1)


def test_preview_then_save_moves_the_deadline(web, clean_2027):
    admin = web("province.admin")
    resp = admin.post(PAGE, {**SPRING, "action": "preview"}, token_from=PAGE + "?year=2027")
    html = text_of(resp)
    assert resp.status_code == 200, html
    assert _cell(html, "due-before") == "2027-02-10 23:59"  # Mon 8, Tue 9, Wed 10
    assert _cell(html, "due-after") == "2027-02-16 23:59"  # Sun 14 (调休), Mon 15, Tue 16
    assert 'data-moved="6"' in html
    assert 'data-day="2027-02-08"' not in html  # a preview saves nothing

    saved = text_of(admin.post(PAGE, {**SPRING, "action": "save"}, token_from=PAGE))
    assert 'data-testid="calendar-saved"' in saved
    assert 'data-day="2027-02-08"' in saved and 'data-day="2027-02-14"' in saved
    assert 'data-source="province"' in saved  # 2027 now has national data entered by the province

    # the calendar as it is now: the same preview without a change gives the new due date
    now = text_of(
        admin.post(
            PAGE, {"start": SPRING["start"], "working_days": "3", "action": "preview"}, token_from=PAGE
        )
    )
    assert _cell(now, "due-before") == _cell(now, "due-after") == "2027-02-16 23:59"

    # the deadline service every city uses sees it too
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from app.calendar import service

    due = service.province_view().add_working_days(
        datetime(2027, 2, 5, 9, tzinfo=ZoneInfo("Asia/Shanghai")), 3
    )
    assert due.astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat() == "2027-02-16"

    removed = admin.post(PAGE + "/2027-02-14/delete", token_from=PAGE)
    assert removed.status_code == 302
    assert 'data-day="2027-02-14"' not in text_of(admin.get(PAGE + "?year=2027"))


@pytest.mark.parametrize(
    "change, field",
    [
        ({"off_to": "2027-02-01"}, "off_to"),  # before the first day off
        ({"off_to": "2027-03-06"}, "off_to"),  # longer than a holiday can be
        ({"workdays": "2027-02-09"}, "workdays"),  # inside the holiday
        ({"workdays": "2027-02-15"}, "workdays"),  # a Monday: not an adjusted working day
        ({"name": ""}, "name"),
        ({"off_from": "2027-02-30"}, "off_from"),
        ({"working_days": "-1"}, "working_days"),
        ({"start": "yesterday"}, "start"),
    ],
)
def test_invalid_schedules_are_refused_and_change_nothing(web, change, field, clean_2027):
    admin = web("province.admin")
    resp = admin.post(PAGE, {**SPRING, **change, "action": "save"}, token_from=PAGE)
    assert resp.status_code == 422
    html = text_of(resp)
    assert f'id="{field}-error"' in html, html
    assert 'data-day="2027-02-08"' not in text_of(admin.get(PAGE + "?year=2027"))


def test_supervisors_preview_but_do_not_save(web, clean_2027):
    supervisor = web("province.supervisor")
    page = text_of(supervisor.get(PAGE))
    assert 'data-testid="preview"' in page and 'data-testid="save"' not in page
    assert supervisor.post(PAGE, {**SPRING, "action": "preview"}, token_from=PAGE).status_code == 200
    assert supervisor.post(PAGE, {**SPRING, "action": "save"}, token_from=PAGE).status_code == 403
    assert web("city_supervisor@tangshan").get(PAGE).status_code == 403
    assert web("province.admin").get(PAGE + "?year=abc").status_code == 422


def test_sla_overview_shows_each_citys_own_limits(app, client, auth_headers, web):
    headers = auth_headers("city_supervisor@tangshan")
    url = "/api/v1/tenants/tangshan/sla/policies/complaint/normal"
    original = client.get(url, headers=headers).get_json()
    limits = {
        k: original[k]
        for k in ("unit", "accept_limit", "return_limit", "extension_max_working_days", "warn_ratio")
    }
    assert client.put(url, json={**limits, "handle_limit": 7}, headers=headers).status_code == 200
    try:
        html = text_of(web("province.supervisor").get("/province/admin/sla"))
        row = re.search(r'<tr data-policy="complaint/normal">(.*?)</tr>', html, re.S).group(1)
        ts = re.search(r'data-city="tangshan" data-baseline="0"[^>]*>([^<]+)<', row).group(1)
        sjz = re.search(r'data-city="shijiazhuang" data-baseline="1"[^>]*>([^<]+)<', row).group(1)
        assert ts.startswith("7") and sjz.startswith("10")
        assert web("city_supervisor@tangshan").get("/province/admin/sla").status_code == 403
    finally:
        client.put(url, json={**limits, "handle_limit": original["handle_limit"]}, headers=headers)
