"""Administration in the provincial portal (province_admin): the city tenants with their status,
schema version and migration state, and the outbox dead letters of every city with retry.

Both call the services the API uses (the tenant registry, ``app.outbox.queries`` and
``app.outbox.service.retry`` in the city's own transaction, audited there).
"""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from app import paging
from app.audit.service import Actor
from app.auth.policy import require
from app.errors import Conflict
from app.outbox import queries as outbox_queries
from app.outbox import service as outbox
from tenants import db, tenant_context

from .province import SH, blp
from .province_drill import _city
from .province_provision import tenants_page


@blp.get("/admin/tenants")
def admin_tenants():
    require(g.web_principal, "tenants.read")
    return tenants_page()


@blp.get("/admin/dead-letters")
def dead_letters():
    require(g.web_principal, "outbox.manage")
    window = paging.Window(page=1, page_size=100)
    stmt = outbox_queries.dead_letters({}, None)
    rows = paging.page(stmt, window, rows=True) if stmt is not None else []
    letters = [outbox_queries.message_dict(r, r.tenant) for r in rows]
    return render_template("province/dead_letters.html", letters=letters, window=window, tz=SH)


@blp.post("/admin/dead-letters/<city>/<int:message_id>/retry")
def retry_dead_letter(city: str, message_id: int):
    principal = g.web_principal
    require(principal, "outbox.manage")
    ref = _city(city)
    with tenant_context(ref.slug):
        done = outbox.retry(Actor(principal.username, ",".join(sorted(principal.roles))), ids=[message_id])
        if not done:
            raise Conflict(f"outbox message {message_id} is not a dead letter")
        db.session.commit()
    flash(_("Message put back in its line"))
    return redirect(url_for(".dead_letters"))


@blp.get("/admin/webhooks")
def webhooks_page():
    """Every city's webhook subscriptions with delivery counts, and each city's latest deliveries."""
    from app.webhooks import service as webhooks
    from tenants.fanout import active_tenants

    require(g.web_principal, "webhooks.read")
    cities = []
    for slug in active_tenants():
        with tenant_context(slug) as ref:
            subscriptions, recent = webhooks.overview(recent=10)
        if subscriptions or recent:
            cities.append({"slug": slug, "name": ref.name, "subscriptions": subscriptions, "recent": recent})
    return render_template("province/webhooks.html", cities=cities, tz=SH)
