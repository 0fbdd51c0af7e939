"""Cross-city transfers in the provincial portal (跨市转办): in flight, sent back, disputed, decided;
the province supervisor decides a dispute with a reason (the API's ``transfers.decide``)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app import paging
from app.auth.policy import require
from app.province import queries, transfers

from .province import SH, _invalid, blp
from .signin import current_web_principal

VIEWS = {"pending": ["pending"], "sent_back": ["sent_back"], "disputed": ["disputed"], "decided": ["decided"]}


@blp.get("/transfers")
def transfer_list():
    which = request.args.get("status") or "disputed"
    if which not in VIEWS:
        raise _invalid(f"status is one of {', '.join(VIEWS)}")
    window = paging.Window(page=1, page_size=100)
    rows = paging.page(queries.transfers({"status": VIEWS[which]}), window)
    return render_template(
        "province/transfers.html", which=which, rows=rows, window=window, names=transfers.slugs(), tz=SH
    )


@blp.post("/transfers/<int:transfer_id>/decide")
def decide(transfer_id: int):
    principal = current_web_principal()
    require(principal, "province.decide_transfer")
    handled_by = request.form.get("handled_by")
    note = (request.form.get("note") or "").strip()
    if handled_by not in ("target", "source"):
        raise _invalid("choose the city that handles the order")
    if not note or len(note) > 2000:
        raise _invalid("a decision needs a reason of at most 2000 characters")
    from tenants import db, tenant_context

    with tenant_context(transfers.source_city(transfer_id)):  # the source city's transaction, as the API
        transfers.decide(principal, transfer_id, handled_by, note)
        db.session.commit()
    flash(_("Decision recorded; both cities are told"))
    return redirect(url_for(".transfer_list", status="decided"))
