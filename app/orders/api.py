"""``/api/v1/tenants/{tenant}/orders``: intake, reads, the actions (docs/architecture.md §4), the timeline."""

from __future__ import annotations

from flask import request
from flask.views import MethodView

from tenants import current_tenant, db

from .. import paging
from ..audit import service as audit
from ..auth.http import current_principal, requires
from ..metrics import orders_received
from ..rest import link, responds
from ..tenancy.scope import tenant_blueprint
from . import actions, queries
from .intake import intake
from .schemas import (
    ACTION_BODIES,
    ACTION_EXAMPLES,
    IntakeHeaders,
    OrderCreate,
    OrderOut,
    OrderQuery,
    OrderRead,
    TimelineEntry,
)
from .service import etag, get_visible, parse_if_match, reveal_phone
from .views import present
from .workflow import ACTIONS

blp = tenant_blueprint(
    "orders", __name__, "/orders", description="Work orders (工单): intake, actions, timeline"
)


def _links(order_id: str, actions: list[str], *, reads: bool = True) -> dict:
    """OpenAPI links from a response naming an order to what may follow (the workflow as data)."""
    links = {}
    if reads:
        links["GetOrder"] = link(
            "orders.OrderItem", "get", "Read this order", tenant=TENANT, order_id=order_id
        )
        links["GetTimeline"] = link(
            "orders.OrderTimeline", "get", "Its timeline", tenant=TENANT, order_id=order_id
        )
    for name in actions:
        title = "".join(p.title() for p in name.split("-"))
        links[title] = link(
            f"orders.action_{name.replace('-', '_')}",
            "post",
            ACTIONS[name].summary,
            tenant=TENANT,
            order_id=order_id,
        )
    return links


def _next_actions(state: str | None, from_states: tuple[str, ...] = ()) -> list[str]:
    """Actions allowed once an order is in ``state`` (unchanged: one of ``from_states``)."""
    states = {state} if state else set(from_states)
    return [name for name, a in ACTIONS.items() if states & set(a.from_states)]


TENANT = "$request.path.tenant"


@blp.route("")
class Orders(MethodView):
    @requires("orders.read")
    @blp.arguments(OrderQuery(), location="query")
    @blp.response(200, OrderOut(many=True))
    @blp.doc(responses={200: {"links": _links("$response.body#/0/id", list(ACTIONS))}})
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """List orders visible to you (handlers: their department's), newest first.

        Filters combine (status may repeat: `?status=received&status=returned`). Handlers see only
        orders assigned to their department; caller phones are masked and confidential callers hidden
        from roles that may not see them. Paginated: `page`, `page_size`, totals in the `X-Pagination`
        header.
        """
        principal = current_principal()
        rows = paging.page(queries.order_query(principal, args), pagination_parameters)
        return [present(o, principal) for o in rows]

    @requires("orders.create")
    @blp.arguments(OrderCreate())
    @blp.arguments(IntakeHeaders(), location="headers", error_status_code=400)
    @blp.response(201, OrderOut)
    @blp.doc(responses={201: {"links": _links("$response.body#/id", _next_actions("received"))}})
    def post(self, body, sent):
        """Take an appeal (受理) from any channel; flags repeat appeals (重复诉求) for merging.

        Creates an order in `received` with its number (`SJZ-20261128-000123`) and its deadlines from
        the city's SLA policy and working-day calendar. Send an `Idempotency-Key` header to retry
        safely: the same key and body return the same order (`Idempotent-Replayed: true`), a different
        body under the same key answers 422. `repeat_candidates` lists orders of the same caller or
        place in the last 30 days.
        """
        key = sent["idempotency_key"]
        principal = current_principal()
        order, created, repeats = intake(principal, body, key)
        db.session.commit()
        if created:
            orders_received().labels(current_tenant().slug, order.channel).inc()
        headers = {"ETag": etag(order), "Location": f"{request.path.rstrip('/')}/{order.id}"}
        if not created:
            headers["Idempotent-Replayed"] = "true"
        return present(order, principal, repeat_candidates=repeats), headers


@blp.route("/<int:order_id>")
class OrderItem(MethodView):
    @requires("orders.read")
    @blp.arguments(OrderRead(), location="query")
    @blp.response(200, OrderOut)
    @blp.doc(responses={200: {"links": _links("$request.path.order_id", list(ACTIONS), reads=False)}})
    def get(self, args, order_id):
        """One order; `?reveal=phone` shows the caller's phone to roles that need it (audited).

        The order with its assignments, deadlines and caller (masked phone). The `ETag` header is its
        version: send it back as `If-Match` on an action to avoid acting on a stale copy.
        `?reveal=phone` is for agents, dispatchers and city supervisors and writes an audit entry.
        """
        principal = current_principal()
        order = get_visible(principal, order_id)
        phone = reveal_phone(principal, order) if args.get("reveal") == "phone" else None
        db.session.commit()  # a reveal is recorded even on a read
        return present(order, principal, phone=phone), {"ETag": etag(order)}


@blp.route("/<int:order_id>/timeline")
class OrderTimeline(MethodView):
    @requires("orders.read")
    @blp.response(200, TimelineEntry(many=True))
    def get(self, order_id):
        """The order's timeline: every state change and reveal, from the audit chain.

        Entries in the order they happened, each with actor, action and details. `seq` is the entry's
        place in the city's hash-chained audit log; it is null for the moment between commit and sealing
        (normally under a second).
        """
        get_visible(current_principal(), order_id)
        return audit.timeline(order_id)


def _register_action(name: str) -> None:
    action = ACTIONS[name]

    class ActionView(MethodView):
        @requires(action.permission)
        @blp.arguments(ACTION_BODIES[name](), example=ACTION_EXAMPLES[name])
        @blp.response(200, OrderOut)
        @blp.doc(
            parameters=[
                {
                    "in": "header",
                    "name": "If-Match",
                    "schema": {"type": "string"},
                    "description": "the order's ETag; 412 when stale",
                }
            ],
            responses={
                200: {
                    "links": _links(
                        "$request.path.order_id", _next_actions(action.to_state, action.from_states)
                    )
                },
                **responds(409, 412)["responses"],
            },
        )
        def post(self, body, order_id):
            principal = current_principal()
            order = actions.perform(
                principal, order_id, name, body, parse_if_match(request.headers.get("If-Match"))
            ).order
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
