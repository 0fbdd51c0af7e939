"""The provincial portal ``/province/`` (省级门户): a placeholder until its issue lands.

Province supervisors and admins sign in here; the dashboards (province-wide KPIs, the
Hebei map, cross-city transfers, provincial supervision) come with part 2 of the web.
"""

from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l

from .web import area_blueprint

blp = area_blueprint("province_portal", __name__, "/province", "web.province")


@blp.context_processor
def _area():
    return {"area_title": _l("Provincial portal")}


@blp.get("/")
def home():
    return render_template("province/index.html")
