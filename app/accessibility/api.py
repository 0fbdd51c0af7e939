"""``/api/v1/tenants/{tenant}/accessibility``: agents' skills, the skilled agent's queue, routing, KPIs."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import fields, validate

from tenants import db

from .. import paging
from ..auth.http import current_principal, requires
from ..orders.schemas import OrderOut
from ..orders.service import get_visible
from ..orders.views import present
from ..rest import Schema
from ..tenancy.scope import tenant_blueprint
from . import service
from .needs import SKILLS

blp = tenant_blueprint(
    "accessibility",
    __name__,
    "/accessibility",
    description="Accessibility (无障碍): caller needs, agents' skills, routing to skilled agents, KPIs",
)


class SkillIn(Schema):
    skill = fields.String(required=True, validate=validate.OneOf(SKILLS))
    detail = fields.String(validate=validate.Length(max=64), load_default=None, metadata={"example": "en,ja"})


class SkillsIn(Schema):
    skills = fields.List(fields.Nested(SkillIn), required=True, validate=validate.Length(max=len(SKILLS)))


class SkillOut(Schema):
    skill = fields.String(metadata={"example": "sign_language"})
    detail = fields.String(allow_none=True)


class RoutingOut(Schema):
    order_id = fields.Integer()
    needs = fields.List(fields.String())
    required_skills = fields.List(fields.String())
    human_only = fields.Boolean(
        metadata={"description": "elderly or impaired caller: a person, never a robot"}
    )
    agents = fields.List(fields.String(), metadata={"description": "agents holding every required skill"})


class GroupKpi(Schema):
    need = fields.String(metadata={"example": "elderly"})
    orders = fields.Integer()
    open = fields.Integer()
    closed = fields.Integer()
    overdue = fields.Integer()
    satisfied = fields.Integer()
    called_back = fields.Integer()
    satisfaction_rate = fields.Float(allow_none=True)


SKILLS_EXAMPLE = {"skills": [{"skill": "sign_language"}, {"skill": "foreign_language", "detail": "en"}]}


@blp.route("/agents/<string:username>/skills")
class AgentSkills(MethodView):
    @requires("orders.read")
    @blp.response(200, SkillOut(many=True))
    def get(self, username):
        """An agent's skills (坐席技能).

        Which caller needs the agent can answer; usernames are the realm's (`agent@shijiazhuang`).
        """
        return service.skills_of(username)

    @requires("agents.skills")
    @blp.arguments(SkillsIn(), example=SKILLS_EXAMPLE)
    @blp.response(200, SkillOut(many=True))
    def put(self, body, username):
        """Replace an agent's skills (the whole set).

        Skills: sign language, foreign language, dialect, minority language, elderly care.
        Orders whose caller needs a skill are routed to agents holding it. Audited.
        """
        out = service.set_skills(current_principal(), username, body["skills"])
        db.session.commit()
        return out


@blp.route("/queue")
class SkilledQueue(MethodView):
    @requires("orders.read")
    @blp.response(200, OrderOut(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """Received orders whose callers need a skill you hold (e.g. sign-language video), oldest first.

        Paginated: `page`, `page_size`, totals in `X-Pagination`.
        """
        principal = current_principal()
        rows = paging.page(service.my_queue(principal), pagination_parameters)
        return [present(o, principal) for o in rows]


@blp.route("/orders/<int:order_id>/routing")
class OrderRouting(MethodView):
    @requires("orders.read")
    @blp.response(200, RoutingOut)
    def get(self, order_id):
        """Who should take this order (技能路由).

        The skills its caller's needs require, the agents holding them, and whether it must go to a
        human (elderly, hearing or speech impaired: 人工优先).
        """
        return service.routing(get_visible(current_principal(), order_id))


@blp.route("/kpis")
class GroupKpis(MethodView):
    @requires("orders.read")
    @blp.response(200, GroupKpi(many=True))
    def get(self):
        """KPIs per caller group (特殊群体).

        Per recorded need: orders, open, closed, overdue, callbacks and the satisfaction rate.
        """
        return service.kpis(current_principal())
