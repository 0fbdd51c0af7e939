"""``/api/v1/tenants/{tenant}/dispatch-rules`` and ``/dispatch/suggest``: the dispatch catalogue."""

from __future__ import annotations

from flask.views import MethodView

from tenants.db import db

from .. import paging
from ..auth.http import current_principal, requires
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
        """Rules by category, district or department (as lead or assisting); paginated."""
        stmt = service.rules_query(
            category=args.get("category"),
            district=args.get("district"),
            department=args.get("department"),
            status=args["status"],
        )
        return paging.page(stmt, pagination_parameters)

    @requires("catalog.manage")
    @blp.arguments(DispatchRuleCreateSchema())
    @blp.response(201, DispatchRuleSchema)
    def post(self, body):
        """Add a rule; one per (category, district or any), departments must be active."""
        rule = service.create_rule(body, current_principal().username)
        db.session.commit()
        return rule


@blp.route("/dispatch-rules/<int:rule_id>")
class RuleItem(MethodView):
    @requires("catalog.read")
    @blp.response(200, DispatchRuleSchema)
    def get(self, rule_id: int):
        """One rule, active or retired."""
        return service.get_rule(rule_id)

    @requires("catalog.manage")
    @blp.arguments(DispatchRulePatchSchema())
    @blp.response(200, DispatchRuleSchema)
    def patch(self, body, rule_id: int):
        """Change the departments or note, retire (active=false) or reactivate."""
        rule = service.update_rule(rule_id, body, current_principal().username)
        db.session.commit()
        return rule


@blp.route("/dispatch/suggest")
class Suggest(MethodView):
    @requires("catalog.read")
    @blp.arguments(DispatchSuggestQuery(), location="query")
    @blp.response(200, DispatchSuggestionSchema)
    def get(self, args):
        """The departments the catalogue suggests for a category and district, with the reason."""
        return service.suggest(args["category"], args.get("district"))
