"""Exports of the province's on-screen tables as CSV or Excel (XlsxWriter): the KPI table by city
and the order list with its filters. The rows come from the same services as the pages, and the
province layer is PII-free, so an export cannot carry a caller's phone or name.
"""

from __future__ import annotations

import csv
import io

from flask import Response, request

from app.province import kpis, queries
from app.province.measures import KPIS
from tenants import db

from .province import SH, _invalid, blp, city_rows, period
from .province_drill import _filters

MAX_ROWS = 10_000  # synchronous exports; larger lists are narrowed by their filters


def _kpi_table() -> tuple[list[str], list[list]]:
    day_from, day_to = period()
    result = kpis.compute(day_from, day_to, "tenant")
    head = ["city", "received", *(f"{k.id} {k.zh}" for k in KPIS)]
    rows = []
    for r in [*city_rows(result), {"slug": "total", "name": "全省", "group": result["total"]}]:
        g = r["group"]
        rows.append(
            [r["name"], g["received"] if g else 0, *((g["kpis"][k.id]["value"] if g else None) for k in KPIS)]
        )
    return head, rows


def _order_table() -> tuple[list[str], list[list]]:
    stmt = queries.orders(_filters()["args"]).limit(MAX_ROWS)
    head = [
        "number",
        "city",
        "status",
        "category",
        "district",
        "lead_department",
        "received",
        "due",
        "overdue",
    ]
    rows = []
    for row in db.session.execute(stmt):
        f = row.OrderFact
        rows.append(
            [
                f.number,
                row.tenant,
                f.status,
                f.category_code,
                f.district_code,
                f.lead_department,
                f.created_at.astimezone(SH).strftime("%Y-%m-%d %H:%M"),
                f.due_at.astimezone(SH).strftime("%Y-%m-%d %H:%M") if f.due_at else None,
                f.overdue_at is not None,
            ]
        )
    return head, rows


TABLES = {"kpis": _kpi_table, "orders": _order_table}


@blp.get("/export.<fmt>")
def export(fmt: str):
    table = request.args.get("table") or "kpis"
    if table not in TABLES or fmt not in ("csv", "xlsx"):
        raise _invalid("table is kpis or orders, format csv or xlsx")
    head, rows = TABLES[table]()
    name = f"{table}.{fmt}"
    if fmt == "csv":
        out = io.StringIO()
        out.write("\ufeff")  # Excel opens UTF-8 CSV with Chinese text correctly only with a BOM
        writer = csv.writer(out)
        writer.writerow(head)
        writer.writerows(rows)
        data, mime = out.getvalue().encode("utf-8"), "text/csv; charset=utf-8"
    else:
        import xlsxwriter

        buf = io.BytesIO()
        book = xlsxwriter.Workbook(buf, {"in_memory": True})
        sheet = book.add_worksheet(table)
        bold = book.add_format({"bold": True})
        sheet.write_row(0, 0, head, bold)
        for i, row in enumerate(rows, start=1):
            sheet.write_row(i, 0, ["" if v is None else v for v in row])
        book.close()
        data, mime = buf.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(data, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="{name}"'})
