"""``/api/v1/tenants/<tenant>/kb/search``: keyword search over what this city sees (DESIGN §13)."""

from __future__ import annotations

from flask.views import MethodView

from ..auth.http import requires
from ..tenancy.scope import tenant_blueprint
from . import search
from .schemas import SearchHitSchema, SearchQuerySchema

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
    @blp.response(200, SearchHitSchema(many=True))
    def get(self, args):
        """Search by what the caller said, best first.

        Colloquial words are expanded to official terms; all terms must match first, then the
        rarest few may. Drafts, other cities' articles and province articles this city overrides
        are never returned. Filters: material type, category prefix, issuing unit, validity.
        """
        q, limit = args.pop("q"), args.pop("limit")
        return search.keyword_search(q, limit=limit, **args)
