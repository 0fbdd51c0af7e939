"""Reading uploaded tables (CSV or Excel .xlsx) for the imports: knowledge articles, class maps.

One reader for every import: CSV in UTF-8 (with or without BOM) or GB18030 (what Excel in China
saves), or the first sheet of a workbook; blank rows are skipped. Unreadable files are a 422
naming the file, never a 500.
"""

from __future__ import annotations

import csv
import io

from .errors import DomainError

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def kind(filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if ext not in FORMATS:
        raise DomainError("the file must be .csv or .xlsx", errors={"file": ["csv or xlsx"]}, status=422)
    return ext


def csv_rows(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DomainError("the CSV is neither UTF-8 nor GB18030", errors={"file": ["encoding"]}, status=422)
    if "\x00" in text:
        raise DomainError("the CSV holds NUL characters", errors={"file": ["not text"]}, status=422)
    try:
        return [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise DomainError(f"unreadable CSV: {exc}", errors={"file": ["csv"]}, status=422) from exc


def xlsx_rows(data: bytes, max_rows: int) -> list[list]:
    """The first sheet's non-blank rows, stopping after ``max_rows + 1`` (header and one too many)."""
    from openpyxl import load_workbook  # only imports need it

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            if len(rows) > max_rows + 1:
                break
            if any(c not in (None, "") for c in row):
                rows.append(list(row))
        book.close()
        return rows
    except Exception as exc:  # a damaged workbook raises many kinds (zip, xml, key errors)
        raise DomainError("unreadable Excel file", errors={"file": ["xlsx"]}, status=422) from exc


def rows(filename: str, data: bytes, max_rows: int) -> list[list]:
    """Every non-blank row of the file (header first)."""
    return csv_rows(data) if kind(filename) == "csv" else xlsx_rows(data, max_rows)
