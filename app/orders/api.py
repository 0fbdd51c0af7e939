"""``/api/v1/tenants/{tenant}/orders``: intake, reads, the actions (docs/architecture.md §4), the timeline."""

from __future__ import annotations

from flask import request
from flask.views import MethodView

from tenants import current_tenant, db

from ..audit import service as audit
from ..auth.http import current_principal, requires
from ..errors import DomainError
from ..metrics import orders_received
from ..tenancy.scope import tenant_blueprint
from . import actions, queries
from .intake import intake
from .schemas import ACTION_BODIES, OrderCreate, OrderOut, OrderQuery, OrderRead, TimelineEntry
from .service import etag, get_visible, parse_if_match
from .views import present
from .workflow import ACTIONS

blp = tenant_blueprint(
    "orders", __name__, "/orders", description="Work orders (工单): intake, actions, timeline"
)


@blp.route("")
class Orders(MethodView):
    @requires("orders.read")
    @blp.arguments(OrderQuery(), location="query")
    @blp.response(200, OrderOut(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """List orders visible to you (handlers: their department's), newest first."""
        principal = current_principal()
        rows, total = queries.page(
            queries.order_query(principal, args), pagination_parameters.page, pagination_parameters.page_size
        )
        pagination_parameters.item_count = total
        return [present(o, principal) for o in rows]

    @requires("orders.create")
    @blp.arguments(OrderCreate())
    @blp.response(201, OrderOut)
    @blp.doc(
        parameters=[
            {
                "in": "header",
                "name": "Idempotency-Key",
                "schema": {"type": "string"},
                "description": "same key and body return the same order",
            }
        ]
    )
    def post(self, body):
        """Take an appeal (受理) from any channel; flags repeat appeals (重复诉求) for merging."""
        key = request.headers.get("Idempotency-Key")
        if key is not None and not 1 <= len(key) <= 255:
            raise DomainError("Idempotency-Key must be 1-255 characters", status=400)
        principal = current_principal()
        order, created = intake(principal, body, key)
        db.session.commit()
        if created:
            orders_received().labels(current_tenant().slug, order.channel).inc()
        headers = {"ETag": etag(order), "Location": f"{request.path.rstrip('/')}/{order.id}"}
        if not created:
            headers["Idempotent-Replayed"] = "true"
        return present(order, principal), headers


@blp.route("/<int:order_id>")
class OrderItem(MethodView):
    @requires("orders.read")
    @blp.arguments(OrderRead(), location="query")
    @blp.response(200, OrderOut)
    def get(self, args, order_id):
        """One order; `?reveal=phone` shows the caller's phone to roles that need it (audited)."""
        principal = current_principal()
        order = get_visible(principal, order_id)
        data = present(order, principal, reveal_phone=args.get("reveal") == "phone")
        db.session.commit()  # a reveal is recorded even on a read
        return data, {"ETag": etag(order)}


@blp.route("/<int:order_id>/timeline")
class OrderTimeline(MethodView):
    @requires("orders.read")
    @blp.response(200, TimelineEntry(many=True))
    def get(self, order_id):
        """The order's timeline: every state change and reveal, from the audit chain."""
        get_visible(current_principal(), order_id)
        return audit.timeline(order_id)


def _register_action(name: str) -> None:
    action = ACTIONS[name]

    class ActionView(MethodView):
        @requires(action.permission)
        @blp.arguments(ACTION_BODIES[name]())
        @blp.response(200, OrderOut)
        @blp.doc(
            parameters=[
                {
                    "in": "header",
                    "name": "If-Match",
                    "schema": {"type": "string"},
                    "description": "the order's ETag; 412 when stale",
                }
            ]
        )
        def post(self, body, order_id):
            principal = current_principal()
            order = actions.perform(
                principal, order_id, name, body, parse_if_match(request.headers.get("If-Match"))
            )
            db.session.commit()
            return present(order, principal), {"ETag": etag(order)}

    allowed = ", ".join(action.from_states)
    ActionView.post.__doc__ = (
        f"{action.summary}\n\nFrom: {allowed}. 409 in any other state; 403 for other roles."
    )
    ActionView.__name__ = "Order" + "".join(p.title() for p in name.split("-"))
    blp.route(f"/<int:order_id>/{name}", endpoint=f"action_{name.replace('-', '_')}")(ActionView)


for _name in ACTIONS:
    _register_action(_name)
