"""Emergency linkage settings over the API (docs/integrations.md §Setup, §Class maps, §Joint handling).

City: ``/api/v1/tenants/{tenant}/emergency/...`` (platform endpoints and secrets, the city's class
rows, an order's links, three-way calls and the first-receiver rule). Province:
``/api/v1/province/emergency/class-map`` (the province's rows, shared by every city).
"""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest.fields import Upload
from sqlalchemy import select

from tenants import db

from ..auth.http import current_principal, requires
from ..auth.policy import require
from ..errors import NotFound
from ..orders.service import get_visible, parse_if_match
from ..orders.workflow import EMERGENCY_TARGETS
from ..rest import Blueprint, Schema, responds
from ..tenancy.scope import tenant_blueprint
from . import joint, mapping, mapping_io, platforms
from .models import Link
from .schemas import (
    CLASS_EXAMPLE,
    PLATFORM_EXAMPLE,
    ClassQuery,
    ClassRowIn,
    ClassRowOut,
    FirstReceiverIn,
    ImportOut,
    LinkOut,
    PlatformIn,
    PlatformOut,
    ProvinceClassQuery,
    RotateIn,
    SecretOut,
    ThreeWayCallIn,
)

city_blp = tenant_blueprint(
    "emergency", __name__, "/emergency", description="Emergency linkage (110/119/120/122): city settings"
)
province_blp = Blueprint(
    "province_emergency",
    __name__,
    url_prefix="/api/v1/province/emergency",
    description="Emergency linkage: the province's class map (platform classes -> categories)",
)
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "schema": {"type": "string"},
    "description": "the order's ETag",
}


class ClassMapFile(Schema):
    file = Upload(
        required=True, metadata={"description": "a .csv or .xlsx file", "example": "class_map.xlsx"}
    )


def _platform_out(row) -> dict:
    return {
        "platform": row.platform,
        "endpoint_url": row.endpoint_url,
        "client_id": row.client_id,
        "enabled": row.enabled,
        "configured": bool(row.endpoint_url and row.enabled),
        "secret_generation": row.secret_generation,
        "previous_secret_until": row.previous_secret_until,
        "updated_by": row.updated_by,
    }


@city_blp.route("/platforms")
class Platforms(MethodView):
    @requires("emergency.read")
    @city_blp.response(200, PlatformOut(many=True))
    def get(self):
        """The city's four emergency platforms: endpoint, client, secret generation (never the secret).

        A platform without an endpoint is not configured: escalations to it wait in the outbox
        (visible in the backlog) until one is set.
        """
        return [_platform_out(p) for p in platforms.all_platforms()]


@city_blp.route("/platforms/<string:platform>")
class PlatformItem(MethodView):
    @requires("emergency.read")
    @city_blp.response(200, PlatformOut)
    def get(self, platform):
        """One platform's settings (110, 119, 120 or 122).

        404 for anything else. The signing secret itself is never shown here (rotate it to get one).
        """
        return _platform_out(platforms.get(platform))

    @requires("emergency.manage")
    @city_blp.arguments(PlatformIn(), example=PLATFORM_EXAMPLE)
    @city_blp.response(200, PlatformOut)
    @city_blp.doc(**responds(409))
    def put(self, body, platform):
        """Set the platform's endpoint, client or enabled flag (audited).

        `endpoint_url` is the base we POST escalations (`/incidents`) and statuses
        (`/incidents/{id}/status`) to; `null` stops deliveries (they wait). `client_id` is the
        Keycloak client the platform calls us with (default `emergency-<platform>-<city>`); 409
        when another platform of the city already has that client.
        """
        row = platforms.configure(current_principal(), platform, body)
        db.session.commit()
        return _platform_out(row)


@city_blp.route("/platforms/<string:platform>/secret")
class PlatformSecret(MethodView):
    @requires("emergency.manage")
    @city_blp.arguments(RotateIn(), example={"overlap_hours": 24})
    @city_blp.response(200, SecretOut)
    def post(self, body, platform):
        """Rotate the platform's signing secret; the answer is the only place the new one is shown.

        The previous secret stays valid for `overlap_hours` both ways (we sign with both), so the
        platform can switch without losing a message.
        """
        row, secret = platforms.rotate_secret(current_principal(), platform, body["overlap_hours"])
        db.session.commit()
        return {
            "platform": row.platform,
            "secret_generation": row.secret_generation,
            "secret": secret,
            "previous_secret_until": row.previous_secret_until,
        }


