"""Calendar entries: ``/api/v1/province/calendar`` (once for the province) and
``/api/v1/tenants/<tenant>/calendar`` (local days of one city).

Precedence when computing deadlines: city entry > province entry > chinese-calendar >
Monday-Friday (flagged). A write is seen by the next request in every process.
"""

from __future__ import annotations

from flask.views import MethodView

from ..auth.http import current_principal, requires
from ..rest import Blueprint
from ..tenancy.scope import tenant_blueprint
from . import service
from .schemas import CalendarEntryInSchema, CalendarEntrySchema, DayPathSchema, YearQuerySchema

PAGE_SIZE = 50

province_blp = Blueprint(
    "province_calendar",
    __name__,
    url_prefix="/api/v1/province/calendar",
    description="Province calendar (省级日历): years chinese-calendar does not cover yet, and corrections. "
    "Writes: province_admin.",
)
city_blp = tenant_blueprint(
    "city_calendar",
    __name__,
    url_prefix="/calendar",
    description="City calendar (市级日历): local days off or working days that override the province "
    "and the national calendar for this city only.",
)


def _views(blp: Blueprint, *, city: bool, manage: str) -> None:
    """List, put and delete on either scope (routes registered on ``blp``)."""

    @blp.route("")
    class DayEntries(MethodView):
        @requires("calendar.read")
        @blp.arguments(YearQuerySchema(), location="query")
        @blp.response(200, CalendarEntrySchema(many=True))
        @blp.paginate(page_size=PAGE_SIZE)
        def get(self, args, pagination_parameters):
            """List entered days, by date (the library's own days are not listed).

            The days entered by hand at this scope (the province, or one city), optionally of one
            `year`. Statutory holidays known to the chinese-calendar library are not listed; entries
            here override it (a city entry overrides the province). Paginated.
            """
            rows, total = service.list_entries(
                city=city,
                year=args.get("year"),
                page=pagination_parameters.page,
                page_size=pagination_parameters.page_size,
            )
            pagination_parameters.item_count = total
            return rows

    @blp.route("/<string:day>")
    class DayEntry(MethodView):
        @requires(manage)
        @blp.arguments(DayPathSchema(), location="path")
        @blp.arguments(CalendarEntryInSchema())
        @blp.response(200, CalendarEntrySchema)
        def put(self, path, body, day):
            """Enter a day: `is_workday` false for a holiday, true for an adjusted working day.

            Creates or replaces the entry for that date (years the library does not cover yet,
            corrections, local days off). Deadlines computed after the write see it in every process.
            Dates from 2000 to 2099.
            """
            return service.put_entry(city=city, day=path["day"], by=current_principal().username, **body)

        @requires(manage)
        @blp.arguments(DayPathSchema(), location="path")
        @blp.response(204)
        def delete(self, path, day):
            """Remove an entry (undo a mistake); the day falls back to the next source.

            Deletes the entry for that date: the day is then whatever the next source says (province
            entry, the chinese-calendar library, then Monday to Friday). 404 when there is no entry.
            """
            service.delete_entry(city=city, day=path["day"])


_views(province_blp, city=False, manage="calendar.manage_province")
_views(city_blp, city=True, manage="calendar.manage_city")
