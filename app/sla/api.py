"""``/api/v1/tenants/<tenant>/sla``: deadline preview and the city's SLA policies."""

from __future__ import annotations

from flask.views import MethodView

from ..auth.http import current_principal, requires
from ..tenancy.scope import tenant_blueprint
from . import service
from .schemas import DeadlineQuerySchema, DeadlineSchema, PolicyInSchema, PolicyPathSchema, PolicySchema

blp = tenant_blueprint(
    "sla",
    __name__,
    url_prefix="/sla",
    description="Time limits (限时办结): deadlines in working days of this city's calendar, and the "
    "city's limits per appeal type and urgency. Emergency orders count wall-clock hours.",
)


def _dump(row) -> dict:
    return {
        **{c.key: getattr(row, c.key) for c in row.__table__.columns},
        "baseline": service.is_baseline(row),
    }


@blp.route("/deadline")
class Deadline(MethodView):
    @requires("sla.read")
    @blp.arguments(DeadlineQuerySchema(), location="query")
    @blp.response(200, DeadlineSchema)
    def get(self, args):
        """Preview a deadline: `appeal_type` + `urgency` for the policy, or `working_days` for raw arithmetic.

        Day 1 is the first working day after the start's date (Asia/Shanghai); the deadline is
        23:59:59 of the Nth working day. Calendar precedence: city entry > province entry >
        chinese-calendar > Monday-Friday. A year with no national data is listed in
        `fallback_years` with a warning.
        """
        return service.preview(**args)


@blp.route("/policies")
class Policies(MethodView):
    @requires("sla.read")
    @blp.response(200, PolicySchema(many=True))
    @blp.paginate(page_size=50)
    def get(self, pagination_parameters):
        """This city's SLA policies, by appeal type and urgency.

        One policy per appeal type and urgency: time limits to sign for, handle and return an order, in
        working days or hours, the warning ratio and the longest extension. Paginated.
        """
        rows, total = service.list_policies(pagination_parameters.page, pagination_parameters.page_size)
        pagination_parameters.item_count = total
        return [_dump(r) for r in rows]


@blp.route("/policies/<string:appeal_type>/<string:urgency>")
class Policy(MethodView):
    @requires("sla.read")
    @blp.arguments(PolicyPathSchema(), location="path")
    @blp.response(200, PolicySchema)
    def get(self, path, appeal_type, urgency):
        """One policy.

        The policy for one appeal type (consultation, help, complaint, report, suggestion, praise) and
        urgency (normal, urgent, emergency) of this city.
        """
        return _dump(service.get_policy(**path))

    @requires("sla.manage")
    @blp.arguments(PolicyPathSchema(), location="path")
    @blp.arguments(
        PolicyInSchema(),
        example={
            "unit": "working_days",
            "accept_limit": 1,
            "handle_limit": 10,
            "return_limit": 2,
            "extension_max_working_days": 10,
            "warn_ratio": 0.8,
        },
    )
    @blp.response(200, PolicySchema)
    def put(self, path, limits, appeal_type, urgency):
        """Replace this city's limits for one appeal type and urgency; other cities are unaffected.

        Orders keep the deadlines computed when they were received; new orders use the new limits.
        """
        return _dump(service.put_policy(**path, limits=limits, by=current_principal().username))
