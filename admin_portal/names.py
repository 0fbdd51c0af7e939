"""Names of the bound city's codes (categories, districts, departments) for tables and pages.

Memoized for a few seconds per process with the catalogue's own memo scope, which every
catalogue edit drops (``catalog.changed``): a page of 50 orders costs no extra queries.
"""

from __future__ import annotations

from app.catalog import service as catalog
from app.memo import memo


def reference_names() -> dict[str, dict[str, str]]:
    def load() -> dict[str, dict[str, str]]:
        return {
            "category": {c.code: c.name for c in catalog.list_categories(status="all")},
            "district": {d.code: d.name for d in catalog.list_districts(status="all")},
            "department": {d.code: d.name for d in catalog.list_departments(status="all")},
        }

    return memo(catalog.MEMO_SCOPE, ("web-names",), load)


def category_choices() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """Active majors with their active minors: (code, name, [(code, name)]), for filters."""

    def load():
        cats = catalog.list_categories()
        return [
            (m.code, m.name, [(c.code, c.name) for c in cats if c.parent_code == m.code])
            for m in cats
            if not m.is_leaf
        ]

    return memo(catalog.MEMO_SCOPE, ("web-category-choices",), load)


def district_choices() -> list[tuple[str, str]]:
    return memo(
        catalog.MEMO_SCOPE, ("web-districts",), lambda: [(d.code, d.name) for d in catalog.list_districts()]
    )
