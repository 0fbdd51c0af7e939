"""``/api/v1/tenants/{tenant}/dispatch-rules`` and ``/dispatch/suggest``: the dispatch catalogue."""

from __future__ import annotations

from flask.views import MethodView

from tenants.db import db

from ..auth.http import current_principal, requires
from ..catalog.paging import page_of
from ..rest import responds
from ..tenancy.scope import tenant_blueprint
from . import service
from .schemas import (
    DispatchRuleCreateSchema,
    DispatchRulePatchSchema,
    DispatchRuleQuery,
    DispatchRuleSchema,
    DispatchSuggestionSchema,
    DispatchSuggestQuery,
)

blp = tenant_blueprint(
    "dispatch",
    __name__,
    description="Dispatch catalogue (派单目录): category x district -> lead and assisting departments, "
    "and the dispatch suggestion (most specific rule wins).",
)


@blp.route("/dispatch-rules")
class Rules(MethodView):
    @requires("catalog.read")
    @blp.arguments(DispatchRuleQuery(), location="query")
    @blp.response(200, DispatchRuleSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """Rules by category, district or department (as lead or assisting); paginated.

        The dispatch catalogue (派单目录): which department leads and which assist for a category, in one
        district or city-wide. The most specific active rule wins when a dispatcher asks for a
        suggestion.
        """
        stmt = service.rules_query(
            category=args.get("category"),
            district=args.get("district"),
            department=args.get("department"),
            status=args["status"],
        )
        return page_of(stmt, pagination_parameters)

    @requires("catalog.manage")
    @blp.arguments(
        DispatchRuleCreateSchema(),
        example={
            "category_code": "0403",
            "district_code": "130102",
            "lead_department": "rlgs",
            "assist_departments": ["cgj"],
            "note": "长安区供热由热力公司主办",
        },
    )
    @blp.doc(**responds(409))
    @blp.response(201, DispatchRuleSchema)
    def post(self, body):
        """Add a rule; one per (category, district or any), departments must be active.

        Adds a dispatch rule. There is at most one rule per category and district (or city-wide): a
        second one answers 409. Every department named must exist and be active (422).
        """
        rule = service.create_rule(body, current_principal().username)
        db.session.commit()
        return rule


@blp.route("/dispatch-rules/<int:rule_id>")
class RuleItem(MethodView):
    @requires("catalog.read")
    @blp.response(200, DispatchRuleSchema)
    def get(self, rule_id: int):
        """One rule, active or retired.

        A dispatch rule by id, with its category, district, lead and assisting departments and note. 404
        for an unknown id.
        """
        return service.get_rule(rule_id)

    @requires("catalog.manage")
    @blp.arguments(
        DispatchRulePatchSchema(), example={"assist_departments": ["cgj", "zjj"], "note": "增加住建局协办"}
    )
    @blp.doc(**responds(409))
    @blp.response(200, DispatchRuleSchema)
    def patch(self, body, rule_id: int):
        """Change the departments or note, retire (active=false) or reactivate.

        Changes only the fields sent; departments named must exist and be active. Reactivating a rule
        whose category and district another active rule covers answers 409.
        """
        rule = service.update_rule(rule_id, body, current_principal().username)
        db.session.commit()
        return rule


@blp.route("/dispatch/suggest")
class Suggest(MethodView):
    @requires("catalog.read")
    @blp.arguments(DispatchSuggestQuery(), location="query")
    @blp.response(200, DispatchSuggestionSchema)
    def get(self, args):
        """The departments the catalogue suggests for a category and district, with the reason.

        What the dispatch rules propose for an order of this category in this district: the lead
        department, the assisting ones and which rule matched (minor+district, minor, major+district or
        major), so a dispatcher can dispatch in one step.
        """
        return service.suggest(args["category"], args.get("district"))
