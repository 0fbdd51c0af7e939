"""Knowledge articles: ``/api/v1/province/kb/articles`` (the shared base) and
``/api/v1/tenants/<tenant>/kb/articles`` (one city's own articles and overrides), DESIGN §13."""

from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import select

from tenants import db

from .. import paging
from ..auth.http import current_principal, requires
from ..auth.policy import allowed
from ..rest import Blueprint
from ..tenancy.scope import tenant_blueprint
from . import service
from .models import CityArticle, ProvinceArticle
from .schemas import (
    ActionInSchema,
    ArticleInSchema,
    ArticlePatchSchema,
    ArticleSchema,
    ListQuerySchema,
    VersionSchema,
)

API_ACTIONS = frozenset({"submit", "publish", "reject", "withdraw"})

province_blp = Blueprint(
    "province_kb",
    __name__,
    url_prefix="/api/v1/province/kb/articles",
    description="Province knowledge base (省级知识库): shared by every city; "
    "reviewed by province_supervisor.",
)
city_blp = tenant_blueprint(
    "city_kb",
    __name__,
    url_prefix="/kb/articles",
    description="City knowledge base (市级知识库): local articles and local overrides of province articles; "
    "reviewed by city_supervisor.",
)


def _views(blp: Blueprint, *, province: bool) -> None:
    model = ProvinceArticle if province else CityArticle

    @blp.route("")
    class Articles(MethodView):
        @requires("kb.read")
        @blp.arguments(ListQuerySchema(), location="query")
        @blp.response(200, ArticleSchema(many=True))
        @blp.paginate(page_size=50)
        def get(self, args, pagination_parameters):
            """List the articles of this scope, newest first (readers: published only).

            Editors and reviewers see every state (filter with `state`); other readers see
            published articles only. Paginated.
            """
            stmt = select(model).order_by(model.id.desc())
            principal = current_principal()
            if not (allowed(principal, "kb.edit") or service.may_review(principal, province=province)):
                stmt = stmt.where(model.state == "published")
            elif args.get("state"):
                stmt = stmt.where(model.state == args["state"])
            return paging.page(stmt, pagination_parameters)

        @requires("kb.edit")
        @blp.arguments(ArticleInSchema())
        @blp.response(201, ArticleSchema)
        def post(self, body):
            """Write a new article as a draft (version 1).

            The category path must end at a leaf, the title is unique at this scope. A city article
            with `overrides_id` replaces that province article in this city once published.
            """
            overrides = body.pop("overrides_id", None)
            row = service.create(current_principal(), province=province, overrides_id=overrides, **body)
            db.session.commit()
            return row

    @blp.route("/<int:article_id>")
    class Article(MethodView):
        @requires("kb.read")
        @blp.response(200, ArticleSchema)
        def get(self, article_id):
            """One article by id.

            Readers other than editors and reviewers of this scope see published articles only
            (404 otherwise).
            """
            row = service.get(article_id, province=province)
            principal = current_principal()
            if row.state != "published" and not (
                allowed(principal, "kb.edit") or service.may_review(principal, province=province)
            ):
                raise service.NotFound("no such article")
            return row

        @requires("kb.edit")
        @blp.arguments(ArticlePatchSchema(partial=True))
        @blp.response(200, ArticleSchema)
        def patch(self, body, article_id):
            """Edit a draft, withdrawn or expired article.

            Records a new version with its diff against the last one; the article goes back to
            draft and needs review again. 409 while in review or published.
            """
            row = service.update(current_principal(), article_id, province=province, **body)
            db.session.commit()
            return row

    @blp.route("/<int:article_id>/versions")
    class Versions(MethodView):
        @requires("kb.edit")
        @blp.response(200, VersionSchema(many=True))
        @blp.paginate(page_size=50)
        def get(self, article_id, pagination_parameters):
            """The article's versions, oldest first.

            Each version carries a unified diff against the one before it. Paginated.
            """
            return paging.page(service.versions(article_id, province=province), pagination_parameters)

    @blp.route("/<int:article_id>/<string:action>")
    class Action(MethodView):
        @requires("kb.read")
        @blp.arguments(ActionInSchema())
        @blp.response(200, ArticleSchema)
        def post(self, body, article_id, action):
            """Workflow: `submit` (editor), `publish` / `reject` / `withdraw` (reviewer of this scope).

            draft -> in_review -> published -> withdrawn; reject returns to draft. Reject and withdraw
            need a `reason`; the reviewer, reason and time are recorded. 409 from a wrong state.
            """
            if action not in API_ACTIONS:  # `expire` belongs to the validity job
                raise service.NotFound(f"no action {action!r}")
            row = service.transition(
                current_principal(), article_id, action, province=province, reason=body.get("reason")
            )
            db.session.commit()
            return row


_views(province_blp, province=True)
_views(city_blp, province=False)
