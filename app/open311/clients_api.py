"""``/api/v1/province/clients``: the registry of third-party clients and their Open311 api_keys."""

from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import select

from tenants import db
from tenants.context import UnknownTenant, lookup

from ..auth.http import requires
from ..errors import NotFound
from ..rest import Blueprint, responds
from . import keys, ratelimit
from .models import ApiClient
from .schemas import ClientCreate, ClientDetail, ClientIssued, ClientOut, ClientQuery

blp = Blueprint(
    "clients",
    __name__,
    url_prefix="/api/v1/province/clients",
    description="Third-party clients (第三方接入) of a city: Open311 api_keys, issued and revoked.",
)

COLUMNS = ("client_id", "tenant_slug", "name", "scopes", "rate_limit", "created_at", "revoked_at")


def _find(client_id: str) -> ApiClient:
    client = db.session.scalars(select(ApiClient).where(ApiClient.client_id == client_id)).first()
    if client is None:
        raise NotFound(f"unknown client {client_id!r}")
    return client


@blp.route("")
class Clients(MethodView):
    @requires("clients.read")
    @blp.arguments(ClientQuery(), location="query")
    @blp.response(200, ClientOut(many=True))
    def get(self, query):
        """List third-party clients, optionally of one city.

        Every registered client with its city, scopes and whether its key was revoked. Keys are never
        shown here: only their hashes are stored.
        """
        stmt = select(ApiClient).order_by(ApiClient.id)
        if query["tenant"]:
            stmt = stmt.where(ApiClient.tenant_slug == query["tenant"])
        return db.session.scalars(stmt).all()

    @requires("clients.manage")
    @blp.arguments(ClientCreate())
    @blp.response(201, ClientIssued)
    @blp.doc(**responds(404))
    def post(self, body):
        """Register a client of one city and issue its Open311 api_key.

        The answer carries the plain `api_key` once; the registry keeps only its sha256. The key works
        only for the client's own city (`/open311/{tenant}/v2/`). 404 for an unknown or inactive city.
        """
        try:
            lookup(body["tenant"])
        except UnknownTenant as exc:
            raise NotFound(f"unknown tenant {body['tenant']!r}") from exc
        client, key = keys.issue(body["tenant"], body["name"], body["scopes"], body["rate_limit"])
        db.session.commit()
        return {
            **{c: getattr(client, c) for c in COLUMNS},
            "api_key": key,
        }


@blp.route("/<string:client_id>")
class ClientItem(MethodView):
    @requires("clients.read")
    @blp.response(200, ClientDetail)
    def get(self, client_id: str):
        """One client with its usage counts.

        Its city, scopes, rate limit, creation and revocation instants, and its Open311 requests per
        day (kept 35 days); 404 for an unknown client id.
        """
        client = _find(client_id)
        return {**{c: getattr(client, c) for c in COLUMNS}, "usage": ratelimit.usage(client_id)}


@blp.route("/<string:client_id>/revoke")
class ClientRevoke(MethodView):
    @requires("clients.manage")
    @blp.doc(**responds(404))
    @blp.response(200, ClientOut)
    def post(self, client_id: str):
        """Revoke a client's api_key.

        The key stops working at once (403 from Open311); the client stays in the registry with its
        revocation instant. Revoking again changes nothing.
        """
        client = _find(client_id)
        if client.revoked_at is None:
            keys.revoke(client)
            db.session.commit()
        return client
