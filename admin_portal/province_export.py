"""Exports of the province's on-screen tables as CSV or Excel (XlsxWriter): the KPI table by city
and the order list with its filters. The rows come from the same services as the pages, and the
province layer is PII-free, so an export cannot carry a caller's phone or name.

Small exports are answered at once; an order list longer than ``SYNC_MAX_ROWS`` is a background
export (``app.exports.service``: an rq job with a progress bar, a download link for the
requester only, expiring). See docs/portal.md (Exports).
"""

from __future__ import annotations

from flask import Response, g, redirect, render_template, request, url_for

from app.exports import formats
from app.exports import service as exports
from app.province import exports as province_exports
from app.province import kpis, queries
from app.province.measures import KPIS
from tenants import db

from .province import SH, _invalid, blp, city_rows, period
from .province_drill import _filters


def _kpi_table() -> tuple[list[str], list[list]]:
    day_from, day_to = period()
    result = kpis.compute(day_from, day_to, "tenant")
    head = ["city", "received", *(f"{k.id} {k.zh}" for k in KPIS)]
    rows = []
    for r in [*city_rows(result), {"slug": "total", "name": "全省", "group": result["total"]}]:
        grp = r["group"]
        rows.append(
            [
                r["name"],
                grp["received"] if grp else 0,
                *((grp["kpis"][k.id]["value"] if grp else None) for k in KPIS),
            ]
        )
    return head, rows


def _order_table() -> tuple[list[str], list[list]]:
    args = _filters()["args"]
    limit = province_exports.SYNC_MAX_ROWS
    if province_exports.count(queries.orders(args)) > limit:
        raise _invalid(f"more than {limit} orders: use the background export on the order list")
    return province_exports.ORDER_HEAD, list(province_exports.order_rows(args, limit))


TABLES = {"kpis": _kpi_table, "orders": _order_table}


def _fmt(fmt: str) -> str:
    if fmt not in formats.FORMATS:
        raise _invalid("format is csv or xlsx")
    return fmt


@blp.get("/export.<fmt>")
def export(fmt: str):
    table = request.args.get("table") or "kpis"
    if table not in TABLES or fmt not in formats.FORMATS:
        raise _invalid("table is kpis or orders, format csv or xlsx")
    head, rows = TABLES[table]()
    data = formats.write(fmt, table, head, rows)
    return Response(
        data,
        mimetype=formats.FORMATS[fmt].split(";")[0],
        headers={"Content-Disposition": f'attachment; filename="{table}.{fmt}"'},
    )


@blp.post("/exports")
def export_start():
    """A background export of the order list with the filters of the page it was asked from."""
    fmt = _fmt(request.form.get("fmt") or "")
    if request.form.get("table") != "orders":
        raise _invalid("only the order list is exported in the background")
    args = _filters(request.form)["args"]  # the list page's own parser, over the posted filters
    row = exports.request(g.web_principal, "orders", fmt, province_exports.stored(args))
    db.session.commit()
    return redirect(url_for(".export_page", export_id=row.id))


@blp.get("/exports")
def export_list():
    return render_template("province/exports.html", rows=exports.mine(g.web_principal), tz=SH)


@blp.get("/exports/<int:export_id>")
def export_page(export_id: int):
    return render_template("province/export.html", row=exports.for_owner(g.web_principal, export_id), tz=SH)


@blp.get("/exports/<int:export_id>/status")
def export_status(export_id: int):
    """The polled fragment; it stops polling once the file is written or failed."""
    row = exports.for_owner(g.web_principal, export_id)
    return render_template("province/export_status.html", row=row, tz=SH)


@blp.get("/exports/<int:export_id>/download")
def export_download(export_id: int):
    row, data = exports.download(g.web_principal, export_id)
    return Response(
        data,
        mimetype=formats.FORMATS[row.fmt].split(";")[0],
        headers={
            "Content-Disposition": f'attachment; filename="{row.filename}"',
            "Cache-Control": "no-store",
        },
    )