def _class_views(blp: Blueprint, *, province: bool) -> None:
    read = "emergency.read"
    manage = "emergency.manage_province" if province else "emergency.manage"

    @blp.route("/class-map")
    class ClassMap(MethodView):
        @requires(read)
        @blp.arguments(ProvinceClassQuery() if province else ClassQuery(), location="query")
        @blp.response(200, ClassRowOut(many=True))
        def get(self, args):
            """The class map: each platform class (police or not, major/minor) and its category.

            In a city, what applies there: the province's rows with the city's own rows replacing
            those of the same class (`source`); `?own=true` lists only the city's rows.
            """
            effective = not province and not args.get("own")
            return mapping.listing(province=province, platform=args.get("platform"), effective=effective)

    @blp.route("/class-map/<string:platform>/<string:class_code>")
    class ClassRow(MethodView):
        @requires(manage)
        @blp.arguments(ClassRowIn(), example=CLASS_EXAMPLE)
        @blp.response(200, ClassRowOut)
        @blp.doc(**responds(422))
        def put(self, body, platform, class_code):
            """Create or replace one class row; the category must be a minor category (422 otherwise).

            A `null` category leaves the class unmapped: its incidents wait in the triage queue.
            """
            _check_path(platform, class_code)
            row = mapping.put(
                current_principal(), province=province, platform=platform, class_code=class_code, body=body
            )
            db.session.commit()
            return mapping.as_dict(row, "province" if province else "city")

        @requires(manage)
        @blp.response(204)
        def delete(self, platform, class_code):
            """Delete one row of this table.

            In a city, the province's row of the same class applies again; 404 when there is no row.
            """
            _check_path(platform, class_code)
            mapping.remove(current_principal(), province=province, platform=platform, class_code=class_code)
            db.session.commit()

    @blp.route("/class-map/import")
    class ClassImport(MethodView):
        @requires(manage)
        @blp.arguments(ClassMapFile(), location="files")
        @blp.response(201, ImportOut)
        def post(self, files):
            """Import class rows from CSV or Excel: all of them or none (rows are added or replaced).

            Columns (header row, Chinese or English): 平台 platform, 类别代码 class_code, 类别名称
            class_name, 大类代码 major_code, 大类名称 major_name, 警情 police (是/否), 12345分类
            category_code (a minor category, empty: unmapped). Any bad row and nothing is written:
            the 422 lists `{row, field, message}` under `errors.rows` (the header is row 1).
            """
            upload = files["file"]
            report = mapping_io.import_file(
                current_principal(), province=province, filename=upload.filename or "", data=upload.read()
            )
            db.session.commit()
            return {"rows": report.rows, "imported": report.imported, "platforms": report.platforms}


def _check_path(platform: str, class_code: str) -> None:
    if platform not in EMERGENCY_TARGETS or not mapping_io.CODE.match(class_code):
        raise NotFound(f"no class {class_code!r} of platform {platform!r}: 110/119/120/122 and a class code")


_class_views(city_blp, province=False)
_class_views(province_blp, province=True)


@city_blp.route("/orders/<int:order_id>/links")
class OrderLinks(MethodView):
    @requires("emergency.read")
    @city_blp.response(200, LinkOut(many=True))
    def get(self, order_id):
        """The order's links to emergency incidents (escalated out, or handed over to 12345).

        Each with its direction, the platform's incident number, the latest remote status and the
        joint-handling record (police dispatched, three-way call, first receiver). 404 for an order
        you may not see.
        """
        principal = current_principal()
        require(principal, "orders.read")
        get_visible(principal, order_id)
        return db.session.scalars(select(Link).where(Link.order_id == order_id).order_by(Link.id)).all()


def _joint(name: str, schema, fn, summary: str, example: dict) -> None:
    class View(MethodView):
        @requires("orders.joint")
        @city_blp.arguments(schema(), example=example)
        @city_blp.response(200, LinkOut)
        @city_blp.doc(parameters=[IF_MATCH], **responds(409, 412))
        def post(self, body, order_id):
            link = fn(current_principal(), order_id, body, parse_if_match(request.headers.get("If-Match")))
            db.session.commit()
            return link

    View.post.__doc__ = summary
    View.__name__ = "Order" + "".join(p.title() for p in name.split("-"))
    city_blp.route(f"/orders/<int:order_id>/{name}", endpoint=name.replace("-", "_"))(View)


_joint(
    "three-way-call",
    ThreeWayCallIn,
    joint.three_way_call,
    "Record a three-way call (三方通话) with the platform and who owns the matter afterwards.\n\n"
    "Caller, 12345 and the platform decide ownership together; the outcome (`12345`, `platform`, "
    "`unclear`) goes on the order's timeline and its link. 409 for a merged order.",
    {"platform": "110", "outcome": "unclear", "note": "三方通话未能明确职责"},
)
_joint(
    "first-receiver",
    FirstReceiverIn,
    joint.first_receiver,
    "Apply the first-receiver rule (首接负责) when ownership stays unclear after a three-way call.\n\n"
    "Whoever took the call first handles it: 12345 for its own intake, the platform for an incident "
    "it handed over (or name `first_receiver`). Recorded on the timeline and the link; an order the "
    "platform should handle is then escalated. 409 for a merged order.",
    {"platform": "110", "reason": "三方通话后职责仍不明确"},
)
