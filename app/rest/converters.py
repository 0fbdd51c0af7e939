"""URL converters for every route, installed by ``create_app`` under the usual names.

Flask's ``int`` matches any number of digits, and ``string`` any character but '/', so an id
above PostgreSQL's bigint or a segment with NUL used to reach the database and fail there (a
500). Here such a segment matches no route: 404, and the OpenAPI parameter carries the bounds.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter, UnicodeConverter

from .limits import BIGINT_MAX


class IdConverter(IntegerConverter):
    """``<int:order_id>``: a positive id that fits a bigint column (ids start at 1)."""

    def __init__(self, map, fixed_digits: int = 0, min: int = 1, max: int = BIGINT_MAX, signed: bool = False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class TextConverter(UnicodeConverter):
    """``<string:code>``: one path segment without NUL (PostgreSQL text cannot hold it)."""

    def __init__(self, map, minlength: int = 1, maxlength: int | None = None, length: int | None = None):
        super().__init__(map, minlength=minlength, maxlength=maxlength, length=length)
        # keep the {min,max} quantifier: flask-smorest reads the length bounds from it
        self.regex = self.regex.replace("[^/]", "[^/\\x00]", 1)


def install(app: Flask) -> None:
    """Before any route is added: the bounded converters replace Flask's defaults."""
    app.url_map.converters.update(int=IdConverter, string=TextConverter, default=TextConverter)
