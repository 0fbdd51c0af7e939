"""Class-map import from CSV or Excel (docs/integrations.md §Class maps): all rows or none.

Columns (header row; Chinese or the English field names): 平台 platform (110/119/120/122),
类别代码 class_code, 类别名称 class_name, 大类代码 major_code, 大类名称 major_name,
警情 police (是/否, true/false, 1/0), 12345分类 category_code (a minor category; empty: unmapped).
Every row is checked before anything is written; one bad row and nothing is imported, and the
422 lists each problem as ``{row, field, message}`` (the header is row 1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .. import tabular
from ..auth.policy import require
from ..auth.principal import Principal
from ..errors import DomainError
from ..orders.workflow import EMERGENCY_TARGETS
from . import mapping

MAX_ROWS = 5000
MAX_BYTES = 4 * 1024 * 1024
COLUMNS: dict[str, str] = {
    "平台": "platform",
    "类别代码": "class_code",
    "类别名称": "class_name",
    "大类代码": "major_code",
    "大类名称": "major_name",
    "警情": "police",
    "12345分类": "category_code",
}
REQUIRED = ("platform", "class_code", "class_name")
CODE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
CATEGORY = re.compile(r"^[0-9]{2,16}$")
TRUE, FALSE = {"是", "true", "1", "yes", "y", "警情"}, {"否", "false", "0", "no", "n", "非警情", ""}


@dataclass
class Report:
    rows: int
    imported: int = 0
    platforms: list[str] = field(default_factory=list)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _header(first: list) -> list[str | None]:
    english = {f: f for f in COLUMNS.values()}
    header = [COLUMNS.get(_text(h)) or english.get(_text(h)) for h in first]
    missing = [name for name, f in COLUMNS.items() if f in REQUIRED and f not in header]
    if missing:
        raise DomainError(
            f"missing columns: {', '.join(missing)}",
            errors={"file": [f"columns {list(COLUMNS)}"]},
            status=422,
        )
    return header


def parse_row(raw: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """One row's values and its problems (field, message), before the category check."""
    problems: list[tuple[str, str]] = []
    values = {name: _text(raw.get(name)) for name in COLUMNS.values()}
    if values["platform"] not in EMERGENCY_TARGETS:
        problems.append(("platform", "one of 110, 119, 120, 122"))
    if not CODE.match(values["class_code"]):
        problems.append(("class_code", "1-32 letters, digits, '_', '.', '-'"))
    if not 1 <= len(values["class_name"]) <= 100:
        problems.append(("class_name", "1-100 characters"))
    for name, limit in (("major_code", 32), ("major_name", 100)):
        if len(values[name]) > limit:
            problems.append((name, f"at most {limit} characters"))
    police = values["police"].lower()
    if police not in TRUE | FALSE:
        problems.append(("police", "是 or 否 (true or false)"))
    category = values["category_code"] or None
    if category is not None and not CATEGORY.match(category):
        problems.append(("category_code", "a category code such as 0105, or empty"))
    row = {
        "platform": values["platform"],
        "class_code": values["class_code"],
        "class_name": values["class_name"],
        "major_code": values["major_code"] or None,
        "major_name": values["major_name"] or None,
        "police": police in TRUE,
        "category_code": category,
    }
    return row, problems


def import_file(principal: Principal, *, province: bool, filename: str, data: bytes) -> Report:
    """Check every row, then write them all in one statement (or raise ``RowsRejected``)."""
    require(principal, "emergency.manage_province" if province else "emergency.manage")
    if len(data) > MAX_BYTES:
        raise DomainError("the file is over 4 MiB", errors={"file": ["at most 4 MiB"]}, status=422)
    table = tabular.rows(filename, data, MAX_ROWS)
    if not table:
        raise DomainError("the file is empty", errors={"file": ["no header row"]}, status=422)
    header, body = _header(table[0]), table[1:]
    if not body:
        raise DomainError("the file has a header and no rows", errors={"file": ["no rows"]}, status=422)
    if len(body) > MAX_ROWS:
        raise DomainError(f"at most {MAX_ROWS} rows per file", errors={"file": ["too many rows"]}, status=422)
    problems: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    seen: dict[tuple[str, str], int] = {}
    categories: dict[str | None, str | None] = {}
    for number, cells in enumerate(body, start=2):
        raw = {name: value for name, value in zip(header, cells, strict=False) if name}
        row, found = parse_row(raw)
        key = (row["platform"], row["class_code"])
        if not found and key in seen:
            found.append(("class_code", f"the same platform and class appear on row {seen[key]}"))
        seen.setdefault(key, number)
        if not any(f == "category_code" for f, _ in found):
            code = row["category_code"]
            if code not in categories:
                categories[code] = mapping.check_category(code, province=province)
            if categories[code]:
                found.append(("category_code", categories[code]))
        problems += [{"row": number, "field": f, "message": m} for f, m in found]
        rows.append(row)
    if problems:
        raise mapping.RowsRejected(problems, rows=len(rows))
    mapping.upsert(rows, province=province, actor=principal.username)
    return Report(len(rows), len(rows), sorted({r["platform"] for r in rows}))
