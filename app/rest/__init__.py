"""The parts every HTTP API blueprint shares (README, "HTTP API: bounds, OpenAPI, fuzzing").

- ``Blueprint``: flask-smorest's, with bounded pagination; every API blueprint is one.
- ``Schema``: marshmallow's, refusing text PostgreSQL cannot store and integers it cannot hold.
- URL converters: ``<int:...>`` ids within bigint, ``<string:...>`` segments without NUL.
- The OpenAPI plugin: the error statuses each operation really answers, operation ids, roles.

Together they keep bad input a clear 4xx before it reaches the database.
"""

from .blueprint import Blueprint
from .openapi import link, responds
from .schema import Schema

__all__ = ["Blueprint", "Schema", "link", "responds"]
