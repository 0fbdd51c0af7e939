"""Tenant slugs and schema names.

Schema names are derived from validated slugs only; request text never reaches DDL.
"""

from __future__ import annotations

import re

SLUG_RE = re.compile(r"^[a-z][a-z0-9_]{1,30}$")
SCHEMA_RE = re.compile(r"^t_[a-z][a-z0-9_]{1,30}$")
REGION_CODE_RE = re.compile(r"^\d{6}$")

PROVINCE_SCHEMA = "province"
# Placeholder schema of tenant models; mapped per unit of work (docs/architecture.md §2).
TENANT_PLACEHOLDER = "tenant"
# What the placeholder maps to when no tenant is bound: a schema that can never exist.
UNBOUND_SCHEMA = "__no_tenant_bound__"


class InvalidName(ValueError):
    """A slug, schema name or region code that does not follow the rules."""


def validate_slug(slug: str) -> str:
    if not isinstance(slug, str) or not SLUG_RE.fullmatch(slug):
        raise InvalidName(
            f"invalid tenant slug {slug!r}: use 2-31 characters, lowercase letters, digits and '_', "
            "starting with a letter"
        )
    return slug


def validate_region_code(code: str) -> str:
    if not isinstance(code, str) or not REGION_CODE_RE.fullmatch(code):
        raise InvalidName(f"invalid region code {code!r}: six digits (GB/T 2260), e.g. 130100")
    return code


def schema_name(slug: str) -> str:
    return f"t_{validate_slug(slug)}"


def quote_schema(name: str) -> str:
    """Quote a schema name for DDL after checking it is one of ours."""
    if name != PROVINCE_SCHEMA and not SCHEMA_RE.fullmatch(name):
        raise InvalidName(f"refusing to use schema name {name!r}")
    return '"' + name + '"'


def order_prefix_for(slug: str) -> str:
    """Default readable order-number prefix: the slug's first letters, upper-case."""
    return validate_slug(slug)[:3].upper()
