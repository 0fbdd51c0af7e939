"""The EIDO subset (integrations/emergency/eido.py) against NENA's own schema and sample.

What we write validates against NENA-STA-021's OpenAPI schema (``../shared/data/eido``, read by
jsonschema, independent of our marshmallow schemas); NENA's sample call-transfer EIDO is read by
ours once the 12345 extension is added; what we build parses back to the same fields.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
import yaml

from integrations.emergency import eido, examples

EIDO_DIR = Path("/work/shared/data/eido")
pytestmark = pytest.mark.skipif(not EIDO_DIR.exists(), reason="the NENA EIDO reference data is not here")


@pytest.fixture(scope="module")
def nena():
    text = (EIDO_DIR / "openapi.yaml").read_text(encoding="utf-8").replace("minItems: 1,", "minItems: 1")
    spec = yaml.safe_load(text)
    schema = {
        "$ref": "#/components/schemas/EmergencyIncidentDataObjectType",
        "components": spec["components"],
    }
    return jsonschema.Draft7Validator(schema)


ORDER = {
    "number": "SJZ-20261203-000042",
    "content": "小区内有人持刀威胁，市民拨打12345求助",
    "category_code": "1104",
    "category_name": "治安隐患",
    "class_code": "JW0601",
    "class_name": "持械伤人",
    "caller_phone": "13800001234",
    "caller_name": "张先生",
    "address": "长安区中山东路1号",
    "lat": 38.04,
    "lng": 114.51,
    "urgency": "emergency",
    "created_at": datetime(2026, 12, 3, 1, 30, tzinfo=UTC),
    "reason": "涉及人身安全",
}


def _errors(validator, doc) -> list[str]:
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(doc)]


def test_what_we_send_is_valid_nena_eido(nena):
    incident = eido.build_incident(
        message_id="escalate:SJZ-1:3", tenant="shijiazhuang", platform="110", order=ORDER
    )
    status = eido.build_status(
        message_id="emergency-status:SJZ-1:5",
        tenant="shijiazhuang",
        platform="110",
        incident_id="110-20261203-0042",
        order_number="SJZ-1",
        status="replied",
        at=datetime(2026, 12, 3, 2, 0, tzinfo=UTC),
        note="已处理",
    )
    for doc in (incident, status, examples.INCIDENT, examples.STATUS):
        assert _errors(nena, doc) == []


def test_nenas_sample_is_read_once_the_extension_is_added():
    sample = json.loads((EIDO_DIR / "sample-call-transfer.json").read_text(encoding="utf-8"))
    with pytest.raises(eido.EidoInvalid) as missing:
        eido.load(sample)
    assert list(missing.value.errors) == ["hotline12345"]
    sample["hotline12345"] = {"messageId": "pa-1", "status": "note"}
    with pytest.raises(eido.EidoInvalid) as unlisted:
        eido.load(sample)
    assert list(unlisted.value.errors) == ["eidoExtensionId"]
    sample["eidoExtensionId"] = [eido.EXTENSION_ID]
    data = eido.load(sample)
    assert data["calls"][0]["direction"] == "incoming"
    assert eido._caller_number(data) == "8195551212"  # from callBackInformationUri tel:
    update = eido.parse_status(sample, "a56e556d871")
    assert (update.status, update.message_id, update.at.year) == ("note", "pa-1", 2021)
    with pytest.raises(eido.EidoInvalid) as no_incident:
        eido.parse_incident({**sample, "hotline12345": {"messageId": "pa-2", "status": "new"}})
    assert "incidentComponent" in no_incident.value.errors and "notesComponent" in no_incident.value.errors


def test_what_we_build_parses_back():
    doc = eido.build_status(
        message_id="m-1",
        tenant="tangshan",
        platform="119",
        incident_id="119-1",
        order_number="TS-1",
        status="closed",
        at=datetime(2026, 12, 3, 2, 0, tzinfo=UTC),
        note="已办结",
    )
    update = eido.parse_status(doc, "119-1")
    assert (update.status, update.note, update.order_number, update.at) == (
        "closed",
        "已办结",
        "TS-1",
        datetime(2026, 12, 3, 2, 0, tzinfo=UTC),
    )
    with pytest.raises(eido.EidoInvalid):
        eido.parse_status(doc, "119-2")  # the URL names another incident
    handed = copy.deepcopy(examples.INCIDENT)
    incident = eido.parse_incident(handed)
    assert (incident.incident_id, incident.class_code, incident.caller_phone, incident.address) == (
        "110-20261203-0042",
        "FJ0101",
        "13800001234",
        "裕华区建华南大街88号东侧工地",
    )
    handed["incidentComponent"]["incidentPriorityInternalText"] = "highest"
    assert eido.parse_incident(handed).urgency == "emergency"


@pytest.mark.parametrize(
    "mutate, field",
    [
        (lambda d: d.update(lastUpdateTimeStamp="2026-12-03T09:30:00"), "lastUpdateTimeStamp"),  # no offset
        (lambda d: d["agencyComponent"][0].pop("agencyType"), "agencyComponent"),
        (lambda d: d["hotline12345"].update(status="exploded"), "hotline12345"),
        (lambda d: d["hotline12345"].update(messageId="x" * 129), "hotline12345"),
        (lambda d: d["incidentComponent"].update(internalIncidentId="a b"), "incidentComponent"),
        (lambda d: d["hotline12345"].update(lat=float("nan")), "hotline12345"),
        (lambda d: d["notesComponent"][0].update(notesActionComments="\x00"), "notesComponent"),
    ],
)
def test_malformed_documents_name_the_field(mutate, field):
    doc = copy.deepcopy(examples.INCIDENT)
    mutate(doc)
    with pytest.raises(eido.EidoInvalid) as bad:
        eido.parse_incident(doc)
    assert field in bad.value.errors, bad.value.errors
