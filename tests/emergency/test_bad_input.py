"""Bad input from outside gets a clear 4xx and changes nothing (docs/integrations.md §Errors).

Over real HTTP to the live app with real client-credentials tokens of the dev IdP.
"""

from __future__ import annotations

import copy
import json
import time
import uuid

import pytest
import requests
from sqlalchemy import func, select

from integrations import signing
from integrations.emergency import examples
from tests.emergency.conftest import SJZ, TS

BASE = "/api/v1/integrations/emergency"


@pytest.fixture(scope="module")
def tokens(live_server):
    from tests.support.identity import RealTokens

    return RealTokens(live_server.idp_url)


@pytest.fixture
def secret(app, two_tenants):
    from app.emergency import platforms
    from tenants import tenant_context

    def get(platform: str = "110", tenant: str = SJZ) -> str:
        with app.app_context(), tenant_context(tenant):
            return platforms.secrets(platforms.get(platform))[0]

    return get


def incident_doc(**ext) -> dict:
    doc = copy.deepcopy(examples.INCIDENT)
    doc["incidentComponent"]["internalIncidentId"] = f"110-T-{uuid.uuid4().hex[:10]}"
    doc["hotline12345"].update(messageId=f"msg-{uuid.uuid4().hex}", callerNumber="13900002222", **ext)
    return doc


def counts(app) -> dict:
    from app.audit.models import AuditEntry
    from app.emergency.models import InboxMessage, Link
    from app.orders.models import Order
    from tenants import db, tenant_context

    with app.app_context(), tenant_context(SJZ):
        return {
            m.__name__: db.session.scalar(select(func.count()).select_from(m))
            for m in (Order, Link, InboxMessage, AuditEntry)
        }


@pytest.fixture
def send(live_server, tokens, secret):
    def post(
        doc,
        *,
        path="/incidents",
        tenant=SJZ,
        client=f"emergency-110-{SJZ}",
        key=None,
        at=None,
        header=None,
        raw=None,
    ):
        body = raw if raw is not None else json.dumps(doc, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        if client:
            headers["Authorization"] = f"Bearer {tokens.client(client)}"
        if header is not False:
            headers[signing.HEADER] = header or signing.sign(key or secret(), body, now=at)
        return requests.post(
            f"{live_server.url}{BASE}/{tenant}{path}", data=body, headers=headers, timeout=10
        )

    return post


def _without(doc: dict, *path: str) -> dict:
    doc = copy.deepcopy(doc)
    node = doc
    for part in path[:-1]:
        node = node[part]
    del node[path[-1]]
    return doc


CASES = {
    "no token": (dict(client=None), 401),
    "unknown tenant": (dict(tenant="atlantis"), 404),
    "another city's client": (dict(client=f"emergency-110-{TS}"), 403),
    "a third party, not a platform": (dict(client=f"api-demo-{SJZ}"), 403),
    "no signature": (dict(header=False), 401),
    "malformed signature": (dict(header="sha256=deadbeef"), 401),
    "wrong secret": (dict(key="not-the-secret"), 401),
    "another platform's secret": ("secret:119", 401),
    "expired signature (a replay)": (dict(at=-301), 401),  # just outside the 300 s window
    "signature from the future": (dict(at=+360), 401),  # margin: the request itself takes time
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_refused_before_anything_is_read(case, app, send, secret):
    options, status = CASES[case]
    if options == "secret:119":
        options = dict(key=secret("119"))
    if "at" in options:  # seconds from now, at the time of sending
        options = {**options, "at": time.time() + options["at"]}
    before = counts(app)
    resp = send(incident_doc(), **options)
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["code"] == status and body["message"]
    assert counts(app) == before


MALFORMED = {
    "not JSON": (dict(raw=b"{not json"), None),
    "no agency": (_without(examples.INCIDENT, "agencyComponent"), "agencyComponent"),
    "EIDO 2.0": ({**examples.INCIDENT, "eidoVersion": "2.0"}, "eidoVersion"),
    "extension not listed": ({**examples.INCIDENT, "eidoExtensionId": []}, "eidoExtensionId"),
    "no extension": (_without(examples.INCIDENT, "hotline12345"), "hotline12345"),
    "no incident number": (
        _without(examples.INCIDENT, "incidentComponent", "internalIncidentId"),
        "incidentComponent",
    ),
    "no text": (_without(examples.INCIDENT, "notesComponent"), "notesComponent"),
    "a status, not a new incident": (
        {**examples.INCIDENT, "hotline12345": {**examples.INCIDENT["hotline12345"], "status": "closed"}},
        "hotline12345",
    ),
    "bad timestamp": ({**examples.INCIDENT, "lastUpdateTimeStamp": "yesterday"}, "lastUpdateTimeStamp"),
    "bad caller number": (
        {
            **examples.INCIDENT,
            "hotline12345": {**examples.INCIDENT["hotline12345"], "callerNumber": "call me"},
        },
        "hotline12345",
    ),
    "a list, not a document": ([examples.INCIDENT], None),
}


@pytest.mark.parametrize("case", list(MALFORMED), ids=list(MALFORMED))
def test_malformed_eido_is_a_400_naming_the_field(case, app, send):
    doc, field = MALFORMED[case]
    before = counts(app)
    resp = send(None, raw=doc["raw"]) if isinstance(doc, dict) and "raw" in doc else send(doc)
    assert resp.status_code == 400, resp.text
    if field:
        assert field in resp.json()["errors"]["json"], resp.json()
    assert counts(app) == before


def test_a_redelivery_changes_nothing_and_a_reused_id_is_refused(app, send):
    doc = incident_doc()
    first = send(doc)
    assert first.status_code == 201, first.text
    before = counts(app)
    again = send(doc)  # the same message, signed again (the platform's retry)
    assert again.status_code == 200 and again.json() == first.json()
    other = copy.deepcopy(doc)
    other["notesComponent"][0]["notesActionComments"] = "另一件事"
    reused = send(other)
    assert reused.status_code == 422 and "already used" in reused.json()["message"]
    taken = incident_doc()
    taken["incidentComponent"]["internalIncidentId"] = doc["incidentComponent"]["internalIncidentId"]
    dup = send(taken)  # a new message for an incident already filed
    assert dup.status_code == 409, dup.text
    unknown = send(incident_doc(), path="/incidents/110-NOPE/status")  # and a 'new' body is a 400 there
    assert unknown.status_code == 400
    status = copy.deepcopy(examples.STATUS)
    status["hotline12345"] = {"messageId": f"s-{uuid.uuid4().hex}", "status": "dispatched"}
    status["incidentComponent"].pop("internalIncidentId")
    missing = send(status, path="/incidents/110-NOPE/status")
    assert missing.status_code == 404, missing.text
    assert counts(app) == before
