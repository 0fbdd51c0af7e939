"""``/channels/{tenant}/web``: the public appeal form (网上受理), no login.

Abuse guard without a captcha: a CSRF token bound to the visitor's session (Flask-WTF), a
honeypot field hidden from people (bots fill it: answered like a success, nothing filed) and a
per-address rate limit in Redis (429 with ``Retry-After``). The form's ``submission`` id makes a
double submit idempotent. HTML, so outside the OpenAPI; no inline script or style.
"""

from __future__ import annotations

import uuid
from html import escape

from flask import Blueprint, Response, current_app, request
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf

from tenants import current_tenant, db

from ..errors import DomainError
from ..extensions import redis_client
from ..tenancy.scope import bind_url_tenant, enter_addressed_tenant
from . import service

blp = bind_url_tenant(
    Blueprint("channels_web", __name__, url_prefix="/channels/<string:tenant>"), enter_addressed_tenant
)

WINDOW_S = 600
CSP = "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'"


class TooMany(DomainError):
    status = 429


def _page(body: str, status: int = 200) -> Response:
    html = (
        '<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>12345 网上受理</title></head>'
        f"<body><main>{body}</main></body></html>"
    )
    resp = Response(html, status=status, mimetype="text/html")
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers["X-Frame-Options"] = "DENY"
    return resp


@blp.get("/web")
def form():
    name = escape(current_tenant().name)
    return _page(
        f"<h1>{name} 12345 网上受理</h1>"
        '<form method="post">'
        f'<input type="hidden" name="csrf_token" value="{generate_csrf()}">'
        f'<input type="hidden" name="submission" value="{uuid.uuid4().hex}">'
        '<label>诉求标题 <input name="title" maxlength="200"></label>'
        '<label>诉求内容 <textarea name="content" required maxlength="10000"></textarea></label>'
        '<label>联系电话 <input name="phone" maxlength="32"></label>'
        '<div hidden><label>网站 <input name="website" tabindex="-1" autocomplete="off"></label></div>'
        '<button type="submit">提交</button></form>'
    )


def _rate_limit() -> None:
    limit = int(current_app.config.get("CHANNELS_WEB_PER_10_MIN", 5))
    key = f"hotline:channels:web:{current_tenant().slug}:{request.remote_addr}"
    conn = redis_client.conn
    count = conn.incr(key)
    if count == 1:
        conn.expire(key, WINDOW_S)
    if count > limit:
        ttl = conn.ttl(key)
        exc = TooMany("too many appeals from this address; try again later")
        exc.retry_after = max(1, ttl if ttl and ttl > 0 else WINDOW_S)
        raise exc


@blp.post("/web")
def submit():
    try:
        validate_csrf(request.form.get("csrf_token"))
    except CSRFError:
        return _page("<p>页面已过期，请刷新后重新提交。</p>", 400)
    except Exception:  # wtforms ValidationError: missing or wrong token
        return _page("<p>页面已过期，请刷新后重新提交。</p>", 400)
    if request.form.get("website"):  # honeypot: a bot; look successful, file nothing
        return _page("<p>提交成功。</p>")
    content = (request.form.get("content") or "").strip()[:10000]
    submission = (request.form.get("submission") or "")[:64]
    if not content or not submission.isalnum():
        return _page("<p>请填写诉求内容。</p>", 422)
    try:
        _rate_limit()
    except TooMany as exc:
        resp = _page("<p>提交过于频繁，请稍后再试。</p>", 429)
        resp.headers["Retry-After"] = str(exc.retry_after)
        return resp
    phone = (request.form.get("phone") or "").strip()[:32] or None
    title = (request.form.get("title") or "").strip()[:200] or None
    result = service.receive(
        "web", submission, {"content": content, "title": title, "caller": {"phone": phone}}
    )
    db.session.commit()
    return _page(f"<p>提交成功，工单号 {escape(result.order.number)}。</p>", 201 if result.created else 200)
