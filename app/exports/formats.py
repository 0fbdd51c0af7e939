"""Writing a table as CSV (UTF-8 with a BOM, which Excel needs for Chinese text) or Excel
(XlsxWriter, constant memory so a large sheet is streamed, not held cell by cell)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def write(
    fmt: str,
    sheet_name: str,
    head: list[str],
    rows: Iterable[list],
    tick: Callable[[int], None] | None = None,
) -> bytes:
    """The file's bytes; ``tick(n)`` is called after every 1,000 rows (progress of a background export)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    return (_csv if fmt == "csv" else _xlsx)(sheet_name, head, rows, tick or (lambda _n: None))


def _csv(_name: str, head: list[str], rows: Iterable[list], tick) -> bytes:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(head)
    n = 0
    for n, row in enumerate(rows, start=1):
        writer.writerow(row)
        if n % 1000 == 0:
            tick(n)
    tick(n)
    return out.getvalue().encode("utf-8")


def _xlsx(name: str, head: list[str], rows: Iterable[list], tick) -> bytes:
    import xlsxwriter  # only exports need it

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "constant_memory": True})
    sheet = book.add_worksheet(name[:31])
    sheet.write_row(0, 0, head, book.add_format({"bold": True}))
    n = 0
    for n, row in enumerate(rows, start=1):
        sheet.write_row(n, 0, ["" if v is None else v for v in row])
        if n % 1000 == 0:
            tick(n)
    tick(n)
    book.close()
    return buf.getvalue()
