"""Import and export of articles in the Xinyang format (信阳知识导入规范, docs/knowledge.md).

A file (CSV or Excel .xlsx) holds at most 1,000 articles, one a row, under the columns of
``COLUMNS`` (Chinese headers; the API's English field names are accepted too). Every row is
checked before anything is written: the category path must end at a leaf, the title must be
unique (in the file and at this scope), the other DOMAIN rules as for one article. One bad row
and nothing is imported; the answer lists every bad row with its row number as the file shows
it (the header is row 1). Export writes the same columns, so an export imports again.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import or_, select

from tenants import db

from .. import tabular
from ..auth.policy import require
from ..auth.principal import Principal
from ..errors import DomainError
from . import service
from .models import CityArticle, ProvinceArticle
from .taxonomy import LEAVES

MAX_ROWS = 1000
MAX_BYTES = 16 * 1024 * 1024  # a file of 1,000 long articles
# Xinyang column headers -> article fields
COLUMNS: dict[str, str] = {
    "知识分类": "category_path",
    "标题": "title",
    "内容": "content",
    "发布单位": "issuing_unit",
    "素材类型": "material_type",
    "关键词": "keywords",
    "生效日期": "valid_from",
    "失效日期": "valid_to",
}
REQUIRED = ("category_path", "title", "content", "issuing_unit", "material_type")
FORMATS = tabular.FORMATS
_KEYWORD_SPLIT = re.compile(r"[,，、;；|\s]+")
_PATH_SPLIT = re.compile(r"\s*[/／>＞\\]\s*")
MESSAGES = {
    "required": "required",
    "date": "a date like 2026-01-31",
    "duplicate": "the same title appears on row {other}",
    "exists": "an article with this title exists",
    "unit": "your department issues as {units}",
}


@dataclass
class Report:
    """What an import did: rows read, articles created (ids), or the rows that stopped it."""

    rows: int
    imported: int = 0
    ids: list[int] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)  # {"row", "field", "message"}
    state: str = "draft"


class ImportRejected(DomainError):
    """Some rows are bad: nothing was imported; ``report.errors`` says which and why."""

    def __init__(self, report: Report):
        bad = sorted({e["row"] for e in report.errors})
        super().__init__(
            f"{len(bad)} of {report.rows} rows have errors; nothing was imported",
            errors={"rows": report.errors},
            status=422,
        )
        self.report = report


def nodes() -> frozenset[str]:
    """Every category path of the tree (inner nodes and leaves): what an export may name."""
    out = set()
    for leaf in LEAVES:
        parts = leaf.split("/")
        out.update("/".join(parts[: i + 1]) for i in range(len(parts)))
    return frozenset(out)


# -- reading a file ---------------------------------------------------------------------------


def read(filename: str, data: bytes) -> list[dict]:
    """The file's rows as ``{"row": n, field: raw value}``, after the header checks."""
    rows = tabular.rows(filename, data, MAX_ROWS)
    if not rows:
        raise DomainError("the file is empty", errors={"file": ["no header row"]}, status=422)
    english = {f: f for f in COLUMNS.values()}
    header = [COLUMNS.get(str(h or "").strip()) or english.get(str(h or "").strip()) for h in rows[0]]
    missing = [name for name, f in COLUMNS.items() if f in REQUIRED and f not in header]
    if missing:
        raise DomainError(
            f"missing columns: {', '.join(missing)}",
            errors={"file": [f"columns {list(COLUMNS)}"]},
            status=422,
        )
    body = rows[1:]
    if not body:
        raise DomainError("the file has a header and no articles", errors={"file": ["no rows"]}, status=422)
    if len(body) > MAX_ROWS:
        raise DomainError(
            f"at most {MAX_ROWS} articles per file", errors={"file": [f"at most {MAX_ROWS} rows"]}, status=422
        )
    out = []
    for number, row in enumerate(body, start=2):
        raw = {"row": number}
        for name, value in zip(header, row, strict=False):
            if name:
                raw[name] = value
        out.append(raw)
    return out


# -- checking rows ----------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-").split(" ")[0]
    try:
        return date.fromisoformat("-".join(p.zfill(2) for p in text.split("-")))
    except ValueError:
        raise ValueError(MESSAGES["date"]) from None


def parse(raw: dict) -> tuple[dict, list[tuple[str, str]]]:
    """One row's article fields and its problems (field, message), before the uniqueness check."""
    errors: list[tuple[str, str]] = []
    fields: dict = {}
    for name in ("title", "content", "issuing_unit", "material_type"):
        fields[name] = _text(raw.get(name))
    fields["category_path"] = "/".join(p for p in _PATH_SPLIT.split(_text(raw.get("category_path"))) if p)
    fields["keywords"] = list(dict.fromkeys(k for k in _KEYWORD_SPLIT.split(_text(raw.get("keywords"))) if k))
    for name in ("valid_from", "valid_to"):
        try:
            fields[name] = _date(raw.get(name))
        except ValueError as exc:
            errors.append((name, str(exc)))
            fields[name] = None
    for name in REQUIRED:
        if not fields[name]:
            errors.append((name, MESSAGES["required"]))
    if len(fields["content"]) > 100_000 or len(fields["issuing_unit"]) > 128:
        errors.append(("content" if len(fields["content"]) > 100_000 else "issuing_unit", "too long"))
    try:
        service.validate({k: v for k, v in fields.items() if k not in REQUIRED or v})
    except DomainError as exc:
        for name, messages in (exc.errors or {}).items():
            errors.extend((name, m) for m in messages)
    return fields, errors


