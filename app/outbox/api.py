"""Outbox administration: dead letters (死信) and the backlog per destination.

Province-wide under ``/api/v1/province/outbox`` (province_admin: list, show, retry one or many);
one city's own under ``/api/v1/tenants/<tenant>/outbox`` (read only: city_supervisor of that
city, province_admin). Payloads and errors are shown with personal data masked.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from tenants import current_tenant, db, tenant_context

from .. import paging
from ..audit.service import Actor
from ..auth.http import current_principal, requires
from ..auth.principal import Principal
from ..errors import Conflict, DomainError, NotFound
from ..rest import Blueprint, responds
from ..tenancy.scope import tenant_blueprint
from . import queries, service
from .models import OutboxMessage
from .schemas import (
    CityDeadLetterQuery,
    DeadLetterQuery,
    LineOut,
    MessageDetailOut,
    MessageOut,
    RetryManyIn,
    RetryManyOut,
)

blp = Blueprint(
    "outbox",
    __name__,
    url_prefix="/api/v1/province/outbox",
    description="The outbox of every city (province_admin): messages that could not be delivered "
    "(dead letters, 死信) and the lines still waiting. A message is delivered at least once, in order "
    "per destination, to a receiver that dedupes on its `key`; after `OUTBOX_MAX_ATTEMPTS` failed "
    "attempts with exponential backoff it is a dead letter until an admin retries it.",
)
city_blp = tenant_blueprint(
    "outbox_city",
    __name__,
    url_prefix="/outbox",
    description="One city's outbox, read only (city_supervisor of the city, province_admin): its "
    "dead letters and the destinations with messages waiting.",
)
MAX_ID = 2**63 - 1


def _actor(principal: Principal) -> Actor:
    return Actor(principal.username, ",".join(sorted(principal.roles)))


def _known(slugs: list[str] | None, field: tuple[str, str] = ("query", "tenant")) -> list[str] | None:
    """The city filter; a city that is unknown or not active is a 422 naming it."""
    if not slugs:
        return None
    found = {slug for slug, _schema in queries.cities(slugs)}
    missing = sorted(set(slugs) - found)
    if missing:
        raise DomainError(
            "unknown or inactive city: " + ", ".join(missing),
            status=422,
            errors={field[0]: {field[1]: [f"unknown or inactive city {s!r}" for s in missing]}},
        )
    return sorted(set(slugs))


def _listed(stmt, pagination_parameters, present) -> list[dict[str, Any]]:
    if stmt is None:
        pagination_parameters.item_count = 0
        return []
    return [present(r) for r in paging.page(stmt, pagination_parameters, rows=True)]


def _message(message_id: int) -> OutboxMessage:
    message = db.session.get(OutboxMessage, message_id) if 0 < message_id <= MAX_ID else None
    if message is None:
        raise NotFound(f"no outbox message {message_id} in this city")
    return message


# -- province ----------------------------------------------------------------------------------------
@blp.route("/dead-letters")
class ProvinceDeadLetters(MethodView):
    @requires("outbox.manage")
    @blp.arguments(DeadLetterQuery, location="query")
    @blp.response(200, MessageOut(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """Dead letters of every city, newest first

        Filter by city (`tenant`, repeatable), `topic` or `destination`. Each names its city and
        its id there; open one for its (masked) payload, retry it to put it back in its line.
        """
        stmt = queries.dead_letters(args, _known(args.get("tenant")))
        return _listed(stmt, pagination_parameters, lambda r: queries.message_dict(r, r.tenant))


@blp.route("/dead-letters/<string:tenant>/<int:message_id>")
class ProvinceDeadLetter(MethodView):
    @requires("outbox.manage")
    @blp.response(200, MessageDetailOut)
    def get(self, tenant, message_id):
        """One message of a city's outbox with its masked payload

        Any state: after a retry the same URL shows it `pending`, then `delivered`. 404 for an
        unknown city or message.
        """
        with tenant_context(tenant) as ref:
            return queries.message_dict(_message(message_id), ref.slug, with_payload=True)


@blp.route("/dead-letters/<string:tenant>/<int:message_id>/retry")
class ProvinceDeadLetterRetry(MethodView):
    @requires("outbox.manage")
    @blp.response(200, MessageDetailOut)
    @blp.doc(**responds(409))
    def post(self, tenant, message_id):
        """Retry one dead letter

        The message goes back to `pending` with its attempts reset, at its place in its
        destination's line (it keeps its id), and a relay is queued. The retry is recorded in the
        city's audit trail (and on the order's timeline when the message is about an order) with
        who retried it. 409 when the message is not dead.
        """
        principal = current_principal()
        with tenant_context(tenant) as ref:
            message = _message(message_id)
            if not service.retry(_actor(principal), ids=[message.id]):
                raise Conflict(f"outbox message {message_id} is {message.state}, not a dead letter")
            db.session.commit()
            return queries.message_dict(message, ref.slug, with_payload=True)


@blp.route("/dead-letters/retry")
class ProvinceDeadLettersRetry(MethodView):
    @requires("outbox.manage")
    @blp.arguments(RetryManyIn)
    @blp.response(200, RetryManyOut)
    def post(self, body):
        """Retry many dead letters

        Every selector given must match: `messages` (city and id), `tenant` (cities), `topic`,
        `destination`; at least one is required. Each city's retries commit in that city's
        transaction and are audited there one by one. Messages that are no longer dead are skipped.
        """
        principal = current_principal()
        wanted: dict[str, list[int]] | None = None
        if body.get("messages"):
            wanted = {}
            for ref in body["messages"]:
                wanted.setdefault(ref["tenant"], []).append(ref["id"])
            _known(list(wanted), ("json", "messages"))
        cities = _known(body.get("tenant"), ("json", "tenant")) or [s for s, _ in queries.cities()]
        if wanted is not None:
            cities = [c for c in cities if c in wanted]
        retried = []
        for slug in cities:
            with tenant_context(slug):
                done = service.retry(
                    _actor(principal),
                    ids=wanted[slug] if wanted is not None else None,
                    topic=body.get("topic"),
                    destination=body.get("destination"),
                )
                retried += [{"tenant": slug, "id": m.id} for m in done]
                db.session.commit()
        return {"count": len(retried), "retried": retried}


@blp.route("/backlog")
class ProvinceBacklog(MethodView):
    @requires("outbox.manage")
    @blp.arguments(DeadLetterQuery(only=("tenant",)), location="query")
    @blp.response(200, LineOut(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """Destinations with messages waiting, in every city, longest waiting first

        One row per city and destination: how many messages wait, since when, and the head (the
        oldest, which the others wait for) with its attempts, next attempt and last error.
        `adapter_missing` marks topics whose adapter is not installed yet (they never count as
        delivered).
        """
        stmt = queries.backlog(_known(args.get("tenant")))
        return _listed(stmt, pagination_parameters, queries.line_dict)


# -- one city, read only -------------------------------------------------------------------------------
@city_blp.route("/dead-letters")
class CityDeadLetters(MethodView):
    @requires("outbox.read")
    @city_blp.arguments(CityDeadLetterQuery, location="query")
    @city_blp.response(200, MessageOut(many=True))
    @city_blp.paginate()
    def get(self, args, pagination_parameters):
        """This city's dead letters, newest first

        Messages of this city that ran out of attempts or were refused by their receiver, with
        their last error (phone numbers masked). A province admin retries them.
        """
        stmt = queries.dead_letters(args, [current_tenant().slug])
        return _listed(stmt, pagination_parameters, lambda r: queries.message_dict(r, r.tenant))


@city_blp.route("/dead-letters/<int:message_id>")
class CityDeadLetter(MethodView):
    @requires("outbox.read")
    @city_blp.response(200, MessageDetailOut)
    def get(self, message_id):
        """One message of this city's outbox

        Any state (pending, delivered, dead), with the payload's personal data masked. 404 for an
        id that is not in this city's outbox.
        """
        return queries.message_dict(_message(message_id), current_tenant().slug, with_payload=True)


@city_blp.route("/backlog")
class CityBacklog(MethodView):
    @requires("outbox.read")
    @city_blp.response(200, LineOut(many=True))
    @city_blp.paginate()
    def get(self, pagination_parameters):
        """This city's destinations with messages waiting, longest waiting first

        One row per destination: how many wait, since when, and the head they wait for (its
        attempts, next attempt, last error; `adapter_missing` when its adapter is not installed).
        """
        stmt = queries.backlog([current_tenant().slug])
        return _listed(stmt, pagination_parameters, queries.line_dict)
