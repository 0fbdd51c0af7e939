"""Form posts through the API's own schemas: one validation, the same 422 rules.

``load`` turns a form (flat names, ``caller.phone`` style for nested fields, repeated names
for lists) into the schema's input and returns (data, None) or (None, errors by field).
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields
from werkzeug.datastructures import MultiDict


def _flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix and not isinstance(key, int) else (prefix or str(key))
            for k, v in _flatten(value, name).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(messages, list):
        out[prefix or "_"] = [str(m) for m in messages if not isinstance(m, dict | list)]
        for m in messages:
            if isinstance(m, dict | list):
                for k, v in _flatten(m, prefix).items():
                    out.setdefault(k, []).extend(v)
    else:
        out[prefix or "_"] = [str(messages)]
    return out


def errors_of(domain_errors: dict | None) -> dict[str, list[str]]:
    """A DomainError's ``errors`` ({"json": {field: [...]}}) by field name."""
    if not domain_errors:
        return {}
    return _flatten(domain_errors.get("json", domain_errors))


def _collect(schema: Schema, form: MultiDict, prefix: str = "") -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, field in schema.fields.items():
        key = prefix + (field.data_key or name)
        if isinstance(field, fields.Nested):
            nested = _collect(field.schema, form, key + ".")
            if nested:
                data[name] = nested
        elif isinstance(field, fields.List):
            values = [v for v in form.getlist(key) if v != ""]
            if values or key in form:
                data[name] = values
        elif isinstance(field, fields.Boolean):
            if key in form:
                data[name] = form.get(key) not in ("", "0", "false", "off")
        else:
            value = form.get(key, "").strip()
            if value != "":
                data[name] = value
    return data


def load(schema: Schema, form: MultiDict) -> tuple[dict[str, Any] | None, dict[str, list[str]] | None]:
    try:
        return schema.load(_collect(schema, form)), None
    except ValidationError as exc:
        return None, _flatten(exc.messages)
