"""``POST /api/v1/integrations/utilities/{tenant}/messages``: a utility's signed answers.

No user token: the utility names itself (``X-Hotline-Sender: <department>@<city>``) and signs the
raw body with its endpoint's secret (``X-Hotline-Signature``, integrations/signing.py). Checks in
order, each before anything is parsed or written: unknown city in the URL 404; unknown sender or
bad, missing or stale signature 401; a department of another city, or a disabled endpoint, 403;
then the body (400), the order (404) and the action's own rules (403, 409, 422).
"""

from __future__ import annotations

from flask import request
from flask.views import MethodView

from app.errors import DomainError, Forbidden
from app.rest import Blueprint, responds
from app.rest.openapi import error_response
from app.tenancy.scope import bind_url_tenant, enter_addressed_tenant
from app.utilities import inbound
from app.utilities import service as utilities
from app.utilities.schemas import MESSAGE_EXAMPLE, SenderHeaders, UtilityMessageIn, UtilityReceipt
from integrations import signing
from tenants import current_tenant, db, tenant_context
from tenants.context import UnknownTenant, lookup

blp = Blueprint(
    "utility_messages",
    __name__,
    url_prefix="/api/v1/integrations/utilities/<string:tenant>",
    description="Utilities (公用事业单位): signed sign-for, reply and return from a utility's system",
)
bind_url_tenant(blp, enter_addressed_tenant)


class BadSignature(DomainError):
    status = 401


def authenticate(sender: str, signature: str, raw: bytes) -> str:
    """The sending department's code, once its signature checks out in its own city."""
    code, _, slug = sender.partition("@")
    here = current_tenant()
    try:
        if slug == here.slug:
            endpoint = utilities.endpoint(code)
        else:
            with tenant_context(lookup(slug)):
                endpoint = utilities.endpoint(code)
    except UnknownTenant:
        endpoint = None
    if endpoint is None:
        raise BadSignature(f"unknown sender {sender}")
    try:
        signing.verify(list(endpoint.secrets), signature, raw)
    except signing.SignatureError as exc:
        raise BadSignature(str(exc)) from exc
    if slug != here.slug:
        raise Forbidden(f"{sender} is a department of another city, not of {here.slug}")
    if not endpoint.active:
        raise Forbidden(f"the endpoint of department {code} is disabled in this city")
    return code


def _signed_errors() -> dict:
    errors = responds(401, 403, 404, 409)
    errors["responses"][401]["description"] = (
        "Unknown sender, or `X-Hotline-Signature` missing, wrong or outside the 300 s replay window."
    )
    errors["responses"][403]["description"] = "A department of another city, or its endpoint is disabled."
    errors["responses"][400] = error_response(400)
    errors["responses"][400]["description"] = "Not a JSON object, or a field is missing or invalid."
    return errors


SIGNED_ERRORS = _signed_errors()


@blp.route("/messages")
class UtilityMessages(MethodView):
    @blp.arguments(SenderHeaders(), location="headers", error_status_code=401)
    @blp.doc(**{"x-signed-webhook": True}, **SIGNED_ERRORS)
    @blp.doc(
        requestBody={
            "content": {"application/json": {"schema": UtilityMessageIn, "example": MESSAGE_EXAMPLE}}
        }
    )
    @blp.response(
        200,
        UtilityReceipt,
        example={
            "message_id": "zlsgs-20261203-0002",
            "order_id": 42,
            "order_number": "SJZ-20261203-000042",
            "action": "reply",
            "status": "replied",
            "version": 4,
            "duplicate": False,
        },
    )
    def post(self, headers):
        """A utility's answer to a dispatch: sign-for, reply, return, assist-reply, extension request.

        Runs the named order action as the department would in its web (same time limits, KPIs and
        timeline). `X-Hotline-Sender: <department>@<city>` names the utility and
        `X-Hotline-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">` signs the raw body with its
        endpoint's secret (401 otherwise; a department of another city 403). Idempotent on
        `message_id`: a resend answers the first result with `duplicate: true` and changes nothing;
        the same id with another body is 409. `order_number` unknown in this city: 404. A malformed
        message: 400 naming the fields. An action the order's state does not allow (e.g. a reply
        before the sign-for): 409, nothing changed; send it again after the earlier message.
        """
        raw = request.get_data(cache=True)
        code = authenticate(headers["sender"], headers["signature"], raw)
        msg = inbound.parse(request.get_json(silent=True))
        result = inbound.apply(code, msg)
        db.session.commit()
        return result
