"""Import and export in the Xinyang format (docs/knowledge.md): ``.../kb/import`` and
``.../kb/export``, for the province base and for one city's own articles (DESIGN §13)."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, request
from flask.views import MethodView
from flask_smorest.fields import Upload
from marshmallow import fields, validate

from tenants import current_tenant_or_none, db

from ..auth.http import current_principal, requires
from ..rest import Blueprint, Schema
from ..tenancy.scope import tenant_blueprint
from . import io
from .models import STATES


class ImportInSchema(Schema):
    file = Upload(
        required=True,
        metadata={"description": "a .csv (UTF-8 or GB18030) or .xlsx file", "example": "知识导入.xlsx"},
    )


class ImportFormSchema(Schema):
    submit = fields.Boolean(
        load_default=False,
        metadata={"description": "send the imported drafts for review at once", "example": False},
    )


class ImportReportSchema(Schema):
    rows = fields.Integer(dump_only=True, metadata={"description": "articles in the file"})
    imported = fields.Integer(dump_only=True)
    ids = fields.List(fields.Integer(), dump_only=True, metadata={"description": "the new articles' ids"})
    state = fields.String(dump_only=True, metadata={"description": "draft, or in_review with submit"})


class ExportQuerySchema(Schema):
    category = fields.String(
        validate=validate.Length(1, 255),
        metadata={"description": "a category of the tree: its whole subtree", "example": "社会保障/养老保险"},
    )
    state = fields.String(validate=validate.OneOf(STATES), metadata={"description": "only this state"})
    format = fields.String(load_default="xlsx", validate=validate.OneOf(tuple(io.FORMATS)))
    part = fields.Integer(
        load_default=1,
        validate=validate.Range(1, 1000),
        metadata={"description": "files hold 1,000 articles: the n-th file of a larger subtree"},
    )


province_blp = Blueprint(
    "province_kb_io",
    __name__,
    url_prefix="/api/v1/province/kb",
    description="Province knowledge base: import and export in the Xinyang format (信阳知识导入规范).",
)
city_blp = tenant_blueprint(
    "city_kb_io",
    __name__,
    url_prefix="/kb",
    description="City knowledge base: import and export of this city's own articles (Xinyang format).",
)


def _views(blp: Blueprint, *, province: bool) -> None:
    @blp.before_request
    def _larger_bodies():
        if request.endpoint and request.endpoint.endswith(".Import"):
            request.max_content_length = io.MAX_BYTES  # 1,000 articles exceed the default 1 MB

    @blp.route("/import")
    class Import(MethodView):
        @requires("kb.edit")
        @blp.arguments(ImportInSchema(), location="files")
        @blp.arguments(ImportFormSchema(), location="form")
        @blp.response(201, ImportReportSchema)
        def post(self, files, form):
            """Import a file of articles, all of them or none (as drafts, or sent for review).

            Every row is checked first; if any row is bad nothing is imported and the 422 answer
            lists each problem as `{"row", "field", "message"}` under `errors.rows` (the header is
            row 1). A title already used at this scope is such a problem. Columns (header row,
            Chinese or the English field names): 知识分类 category_path (a leaf, `一级/二级/三级`),
            标题 title (unique, <= 128), 内容 content, 发布单位 issuing_unit, 素材类型 material_type,
            关键词 keywords (separated by `，` `、` or `;`, each <= 20), 生效日期 valid_from,
            失效日期 valid_to (`2026-01-31`). At most 1,000 rows per file.
            """
            upload = files["file"]
            data = upload.read()
            report = io.import_file(
                current_principal(),
                province=province,
                filename=upload.filename or "",
                data=data,
                submit=form["submit"],
            )
            db.session.commit()
            return report

    @blp.route("/export")
    class Export(MethodView):
        @requires("kb.edit")
        @blp.arguments(ExportQuerySchema(), location="query")
        @blp.response(
            200,
            description="the file (CSV with a BOM, or .xlsx) in the import's columns",
            content_type="application/octet-stream",
        )
        def get(self, args):
            """Export the articles of a category subtree as a Xinyang file (the import's columns).

            `category` names any node of the tree (all articles when left out); at most 1,000
            articles per file, `part=2` gives the next ones. The file imports again unchanged.
            """
            rows = io.subtree(
                args.get("category"), province=province, state=args.get("state"), part=args["part"]
            )
            body = io.write(rows, args["format"])
            city = current_tenant_or_none()
            scope = "province" if province else (city.slug if city else "city")
            name = f"知识导出-{scope}-{args['part']}.{args['format']}"
            return Response(
                body,
                mimetype=io.FORMATS[args["format"]].split(";")[0],
                headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
            )


_views(province_blp, province=True)
_views(city_blp, province=False)
