"""Chinese first, English switchable (Flask-Babel; catalogs under admin_portal/translations).

Message ids are English; ``zh`` (the default) and ``en`` catalogs are compiled in the
repository (``pybabel compile -d admin_portal/translations``). The language is a cookie, so
the landing page before sign-in speaks it too. Times are shown in Asia/Shanghai.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask, request
from flask_babel import Babel, force_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
LOCAL = ZoneInfo("Asia/Shanghai")
LANGUAGES = {"zh": "中文", "en": "English"}
LANG_COOKIE = "hotline_lang"


def select_locale() -> str:
    lang = request.cookies.get(LANG_COOKIE)
    return lang if lang in LANGUAGES else "zh"


def init_app(app: Flask, settings) -> None:
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    Babel(app, locale_selector=select_locale)
    app.jinja_env.filters["dt"] = local_time
    app.jinja_env.filters["dt_seconds"] = lambda value: local_time(value, "%Y-%m-%d %H:%M:%S")
    app.jinja_env.filters["day"] = lambda value: local_time(value, "%Y-%m-%d")
    app.jinja_env.filters["filesize"] = filesize
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.globals.update(LABELS, timeline_label=timeline_label, status_tag=status_tag)
    app.jinja_env.globals["countdown"] = countdown


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """UTC from the database, shown in Asia/Shanghai: numeric, the same in both languages
    (and a page of 50 orders formats some 150 of them, so no locale machinery per call)."""
    return value.astimezone(LOCAL).strftime(fmt) if value is not None else ""


def filesize(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n / (1024 * 1024):.1f} MiB"


# -- names of domain values (codes stay English in the database and the API) --------------
STATUS = {
    "received": _l("Received"),
    "dispatched": _l("Awaiting sign-for"),
    "in_progress": _l("In progress"),
    "replied": _l("Replied"),
    "closed": _l("Closed"),
    "returned": _l("Returned"),
    "reopened": _l("Reopened"),
    "transferred": _l("Transferred"),
    "merged": _l("Merged"),
}
STATUS_TONE = {  # Bootstrap colour of each status tag
    "received": "primary",
    "dispatched": "info",
    "in_progress": "warning",
    "replied": "purple",
    "closed": "success",
    "returned": "danger",
    "reopened": "danger",
    "transferred": "secondary",
    "merged": "secondary",
}
CHANNEL = {
    "phone": _l("Phone"),
    "sms": _l("SMS"),
    "mailbox": _l("Mailbox"),
    "web": _l("Website"),
    "app": _l("App"),
    "miniprogram": _l("Mini program"),
    "wechat": _l("WeChat"),
    "110": _l("110 hand-over"),
    "119": _l("119 hand-over"),
    "120": _l("120 hand-over"),
    "122": _l("122 hand-over"),
}
APPEAL_TYPE = {
    "consultation": _l("Consultation"),
    "help": _l("Request for help"),
    "complaint": _l("Complaint"),
    "report": _l("Report"),
    "suggestion": _l("Suggestion"),
    "praise": _l("Praise"),
}
URGENCY = {"normal": _l("Normal"), "urgent": _l("Urgent"), "emergency": _l("Emergency")}
NEEDS = {
    "elderly": _l("Elderly"),
    "disability": _l("Disability"),
    "sign_language": _l("Sign language"),
    "foreign_language": _l("Foreign language"),
    "dialect": _l("Dialect"),
    "minor": _l("Minor"),
    "other": _l("Other needs"),
}
OUTCOME = {"resolved": _l("Resolved"), "explained": _l("Explained"), "unresolved": _l("Unresolved")}
SATISFACTION = {
    "satisfied": _l("Satisfied"),
    "basically_satisfied": _l("Basically satisfied"),
    "dissatisfied": _l("Dissatisfied"),
}
ASSIGNMENT_ROLE = {"lead": _l("Lead"), "assist": _l("Assisting")}
ASSIGNMENT_STATUS = {
    "pending": _l("Awaiting sign-for"),
    "accepted": _l("Signed for"),
    "replied": _l("Replied"),
    "returned": _l("Returned"),
    "cancelled": _l("Cancelled"),
}
EMERGENCY = {
    "110": _l("110 Police"),
    "119": _l("119 Fire and rescue"),
    "120": _l("120 Ambulance"),
    "122": _l("122 Traffic police"),
}
EMERGENCY_STATUS = {  # steps of the emergency exchange (docs/integrations.md, "Statuses")
    "new": _l("Handed over"),
    "acknowledged": _l("Acknowledged"),
    "dispatched": _l("Responders dispatched"),
    "on_scene": _l("On scene"),
    "closed": _l("Closed"),
    "returned": _l("Returned"),
    "note": _l("Note"),
    "signed_for": _l("Signed for"),
    "replied": _l("Replied"),
}
LANGUAGE_OF_CALLER = {"zh": _l("Mandarin"), "yue": _l("Cantonese"), "en": _l("English"), "other": _l("Other")}
ACTION = {
    "dispatch": _l("Dispatch"),
    "accept": _l("Sign for"),
    "assist-reply": _l("Assisting reply"),
    "return": _l("Return"),
    "reject-return": _l("Refuse the return"),
    "request-extension": _l("Request an extension"),
    "approve-extension": _l("Approve the extension"),
    "reject-extension": _l("Reject the extension"),
    "reply": _l("Reply"),
    "reject-reply": _l("Send the reply back"),
    "close": _l("Close"),
    "callback": _l("Callback"),
    "reopen": _l("Reopen"),
    "supervise": _l("Supervise"),
    "merge": _l("Merge"),
    "transfer": _l("Transfer to another city"),
    "escalate": _l("Hand over to 110/119/120/122"),
}
TIMELINE = {  # audit entry actions
    "order.received": _l("Received"),
    "order.merged_in": _l("A duplicate was merged in"),
    "caller.phone_revealed": _l("Caller phone viewed"),
    "supervision.answered": _l("Supervision answered"),
    "attachment.added": _l("Attachment added"),
    "transfer.received": _l("Transferred in from another city"),
    "transfer.delivered": _l("Transfer delivered to the other city"),
    "transfer.accepted": _l("Transfer accepted"),
    "transfer.sent_back": _l("Transfer sent back"),
    "transfer.disputed": _l("Transfer disputed"),
    "transfer.decided": _l("Transfer dispute decided by the province"),
    "transfer.progress": _l("Progress in the other city"),
    "emergency.sent": _l("Sent to the emergency platform"),
    "emergency.status": _l("Emergency platform step"),
    "emergency.incident_received": _l("Handed over by the emergency platform"),
    "emergency.three_way_call": _l("Three-way call"),
    "emergency.first_receiver": _l("First-receiver rule applied"),
}


def timeline_label(action: str) -> str:
    if action in TIMELINE:
        return str(TIMELINE[action])
    name = action.removeprefix("order.")
    return str(ACTION.get(name, action))


LABELS = {
    "STATUS": STATUS,
    "STATUS_TONE": STATUS_TONE,
    "CHANNEL": CHANNEL,
    "APPEAL_TYPE": APPEAL_TYPE,
    "URGENCY": URGENCY,
    "NEEDS": NEEDS,
    "OUTCOME": OUTCOME,
    "SATISFACTION": SATISFACTION,
    "ASSIGNMENT_ROLE": ASSIGNMENT_ROLE,
    "ASSIGNMENT_STATUS": ASSIGNMENT_STATUS,
    "EMERGENCY": EMERGENCY,
    "EMERGENCY_STATUS": EMERGENCY_STATUS,
    "ACTION": ACTION,
    "LANGUAGE_OF_CALLER": LANGUAGE_OF_CALLER,
}


@lru_cache(maxsize=8)
def resolved(locale: str) -> dict[str, dict[str, str]]:
    """Every label table as plain strings of one language (the catalogs never change at run time)."""
    with force_locale(locale):
        return {
            name: {code: str(label) for code, label in table.items()} if name != "STATUS_TONE" else table
            for name, table in LABELS.items()
        }


def status_tag(status: str) -> Markup:
    from flask_babel import get_locale

    label = escape(resolved(str(get_locale() or "zh"))["STATUS"].get(status, status))
    tone = STATUS_TONE.get(status, "secondary")
    return Markup(f'<span class="badge status-tag tone-{tone}" data-status="{escape(status)}">{label}</span>')


def countdown(deadline: datetime | None, overdue: bool = False, done: bool = False) -> Markup:
    """A deadline the page's script turns into a live countdown (剩余/已超期)."""
    if deadline is None:
        return Markup('<span class="text-muted">—</span>')
    shown = local_time(deadline)  # digits and dashes only
    if done:
        return Markup(f'<span class="text-muted">{shown}</span>')
    iso = deadline.isoformat()
    over = " over" if overdue else ""
    return Markup(
        f'<time class="countdown{over}" datetime="{iso}" data-deadline="{iso}" title="{shown}">{shown}</time>'
    )
