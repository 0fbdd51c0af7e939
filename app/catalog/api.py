"""``/api/v1/tenants/{tenant}/``: appeal types, categories, departments, districts of a city."""

from __future__ import annotations

from flask.views import MethodView

from tenants.db import db

from .. import paging
from ..auth.http import current_principal, requires
from ..tenancy.scope import tenant_blueprint
from . import service
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
        """The appeal types (诉求类型) every order carries; fixed platform-wide."""
        return [
            {"code": code, "name": zh, "name_en": en} for code, (zh, en) in service.APPEAL_TYPE_NAMES.items()
        ]


@blp.route("/categories")
class Categories(MethodView):
    @requires("catalog.read")
    @blp.arguments(CategoryQuery(), location="query")
    @blp.response(200, CategoryNodeSchema(many=True))
    def get(self, args):
        """The subject taxonomy: flat (filter by parent or level) or as a tree. Not paginated: bounded."""
        rows = service.list_categories(
            parent=args.get("parent"), level=args.get("level"), status=args["status"]
        )
        return service.category_tree(rows) if args["view"] == "tree" else rows

    @requires("catalog.manage")
    @blp.arguments(CategoryCreateSchema())
    @blp.response(201, CategorySchema)
    def post(self, body):
        """Add a city category (major NN, or minor NNMM under major NN)."""
        cat = service.create_category(body, _actor())
        db.session.commit()
        service.changed()
        return cat


@blp.route("/categories/<string:code>")
class CategoryItem(MethodView):
    @requires("catalog.read")
    @blp.response(200, CategorySchema)
    def get(self, code: str):
        """One category, active or retired."""
        return service.find_category(code)

    @requires("catalog.manage")
    @blp.arguments(CategoryPatchSchema())
    @blp.response(200, CategorySchema)
    def patch(self, body, code: str):
        """Rename, change the hints, retire (active=false) or reactivate."""
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
        """Handling departments (承办单位), filtered by kind and district; paginated."""
        stmt = service.departments_query(
            kind=args.get("kind"), district=args.get("district"), status=args["status"]
        )
        return paging.page(stmt, pagination_parameters)

    @requires("catalog.manage")
    @blp.arguments(DepartmentCreateSchema())
    @blp.response(201, DepartmentSchema)
    def post(self, body):
        """Add a department of this city."""
        dept = service.create_department(body, _actor())
        db.session.commit()
        service.changed()
        return dept


@blp.route("/departments/<string:code>")
class DepartmentItem(MethodView):
    @requires("catalog.read")
    @blp.response(200, DepartmentSchema)
    def get(self, code: str):
        """One department, active or retired."""
        return service.find_department(code)

    @requires("catalog.manage")
    @blp.arguments(DepartmentPatchSchema())
    @blp.response(200, DepartmentSchema)
    def patch(self, body, code: str):
        """Rename, set the duty phone, retire (active=false) or reactivate."""
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
        """The city's county-level districts (区/县/县级市), in the official order. Not paginated."""
        return service.list_districts(args["status"])
