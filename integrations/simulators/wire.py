"""The emergency exchange's wire, as a platform implements it from docs/integrations.md: the
signature header (hmac by hand) and EIDO documents (dicts by hand). Nothing of our own code."""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import UTC, datetime
from typing import Any

EXT = "urn:hotline12345:eido:extension:1"
HEADER = "X-Hotline-Signature"
WINDOW = 300


def sign(secret: str, body: bytes, now: float | None = None) -> str:
    t = int(now if now is not None else time.time())
    return f"t={t},v1={hmac.new(secret.encode(), f'{t}.'.encode() + body, hashlib.sha256).hexdigest()}"


def verified(secret: str, header: str | None, body: bytes) -> bool:
    parts = dict(p.strip().split("=", 1) for p in (header or "").split(",") if "=" in p)
    values = [p.strip()[3:] for p in (header or "").split(",") if p.strip().startswith("v1=")]
    if not parts.get("t", "").isdigit() or abs(time.time() - int(parts["t"])) > WINDOW:
        return False
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, v) for v in values)


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def prologue(cid: str, agency: str, at: str) -> dict:
    return {"$id": cid, "lastUpdateTimeStamp": at, "updatedByAgencyReference": {"$ref": agency}}


def document(
    entry: Any, message_id: str, status: str, incident: dict, *, note=None, ext=None, at=None
) -> dict:
    """An EIDO document as the protocol describes it (prologue, agency, incident, notes, extension)."""
    at = at or now_iso()
    agency = f"{entry.platform}.{entry.tenant}"
    ref = f"urn:emergency:uid:incidentid:{incident.get('internalIncidentId', message_id)}:{agency}"
    doc = {
        **prologue(f"{ref}:{message_id}", agency, at),
        "eidoVersion": "1.0",
        "eidoExtensionId": [EXT],
        "issuingElementIdentification": agency,
        "agencyComponent": [
            {
                **prologue(agency, agency, at),
                "agencyRoleDescriptionRegistryText": ["CallReceiving"],
                "agencyType": ["police"],
            }
        ],
        "incidentComponent": {
            **prologue(ref, agency, at),
            "incidentTypeCommonRegistryText": "Public Service",
            **incident,
        },
        "hotline12345": {"messageId": message_id, "status": status, **(ext or {})},
    }
    if note:
        doc["notesComponent"] = [
            {**prologue(f"{ref}:{message_id}:note", agency, at), "notesActionComments": note}
        ]
    return doc
