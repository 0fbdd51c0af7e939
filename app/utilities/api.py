"""``/api/v1/tenants/{tenant}/utilities``: which departments are external and where they are reached."""

from __future__ import annotations

from flask.views import MethodView

from tenants import db

from ..auth.http import current_principal, requires
from ..tenancy.scope import tenant_blueprint
from . import service
from .schemas import UtilityEndpointIn, UtilityEndpointOut

blp = tenant_blueprint(
    "utilities",
    __name__,
    "/utilities",
    description="External departments (公用事业单位: water, power, gas, heating) reached over signed "
    "messages: their endpoints and secrets",
)


@blp.route("")
class Endpoints(MethodView):
    @requires("utilities.read")
    @blp.response(200, UtilityEndpointOut(many=True))
    def get(self):
        """The city's external departments: endpoint, state, how they sign their answers.

        A department listed here and active gets its dispatches (and the returns, replies and closures
        sent back to it) as signed messages through the outbox; its answers come in at `inbound_url`
        with `X-Hotline-Sender` set to `sender`. Secrets are never shown.
        """
        return service.listing()


@blp.route("/<string:department>")
class EndpointItem(MethodView):
    @requires("utilities.manage")
    @blp.arguments(
        UtilityEndpointIn(),
        example={
            "url": "https://water.example.cn/12345/messages",
            "secret": "k3JX0d9w2Qm8ZyVbN4tP7rLs1uHe6aCf",
            "active": True,
        },
    )
    @blp.response(200, UtilityEndpointOut)
    def put(self, body, department):
        """Make a department external, or change its endpoint, secret or state.

        A new endpoint needs `url` and `secret` (32-200 characters, shared with the utility; stored
        encrypted, never shown again). A new `secret` later rotates: the previous one still verifies
        the utility's messages until the next rotation (`keep_previous: false` drops it at once).
        `active: false` makes it an ordinary department again: new dispatches are not sent (its users
        work in the department web), messages already queued wait in the outbox, and its answers are
        refused (403). 404 for a department unknown or retired in this city.
        """
        row = service.configure(department, body, current_principal().username)
        db.session.commit()
        return service.describe(row)
