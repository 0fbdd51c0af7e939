"""``/api/v1/tenants/{tenant}/triage``: the desk's queue of unclassified channel orders (分拣)."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import fields, validate

from .. import paging
from ..auth.http import current_principal, requires
from ..rest import Schema
from ..tenancy.scope import tenant_blueprint
from . import service

blp = tenant_blueprint(
    "triage", __name__, "/triage", description="Triage (分拣): channel orders waiting for a category"
)


class SuggestionOut(Schema):
    category_code = fields.String(metadata={"example": "0105"})
    name = fields.String(metadata={"example": "建筑施工扰民"})
    score = fields.Float(metadata={"description": "ranking score in 0-1 (not a calibrated probability)"})


class TriageItem(Schema):
    id = fields.Integer()
    number = fields.String(metadata={"example": "SJZ-20261202-000042"})
    channel = fields.String(metadata={"example": "sms"})
    appeal_type = fields.String()
    title = fields.String()
    content = fields.String()
    caller_needs = fields.List(fields.String())
    created_at = fields.DateTime()
    version = fields.Integer(metadata={"description": "send as If-Match to POST .../orders/{id}/classify"})
    suggestions = fields.List(fields.Nested(SuggestionOut))


class SuggestIn(Schema):
    text = fields.String(
        required=True,
        validate=validate.Length(1, 10000),
        metadata={"example": "小区旁边工地晚上十二点还在施工，吵得睡不着"},
    )


@blp.route("")
class TriageQueue(MethodView):
    @requires("orders.classify")
    @blp.response(200, TriageItem(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """The triage queue: received orders without a category, oldest first, each with suggestions.

        Channel orders (SMS, WeChat, web, app, mini-program, mailbox) may arrive without a category.
        Each item carries the three likeliest leaf categories from its text; classify it with
        `POST .../orders/{id}/classify` (then it leaves the queue and can be dispatched).
        Paginated: `page`, `page_size`, totals in `X-Pagination`.
        """
        rows = paging.page(service.queue(current_principal()), pagination_parameters)
        return [service.item(o) for o in rows]


@blp.route("/suggest")
class TriageSuggest(MethodView):
    @requires("orders.classify")
    @blp.arguments(SuggestIn(), example={"text": "小区旁边工地晚上十二点还在施工，吵得睡不着"})
    @blp.response(
        200,
        SuggestionOut(many=True),
        example=[{"category_code": "0105", "name": "建筑施工扰民", "score": 0.41}],
    )
    def post(self, body):
        """Suggest leaf categories for a text (e.g. while an agent types), best first.

        A TF-IDF model over character n-grams with a linear classifier, trained from the demo
        corpus; writes nothing.
        """
        return service.suggestions(body["text"])
