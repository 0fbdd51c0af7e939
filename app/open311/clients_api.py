"""``/api/v1/province/clients``: the registry of third-party clients: Open311 api_keys and
service accounts of the realm (client credentials), docs/open311.md."""

from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import select

from tenants import db

from ..auth.http import requires
from ..rest import Blueprint, responds
from . import ratelimit
from .models import ApiClient
from .registry import find, issue, revoke, rotate, row
from .schemas import ClientCreate, ClientDetail, ClientIssued, ClientOut, ClientQuery

blp = Blueprint(
    "clients",
    __name__,
    url_prefix="/api/v1/province/clients",
    description="Third-party clients (第三方接入) of a city: Open311 api_keys and service accounts "
    "(client credentials), issued, rotated and revoked.",
)


@blp.route("")
class Clients(MethodView):
    @requires("clients.read")
    @blp.arguments(ClientQuery(), location="query")
    @blp.response(200, ClientOut(many=True))
    def get(self, query):
        """List third-party clients, optionally of one city.

        Every registered client with its kind (api_key or service_account), city, scopes or role,
        rate limit and whether it was revoked. Secrets are never shown here: api keys are stored as
        hashes, service-account secrets only in the realm.
        """
        stmt = select(ApiClient).order_by(ApiClient.id)
        if query["tenant"]:
            stmt = stmt.where(ApiClient.tenant_slug == query["tenant"])
        return db.session.scalars(stmt).all()

    @requires("clients.manage")
    @blp.arguments(ClientCreate())
    @blp.response(201, ClientIssued)
    @blp.doc(**responds(404, 503))
    def post(self, body):
        """Register a client of one city and issue its api_key or service account.

        `kind: api_key` (default) issues an Open311 `api_key` for `/open311/{tenant}/v2/`.
        `kind: service_account` creates a confidential client in the realm (client-credentials
        grant) with the realm role `role` (`api_client`: the city's API; `data_partner`: the
        desensitized `/api/v1/partner/{tenant}/...`), bound to the city by a hardcoded `tenant`
        claim. The answer carries the plain `api_key` or `client_secret` once. 404 for an unknown
        city; 503 when the identity provider cannot create the client (nothing is registered).
        """
        issued = issue(body)
        db.session.commit()
        return issued


@blp.route("/<string:client_id>")
class ClientItem(MethodView):
    @requires("clients.read")
    @blp.response(200, ClientDetail)
    def get(self, client_id: str):
        """One client with its usage counts.

        Its kind, city, scopes or role, rate limit, creation, rotation and revocation instants, and
        its requests per day (kept 35 days); 404 for an unknown client id.
        """
        client = find(client_id)
        return {**row(client), "usage": ratelimit.usage(client_id)}


@blp.route("/<string:client_id>/rotate")
class ClientRotate(MethodView):
    @requires("clients.manage")
    @blp.doc(**responds(404, 409, 503))
    @blp.response(200, ClientIssued)
    def post(self, client_id: str):
        """Rotate a client's secret: a new api_key or client secret, shown once.

        The old key or secret stops working at once (tokens already obtained with it stay valid
        until they expire, at most 5 minutes). 409 for a revoked client.
        """
        client = find(client_id)
        issued = rotate(client)
        db.session.commit()
        return issued


@blp.route("/<string:client_id>/revoke")
class ClientRevoke(MethodView):
    @requires("clients.manage")
    @blp.doc(**responds(404, 503))
    @blp.response(200, ClientOut)
    def post(self, client_id: str):
        """Revoke a client: its api_key, or its service account in the realm.

        An api_key stops working at once (403 from Open311). A service account is disabled in the
        realm (no new tokens) and its tokens already issued are refused at once (401). The client
        stays in the registry with its revocation instant. Revoking again changes nothing.
        """
        client = find(client_id)
        revoke(client)
        db.session.commit()
        return client
