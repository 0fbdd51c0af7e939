"""``/api/v1/tenants/{tenant}/webhooks``: a city's webhook subscriptions, their delivery log, replay."""

from __future__ import annotations

from flask.views import MethodView

from tenants import db

from .. import paging
from ..auth.http import current_principal, requires
from ..orders.service import actor_of
from ..rest import responds
from ..tenancy.scope import tenant_blueprint
from . import service
from .schemas import (
    DeliveryDetail,
    DeliveryOut,
    DeliveryQuery,
    EventTypesOut,
    SubscriptionIn,
    SubscriptionIssued,
    SubscriptionOut,
    SubscriptionPatch,
)

blp = tenant_blueprint(
    "webhooks",
    __name__,
    "/webhooks",
    description="Webhooks (事件推送) for a city's third parties: subscriptions by event type, signed "
    "deliveries with retries through the outbox, the delivery log and replay. Events carry no "
    "personal data: no caller, no appeal text, no address.",
)


@blp.route("")
class Subscriptions(MethodView):
    @requires("webhooks.read")
    @blp.response(200, SubscriptionOut(many=True))
    def get(self):
        """The city's webhook subscriptions, oldest first (secrets are never shown again).

        Each subscription names a URL and the event types it receives; `active: false` pauses it.
        """
        return service.subscriptions()

    @requires("webhooks.manage")
    @blp.arguments(
        SubscriptionIn(),
        example={
            "url": "https://partner.example.cn/hooks/12345",
            "event_types": ["order.created", "order.dispatched", "order.replied", "order.closed"],
            "description": "市数据局 工单同步",
        },
    )
    @blp.response(201, SubscriptionIssued)
    def post(self, body):
        """Subscribe a URL to event types; the answer shows the signing secret once.

        Every event of those types in this city is POSTed to `url` as JSON, signed:
        `X-Hotline-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">` with the returned `secret`.
        `X-Hotline-Event-Id` is the idempotency key (deliveries are at least once); a receiver
        answering 2xx has it, 408/425/429/5xx or no answer is retried with exponential back-off,
        another 4xx ends the delivery as a dead letter. Events start within 5 seconds.
        """
        row, secret = service.create(body, current_principal().username)
        db.session.commit()
        return {**_out(row), "secret": secret}


@blp.route("/event-types")
class EventTypes(MethodView):
    @requires("webhooks.read")
    @blp.response(200, EventTypesOut)
    def get(self):
        """The event types a subscription may choose, one per order action or deadline mark.

        `order.created` at intake, one per workflow action (`order.dispatched`, `order.replied`,
        `order.closed` ...), `order.deadline_warning` and `order.overdue` from the deadline sweep.
        """
        return {"types": list(service.TYPES)}


@blp.route("/<int:subscription_id>")
class SubscriptionItem(MethodView):
    @requires("webhooks.read")
    @blp.response(200, SubscriptionOut)
    def get(self, subscription_id):
        """One subscription (without its secret).

        Its URL, event types, description and whether it is active.
        """
        return service.get(subscription_id)

    @requires("webhooks.manage")
    @blp.arguments(SubscriptionPatch(), example={"event_types": ["order.closed"], "active": True})
    @blp.response(200, SubscriptionOut)
    def patch(self, body, subscription_id):
        """Change a subscription's URL, event types, description or state.

        `active: false` pauses it: events are no longer fanned out to it, and deliveries still waiting
        end as dead letters (replay them after resuming).
        """
        row = service.update(subscription_id, body)
        db.session.commit()
        return row

    @requires("webhooks.manage")
    @blp.response(204)
    def delete(self, subscription_id):
        """Delete a subscription; its waiting deliveries end as dead letters.

        The delivery log stays in the city's outbox (province admins see dead letters there).
        """
        service.delete(subscription_id)
        db.session.commit()


@blp.route("/<int:subscription_id>/secret")
class SubscriptionSecret(MethodView):
    @requires("webhooks.manage")
    @blp.response(200, SubscriptionIssued)
    def post(self, subscription_id):
        """Issue a new signing secret (shown once); deliveries from now on use it.

        Deliveries already sent keep the old signature; verify with both while switching over.
        """
        row, secret = service.rotate_secret(subscription_id)
        db.session.commit()
        return {**_out(row), "secret": secret}


@blp.route("/<int:subscription_id>/ping")
class SubscriptionPing(MethodView):
    @requires("webhooks.manage")
    @blp.response(202, DeliveryOut)
    def post(self, subscription_id):
        """Send a `ping` event to this subscription only, to check the receiver end to end.

        The delivery is queued like any other (signed, retried); follow it in the delivery log.
        """
        message = service.ping(subscription_id)
        db.session.commit()
        return service.describe_delivery(message)


@blp.route("/<int:subscription_id>/deliveries")
class Deliveries(MethodView):
    @requires("webhooks.read")
    @blp.arguments(DeliveryQuery(), location="query")
    @blp.response(200, DeliveryOut(many=True))
    @blp.paginate()
    def get(self, args, subscription_id, pagination_parameters):
        """The subscription's delivery log, newest first; paginated, filter by `state`.

        Each delivery is one event to this subscription: pending (with its next attempt), delivered
        or dead (out of attempts or refused), its attempts and last error.
        """
        stmt = service.deliveries(subscription_id, args["state"])
        return [service.describe_delivery(m) for m in paging.page(stmt, pagination_parameters)]


@blp.route("/<int:subscription_id>/deliveries/<int:delivery_id>")
class DeliveryItem(MethodView):
    @requires("webhooks.read")
    @blp.response(200, DeliveryDetail)
    def get(self, subscription_id, delivery_id):
        """One delivery with the event body it sends.

        The body is exactly what the receiver gets (signed at each attempt).
        """
        return service.describe_delivery(service.delivery(subscription_id, delivery_id), payload=True)


@blp.route("/<int:subscription_id>/deliveries/<int:delivery_id>/replay")
class DeliveryReplay(MethodView):
    @requires("webhooks.manage")
    @blp.response(202, DeliveryOut)
    @blp.doc(**responds(404))
    def post(self, subscription_id, delivery_id):
        """Send a delivery's event again, as a new delivery with the same event id (audited).

        For a receiver that lost what it stored, or a dead letter after the receiver was fixed. The
        event keeps its id, so a receiver that already applied it only acknowledges it.
        """
        message = service.replay(subscription_id, delivery_id, actor_of(current_principal()))
        db.session.commit()
        return service.describe_delivery(message)


def _out(row) -> dict:
    return {name: getattr(row, name) for name in SubscriptionOut._declared_fields}
