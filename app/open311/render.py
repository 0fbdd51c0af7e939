"""GeoReport v2 wire formats: JSON and the spec's mandatory XML, errors as the spec shapes them."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from flask import Response, json

CITY_TZ = ZoneInfo("Asia/Shanghai")  # W3C datetimes carry the city's offset (+08:00)
# element name of one item inside each XML list root
ITEM = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "notes": "note",
    "endpoints": "endpoint",
    "formats": "format",
}


XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


def parse_dt(value: str | None, field: str) -> datetime | None:
    """A W3C datetime with its offset (the spec's format), or a 400 naming ``field``."""
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise Open311Error(400, f"{field} is not a W3C datetime") from exc
    if dt.tzinfo is None:
        raise Open311Error(400, f"{field} needs a time zone")
    return dt


def w3c(dt: datetime | None) -> str | None:
    return dt.astimezone(CITY_TZ).isoformat(timespec="seconds") if dt else None


def _xml(parent: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _xml(ET.SubElement(parent, key), item)
    elif isinstance(value, list):
        for item in value:
            _xml(ET.SubElement(parent, ITEM.get(parent.tag, "item")), item)
    elif value is None:
        return
    elif isinstance(value, bool):
        parent.text = "true" if value else "false"
    else:
        parent.text = XML_INVALID.sub("", str(value))


def respond(fmt: str, root: str, body: Any, status: int = 200) -> Response:
    """JSON as is; XML with ``root`` around it (lists repeat the root's item element)."""
    if fmt == "xml":
        element = ET.Element(root)
        _xml(element, body)
        text = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(element, encoding="utf-8")
        return Response(text, status=status, mimetype="text/xml")
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")


def error(fmt: str, status: int, description: str) -> Response:
    return respond(
        fmt if fmt in ("json", "xml") else "json",
        "errors",
        [{"code": status, "description": description}],
        status,
    )
