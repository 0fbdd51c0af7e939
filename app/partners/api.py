"""``/api/v1/partner/{tenant}/...``: desensitized data of one city for data partners (数据合作方).

Callers are service accounts with the realm role ``data_partner``, bound to their city; registry
clients are rate-limited and counted per client like Open311 keys (app/open311/ratelimit.py).
"""

from __future__ import annotations

from flask.views import MethodView

from tenants import current_tenant

from .. import paging
from ..auth.http import current_principal, requires
from ..province import kpis
from ..province.measures import markdown_table
from ..province.schemas import KpiOut, KpiQuery
from ..rest import Blueprint, responds
from ..tenancy.scope import bind_url_tenant
from . import service
from .schemas import HotspotQuery, HotspotsOut, PartnerOrder, PartnerOrderQuery

blp = bind_url_tenant(
    Blueprint(
        "partner",
        __name__,
        url_prefix="/api/v1/partner/<string:tenant>",
        description="Data partners (数据合作方): a city's desensitized orders, KPIs and hotspots.",
    )
)
LIMITED = responds(429)
KPI_DOC = markdown_table()


@blp.route("/orders")
class PartnerOrders(MethodView):
    @requires("orders.read_desensitized")
    @blp.arguments(PartnerOrderQuery(), location="query")
    @blp.response(200, PartnerOrder(many=True))
    @blp.doc(**LIMITED)
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """The city's orders received in a period, desensitized, newest first.

        No caller data at all (no name, phone or needs), no address (the district and a location
        rounded to 0.01°), phone numbers, identity card numbers, e-mail addresses and the caller's
        name replaced by `***` in title and content. Confidential orders are never listed. Filter
        by `from`/`to` (receipt dates, at most 366 days; default the last 30), status, channel,
        appeal type, category, district and `updated_after` (for incremental pulls). Paginated.
        """
        rows = paging.page(service.orders(current_principal(), args), pagination_parameters)
        return [service.present(o) for o in rows]


@blp.route("/orders/<string:number>")
class PartnerOrderItem(MethodView):
    @requires("orders.read_desensitized")
    @blp.response(200, PartnerOrder)
    @blp.doc(**LIMITED)
    def get(self, number: str):
        """One order by its number (`SJZ-20261202-000123`), desensitized like the list.

        404 for an unknown number, and for a confidential or merged order (no hint that it exists).
        """
        return service.present(service.order(current_principal(), number))


@blp.route("/kpis")
class PartnerKpis(MethodView):
    @requires("partner.kpis")
    @blp.arguments(KpiQuery(), location="query")
    @blp.response(200, KpiOut)
    @blp.doc(summary="The standard hotline KPIs of this city (aggregated)", description=KPI_DOC, **LIMITED)
    def get(self, args):
        """The standard hotline KPIs of this city, from the province's PII-free facts."""
        return kpis.compute(args["from_"], args["to"], args.get("group_by"), tenant_id=current_tenant().id)


@blp.route("/hotspots")
class PartnerHotspots(MethodView):
    @requires("partner.kpis")
    @blp.arguments(HotspotQuery(), location="query")
    @blp.response(200, HotspotsOut)
    @blp.doc(**LIMITED)
    def get(self, args):
        """Where appeals cluster: orders per district, category or both in a period, busiest first.

        Counts of orders received from `from` to `to` (default the last 30 days) and how many are
        still open, per cell; confidential orders are not counted, and cells of fewer than
        `min_cell` orders are left out, since small counts can point at people. At most `limit` cells.
        """
        return service.hotspots(current_principal(), args)
