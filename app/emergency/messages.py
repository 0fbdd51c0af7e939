"""The messages of the emergency exchange as the domain sees them, whatever the wire format.

``integrations/emergency/eido.py`` turns EIDO documents into these and back; the services here
never see JSON. Statuses and their meaning: docs/integrations.md ("Statuses").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

NEW = "new"  # the first message of an incident: handed over (移交), either way
# What a platform reports on an incident (ours escalated to it, or its own that it handed us)
REMOTE_STATUSES = ("acknowledged", "dispatched", "on_scene", "closed", "returned", "note")
# What 12345 reports back on an incident a platform handed over (and its order's steps)
LOCAL_STATUSES = ("dispatched", "signed_for", "replied", "closed")
STATUSES = (NEW, *REMOTE_STATUSES, *(s for s in LOCAL_STATUSES if s not in REMOTE_STATUSES))


@dataclass(frozen=True)
class Incident:
    """A platform hands an incident over (非警情 / non-emergency matter): it becomes an order."""

    message_id: str
    incident_id: str
    content: str
    title: str | None = None
    class_code: str | None = None
    class_name: str | None = None
    caller_phone: str | None = None
    caller_name: str | None = None
    address: str | None = None
    lat: float | None = None
    lng: float | None = None
    urgency: str = "normal"
    police_dispatched: bool = False  # 联动处置: the platform already sent its own responders
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class StatusUpdate:
    """A platform's step on an incident (acknowledged with its number, dispatched, closed ...)."""

    message_id: str
    incident_id: str
    status: str
    at: datetime
    note: str | None = None
    order_number: str | None = None  # required until the incident is linked (an escalation's ack)