def check(
    rows: list[dict], *, province: bool, units: set[str] | None = None
) -> tuple[list[dict], list[dict]]:
    """Every row's fields, and every problem of every row (none: the file may be imported);
    ``units``: the issuing units a department-bound editor may use (``service.bound_units``)."""
    model = ProvinceArticle if province else CityArticle
    parsed, errors = [], []
    first_row: dict[str, int] = {}
    for raw in rows:
        fields, problems = parse(raw)
        if units is not None and fields.get("issuing_unit") and fields["issuing_unit"] not in units:
            problems.append(("issuing_unit", MESSAGES["unit"].format(units="、".join(sorted(units)))))
        title = fields["title"]
        if title and title in first_row:
            problems.append(("title", MESSAGES["duplicate"].format(other=first_row[title])))
        elif title:
            first_row[title] = raw["row"]
        parsed.append(fields)
        errors.extend({"row": raw["row"], "field": f, "message": m} for f, m in problems)
    titles = list(first_row)
    existing = set()
    for start in range(0, len(titles), 500):
        existing.update(
            db.session.scalars(select(model.title).where(model.title.in_(titles[start : start + 500])))
        )
    errors.extend(
        {"row": first_row[t], "field": "title", "message": MESSAGES["exists"]}
        for t in titles
        if t in existing
    )
    errors.sort(key=lambda e: (e["row"], e["field"]))
    return parsed, errors


def import_file(
    principal: Principal, *, province: bool, filename: str, data: bytes, submit: bool = False
) -> Report:
    """All rows or none: raises ``ImportRejected`` with every bad row; otherwise creates drafts
    (``submit``: sent for review at once). The caller's view commits (docs/architecture.md §4)."""
    require(principal, "kb.edit")
    if province and principal.tenant:
        raise DomainError("a city editor imports city articles", status=403)
    rows = read(filename, data)
    parsed, errors = check(rows, province=province, units=service.bound_units(principal, province=province))
    report = Report(rows=len(rows), errors=errors, state="in_review" if submit else "draft")
    if errors:
        raise ImportRejected(report)
    rows = service.create_many(principal, parsed, province=province, submit=submit)
    report.ids = [row.id for row in rows]
    report.imported = len(report.ids)
    return report


# -- export -----------------------------------------------------------------------------------


def subtree(category: str | None, *, province: bool, state: str | None = None, part: int = 1):
    """The articles under ``category`` (a node of the tree; all when empty), a file's worth."""
    model = ProvinceArticle if province else CityArticle
    stmt = select(model).order_by(model.category_path, model.id)
    if category:
        if category not in nodes():
            raise DomainError("no such category", errors={"category": ["a category of the tree"]}, status=422)
        stmt = stmt.where(
            or_(model.category_path == category, model.category_path.startswith(category + "/"))
        )
    if state:
        stmt = stmt.where(model.state == state)
    return list(db.session.scalars(stmt.offset((part - 1) * MAX_ROWS).limit(MAX_ROWS)))


def _cells(article) -> list[str]:
    values = {
        "category_path": article.category_path,
        "title": article.title,
        "content": article.content,
        "issuing_unit": article.issuing_unit,
        "material_type": article.material_type,
        "keywords": "，".join(article.keywords or []),
        "valid_from": article.valid_from.isoformat() if article.valid_from else "",
        "valid_to": article.valid_to.isoformat() if article.valid_to else "",
    }
    return [values[f] for f in COLUMNS.values()]


def _safe(cell: str) -> str:
    """No spreadsheet formula injection: a cell that starts like a formula is written as text."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@") else cell


def write(articles: list, fmt: str) -> bytes:
    """The articles as a Xinyang file (``csv`` with a BOM for Excel, or ``xlsx``)."""
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(list(COLUMNS))
        for a in articles:
            writer.writerow([_safe(c) for c in _cells(a)])
        return ("\ufeff" + buf.getvalue()).encode("utf-8")
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(
        out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    sheet = book.add_worksheet("知识")
    bold = book.add_format({"bold": True, "bg_color": "#EEF2F7"})
    sheet.write_row(0, 0, list(COLUMNS), bold)
    for i, a in enumerate(articles, start=1):
        sheet.write_row(i, 0, _cells(a))
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 1, 36)
    sheet.set_column(2, 2, 60)
    sheet.set_column(3, 7, 14)
    sheet.freeze_panes(1, 0)
    book.close()
    return out.getvalue()
