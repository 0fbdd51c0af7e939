"""Stale-article reports (知识时效): ``/api/v1/tenants/<tenant>/kb/stale`` per issuing unit of one
city's own articles, ``/api/v1/province/kb/stale`` for the province base and every city
(docs/knowledge.md, "Validity"). For the editors and reviewers of that level."""

from __future__ import annotations

from datetime import date

from flask.views import MethodView
from marshmallow import fields, validate

from ..auth.http import current_principal, requires
from ..errors import Forbidden
from ..rest import Blueprint, Schema
from ..tenancy.scope import tenant_blueprint
from . import service, validity
from .models import CityArticle


class StaleQuerySchema(Schema):
    days = fields.Integer(
        load_default=validity.WARN_DAYS,
        validate=validate.Range(1, 366),
        metadata={
            "description": "an article counts as expiring when its valid_to is this close",
            "example": 14,
        },
    )


class _Counts(Schema):
    published = fields.Integer(dump_only=True, metadata={"example": 12})
    expiring = fields.Integer(
        dump_only=True, metadata={"description": "published, valid_to within `days`", "example": 2}
    )
    expired = fields.Integer(
        dump_only=True, metadata={"description": "unpublished by the daily job", "example": 1}
    )


class UnitStaleSchema(_Counts):
    issuing_unit = fields.String(dump_only=True, metadata={"example": "石家庄市人力资源和社会保障局"})


class CityStaleSchema(_Counts):
    tenant = fields.String(dump_only=True, metadata={"example": "shijiazhuang"})
    name = fields.String(dump_only=True, metadata={"example": "石家庄市"})


class ProvinceStaleSchema(Schema):
    days = fields.Integer(dump_only=True, metadata={"example": 14})
    units = fields.List(
        fields.Nested(UnitStaleSchema),
        dump_only=True,
        metadata={"description": "the province base per issuing unit"},
    )
    cities = fields.List(
        fields.Nested(CityStaleSchema),
        dump_only=True,
        metadata={"description": "each active city's own articles (overrides included)"},
    )


def _require_manager(*, province: bool) -> None:
    if not service.manages(current_principal(), province=province):
        raise Forbidden("for the editors and reviewers of this knowledge base")


province_blp = Blueprint(
    "province_kb_stale",
    __name__,
    url_prefix="/api/v1/province/kb/stale",
    description="Validity of the province base and of every city's articles (知识时效).",
)
city_blp = tenant_blueprint(
    "city_kb_stale",
    __name__,
    url_prefix="/kb/stale",
    description="Validity of this city's own articles per issuing unit (知识时效).",
)


@province_blp.route("")
class ProvinceStale(MethodView):
    @requires("kb.read")
    @province_blp.arguments(StaleQuerySchema(), location="query")
    @province_blp.response(200, ProvinceStaleSchema)
    def get(self, args):
        """The province base per issuing unit, and each city's own articles in totals.

        Counts of published articles, of those whose `valid_to` falls within `days` (default
        14), and of those the daily job has unpublished. For province editors and
        province supervisors.
        """
        _require_manager(province=True)
        return validity.province_report(date.today(), args["days"])


@city_blp.route("")
class CityStale(MethodView):
    @requires("kb.read")
    @city_blp.arguments(StaleQuerySchema(), location="query")
    @city_blp.response(200, UnitStaleSchema(many=True))
    def get(self, args):
        """This city's own articles per issuing unit: published, expiring, expired.

        Province articles are reported at `/api/v1/province/kb/stale`. For the city's
        editors and city supervisors.
        """
        _require_manager(province=False)
        return validity.stale_report(CityArticle, date.today(), args["days"])
