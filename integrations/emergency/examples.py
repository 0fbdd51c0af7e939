"""Example messages of the exchange (OpenAPI examples, docs/integrations.md, tests): literal EIDO."""

from __future__ import annotations

EXT = "urn:hotline12345:eido:extension:1"
_AT = "2026-12-03T09:30:00+08:00"
_AGENCY = {"$ref": "110.shijiazhuang"}


def _p(component_id: str, at: str = _AT) -> dict:
    return {"$id": component_id, "lastUpdateTimeStamp": at, "updatedByAgencyReference": _AGENCY}


INCIDENT = {
    **_p("urn:emergency:uid:incidentid:110-20261203-0042:110.shijiazhuang"),
    "eidoVersion": "1.0",
    "eidoExtensionId": [EXT],
    "issuingElementIdentification": "110.shijiazhuang",
    "agencyComponent": [
        {
            **_p("110.shijiazhuang"),
            "agencyRoleDescriptionRegistryText": ["CallReceiving"],
            "agencyType": ["police"],
        }
    ],
    "incidentComponent": {
        **_p("urn:emergency:uid:incidentid:110-20261203-0042:110.shijiazhuang"),
        "incidentTypeCommonRegistryText": "Public Service",
        "incidentTypeInternalCode": "FJ0101",
        "incidentTypeInternalText": "噪声扰民(施工)",
        "internalIncidentId": "110-20261203-0042",
        "incidentPriorityInternalText": "normal",
    },
    "callComponent": [
        {
            **_p("urn:emergency:uid:callid:110-20261203-0042:110.shijiazhuang"),
            "standardPrimaryCallType": "emergency",
            "direction": "incoming",
            "callStartTimestamp": "2026-12-03T09:26:12+08:00",
            "callStateRegistryText": "callEnd",
            "callBackReference": {"$ref": "cb-1"},
        }
    ],
    "callbackComponent": [{**_p("cb-1"), "callBackInformationUri": ["tel:13800001234"]}],
    "locationComponent": [
        {
            **_p("loc-1"),
            "locationTypeDescriptionRegistryText": "Incident",
            "locationDescriptionText": "裕华区建华南大街88号东侧工地",
        }
    ],
    "notesComponent": [
        {**_p("note-1"), "notesActionComments": "工地夜间十一点后仍在施工，噪音扰民，非警务事项，移交12345。"}
    ],
    "hotline12345": {
        "messageId": "110-sjz-msg-000042",
        "status": "new",
        "callerNumber": "13800001234",
        "policeDispatched": False,
    },
}

STATUS = {
    **_p(
        "urn:emergency:uid:incidentid:110-20261203-0077:110.shijiazhuang:status:3",
        "2026-12-03T10:02:00+08:00",
    ),
    "eidoVersion": "1.0",
    "eidoExtensionId": [EXT],
    "issuingElementIdentification": "110.shijiazhuang",
    "agencyComponent": [
        {
            **_p("110.shijiazhuang"),
            "agencyRoleDescriptionRegistryText": ["Dispatching"],
            "agencyType": ["police"],
        }
    ],
    "incidentComponent": {
        **_p("urn:emergency:uid:incidentid:110-20261203-0077:110.shijiazhuang", "2026-12-03T10:02:00+08:00"),
        "incidentTypeCommonRegistryText": "Public Service",
        "internalIncidentId": "110-20261203-0077",
        "incidentStatusCommonRegistryText": ["acknowledged"],
    },
    "notesComponent": [
        {
            **_p("note-3", "2026-12-03T10:02:00+08:00"),
            "notesActionComments": "已接警，警情号110-20261203-0077",
        }
    ],
    "hotline12345": {
        "messageId": "110-sjz-msg-000077-1",
        "status": "acknowledged",
        "orderNumber": "SJZ-20261203-000042",
    },
}
