"""``/api/v1/tenants/<tenant>/kb/search``: keyword search over what this city sees (DESIGN §13)."""

from __future__ import annotations

from flask.views import MethodView

from tenants import db

from .. import paging
from ..auth.http import current_principal, requires
from ..auth.scope import restrict
from ..errors import DomainError, NotFound
from ..orders.models import Order
from ..tenancy.scope import tenant_blueprint
from . import dense, feedback
from .schemas import FeedbackInSchema, SearchHitSchema, SearchQuerySchema, SuggestQuerySchema, UsageSchema

SUGGESTIONS = 5
MODE_HEADER_DOC = "the mode that answered: as asked, or keyword while dense search is not possible"

suggest_blp = tenant_blueprint(
    "city_kb_suggest",
    __name__,
    url_prefix="/kb/suggest",
    description="Answer suggestions (知识推荐): the top articles for an order or what the agent types.",
)
feedback_blp = tenant_blueprint(
    "city_kb_feedback",
    __name__,
    url_prefix="/kb/feedback",
    description="Feedback on suggested articles (知识反馈) and per-article usage in this city.",
)
blp = tenant_blueprint(
    "city_kb_search",
    __name__,
    url_prefix="/kb/search",
    description="Knowledge search (知识检索): published province and city articles this city sees.",
)


@blp.route("")
class Search(MethodView):
    @requires("kb.read")
    @blp.arguments(SearchQuerySchema(), location="query")
    @blp.response(
        200, SearchHitSchema(many=True), headers={"X-Search-Mode": {"description": MODE_HEADER_DOC}}
    )
    def get(self, args):
        """Search by what the caller said, best first.

        `mode=keyword`: colloquial words are expanded to official terms; all terms must match
        first, then the rarest few may. `dense`: nearest article embeddings. `fused` (default):
        both lists by reciprocal rank. Drafts, other cities' articles and province articles this
        city overrides are never returned. Filters: material type, category prefix, issuing
        unit, validity. The `X-Search-Mode` header tells the mode that answered.
        """
        q, limit, mode = args.pop("q"), args.pop("limit"), args.pop("mode")
        hits, served = dense.search(q, mode=mode, limit=limit, **args)
        return hits, {"X-Search-Mode": served}


@suggest_blp.route("")
class Suggest(MethodView):
    @requires("kb.read")
    @suggest_blp.arguments(SuggestQuerySchema(), location="query")
    @suggest_blp.response(200, SearchHitSchema(many=True))
    def get(self, args):
        """The top 5 articles for an order's content (`order_id`) or typed text (`text`).

        Give one of the two. An order is read with the caller's own order scope (404 when it is
        not reachable); the same visibility as search applies, and the fused ranking.
        """
        if "order_id" in args:
            stmt = restrict(current_principal(), "orders.read").where(Order.id == args["order_id"])
            order = db.session.scalar(stmt)
            if order is None:
                raise NotFound("no such order")
            text = f"{order.title} {order.content}"
        elif "text" in args:
            text = args["text"]
        else:
            raise DomainError("give order_id or text", errors={"text": ["order_id or text"]}, status=422)
        return dense.fused_search(text[:500], limit=SUGGESTIONS)


@feedback_blp.route("")
class FeedbackView(MethodView):
    @requires("kb.read")
    @feedback_blp.arguments(FeedbackInSchema())
    @feedback_blp.response(201, UsageSchema)
    def post(self, body):
        """Mark whether a suggested article helped (optionally for an order).

        Counts as one use of the article in this city; returns the article's usage so far.
        """
        row = feedback.give(current_principal(), **body)
        db.session.commit()
        stmt = feedback.usage_report().where(
            feedback.Feedback.scope == row.scope, feedback.Feedback.article_id == row.article_id
        )
        return db.session.execute(stmt).one()._mapping

    @requires("kb.read")
    @feedback_blp.response(200, UsageSchema(many=True))
    @feedback_blp.paginate(page_size=50)
    def get(self, pagination_parameters):
        """Per-article usage and helpfulness in this city, most used first.

        Uses are feedback marks; helpfulness is the share marked helped. Paginated.
        """
        return paging.page(feedback.usage_report(), pagination_parameters, rows=True)
