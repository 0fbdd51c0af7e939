"""``/api/v1/tenants/{tenant}/``: appeal types, categories, departments, districts of a city."""

from __future__ import annotations

from flask.views import MethodView

from tenants.db import db

from ..auth.http import current_principal, requires
from ..rest import responds
from ..tenancy.scope import tenant_blueprint
from . import service
from .paging import page_of
from .schemas import (
    AppealTypeSchema,
    CategoryCreateSchema,
    CategoryNodeSchema,
    CategoryPatchSchema,
    CategoryQuery,
    CategorySchema,
    DepartmentCreateSchema,
    DepartmentPatchSchema,
    DepartmentQuery,
    DepartmentSchema,
    DistrictSchema,
    StatusQuery,
)

blp = tenant_blueprint(
    "catalog",
    __name__,
    description="Reference data of a city: subject taxonomy, handling departments, districts. "
    "Rows are retired (active=false), never deleted.",
)


def _actor() -> str:
    return current_principal().username


@blp.route("/appeal-types")
class AppealTypes(MethodView):
    @requires("catalog.read")
    @blp.response(200, AppealTypeSchema(many=True))
    def get(self):
        """The appeal types (诉求类型) every order carries; fixed platform-wide.

        Code, Chinese and English name of each appeal type: consultation 咨询, help 求助, complaint 投诉,
        report 举报, suggestion 建议, praise 表扬. The same for every city.
        """
        return [
            {"code": code, "name": zh, "name_en": en} for code, (zh, en) in service.APPEAL_TYPE_NAMES.items()
        ]


@blp.route("/categories")
class Categories(MethodView):
    @requires("catalog.read")
    @blp.arguments(CategoryQuery(), location="query")
    @blp.response(200, CategoryNodeSchema(many=True))
    def get(self, args):
        """The subject taxonomy: flat (filter by parent or level) or as a tree. Not paginated: bounded.

        Major categories (two digits, e.g. `01`) and minor ones under them (four digits, e.g. `0105`);
        orders are filed under a minor (leaf) category. `view=tree` nests minors under their major;
        `status` picks active, retired or all.
        """
        rows = service.list_categories(
            parent=args.get("parent"), level=args.get("level"), status=args["status"]
        )
        return service.category_tree(rows) if args["view"] == "tree" else rows

    @requires("catalog.manage")
    @blp.arguments(
        CategoryCreateSchema(),
        example={
            "code": "0211",
            "parent_code": "02",
            "name": "公共厕所",
            "name_en": "Public toilets",
            "appeal_type_hint": "complaint",
            "season": None,
            "sort_order": 11,
        },
    )
    @blp.doc(**responds(409))
    @blp.response(201, CategorySchema)
    def post(self, body):
        """Add a city category (major NN, or minor NNMM under major NN).

        Adds a category to this city's taxonomy. A minor category needs its major to exist and be
        active. Codes are never reused: a retired code answers 409.
        """
        cat = service.create_category(body, _actor())
        db.session.commit()
        service.changed()
        return cat


@blp.route("/categories/<string:code>")
class CategoryItem(MethodView):
    @requires("catalog.read")
    @blp.response(200, CategorySchema)
    def get(self, code: str):
        """One category, active or retired.

        A category by code, with its names, hints and whether it is active. 404 for an unknown code.
        """
        return service.find_category(code)

    @requires("catalog.manage")
    @blp.arguments(CategoryPatchSchema(), example={"name": "公共厕所管理", "sort_order": 12})
    @blp.doc(**responds(409))
    @blp.response(200, CategorySchema)
    def patch(self, body, code: str):
        """Rename, change the hints, retire (active=false) or reactivate.

        Changes only the fields sent. Retiring a major category that still has active minors, or
        reactivating a minor under a retired major, answers 409.
        """
        cat = service.update_category(code, body, _actor())
        db.session.commit()
        service.changed()
        return cat


@blp.route("/departments")
class Departments(MethodView):
    @requires("catalog.read")
    @blp.arguments(DepartmentQuery(), location="query")
    @blp.response(200, DepartmentSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """Handling departments (承办单位), filtered by kind and district; paginated.

        City bureaus, district governments, utilities and other handling units of this city, with their
        codes (used in dispatch), names and duty phones. `status` picks active, retired or all.
        """
        stmt = service.departments_query(
            kind=args.get("kind"), district=args.get("district"), status=args["status"]
        )
        return page_of(stmt, pagination_parameters)

    @requires("catalog.manage")
    @blp.arguments(
        DepartmentCreateSchema(),
        example={
            "code": "tyj",
            "name": "市体育局",
            "short_name": "体育局",
            "kind": "city_bureau",
            "district_code": None,
            "phone": "0311-86000000",
            "sort_order": 40,
        },
    )
    @blp.doc(**responds(409))
    @blp.response(201, DepartmentSchema)
    def post(self, body):
        """Add a department of this city.

        Adds a handling department. The code is what dispatch and dispatch rules refer to; codes are
        never reused (409). A district may have one district government only (409).
        """
        dept = service.create_department(body, _actor())
        db.session.commit()
        service.changed()
        return dept


@blp.route("/departments/<string:code>")
class DepartmentItem(MethodView):
    @requires("catalog.read")
    @blp.response(200, DepartmentSchema)
    def get(self, code: str):
        """One department, active or retired.

        A department by code, with its kind, district, names and duty phone. 404 for an unknown code.
        """
        return service.find_department(code)

    @requires("catalog.manage")
    @blp.arguments(DepartmentPatchSchema(), example={"phone": "0311-86000001", "active": True})
    @blp.doc(**responds(409))
    @blp.response(200, DepartmentSchema)
    def patch(self, body, code: str):
        """Rename, set the duty phone, retire (active=false) or reactivate.

        Changes only the fields sent. A retired department can no longer be dispatched to; existing
        assignments are kept.
        """
        dept = service.update_department(code, body, _actor())
        db.session.commit()
        service.changed()
        return dept


@blp.route("/districts")
class Districts(MethodView):
    @requires("catalog.read")
    @blp.arguments(StatusQuery(), location="query")
    @blp.response(200, DistrictSchema(many=True))
    def get(self, args):
        """The city's county-level districts (区/县/县级市), in the official order. Not paginated.

        The districts of this city with their GB/T 2260 codes (used as `district_code` on orders and
        dispatch rules), in the official order.
        """
        return service.list_districts(args["status"])
