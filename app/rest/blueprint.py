"""The one Blueprint class of the API: flask-smorest's, with pages the database can skip to.

flask-smorest bounds ``page`` below only, and ``(page - 1) * page_size`` became an OFFSET above
PostgreSQL's bigint (a DataError, a 500). Here ``page`` stops at ``MAX_PAGE`` with a 422, and
OpenAPI says so.
"""

from __future__ import annotations

from typing import Any

import flask_smorest
from marshmallow import fields, validate

# 100 per page reaches ten million rows; deeper than that, a filter serves better than a page.
MAX_PAGE = 100_000


class Blueprint(flask_smorest.Blueprint):
    def paginate(self, pager: Any = None, **kwargs: Any):
        decorate = super().paginate(pager, **kwargs)

        def bounded(func):
            wrapper = decorate(func)
            # the schema class flask-smorest generated for this view: its ``page`` gets a maximum
            schema = wrapper._apidoc["pagination"]["parameters"]["schema"]
            page = schema._declared_fields["page"]
            schema._declared_fields["page"] = fields.Integer(
                load_default=page.load_default,
                validate=validate.Range(min=1, max=MAX_PAGE),
                metadata={"description": f"1 to {MAX_PAGE}", "example": 1},
            )
            return wrapper

        return bounded
