"""SMS acknowledgements reach a real HTTP gateway simulator through the outbox, surviving its failures."""

from __future__ import annotations

import pytest

from app.channels.service import SMS_REPLY
from app.outbox import registry
from integrations import smsgw
from integrations.smsgw import simulator
from tenants import tenant_context

from .test_channels import TENANT, _post


@pytest.fixture
def gateway(app):
    gw, url, server = simulator.serve()
    previous = registry._routes.pop(SMS_REPLY, None)
    registry.handles(SMS_REPLY, smsgw.make_handler(url, timeout=2))
    yield gw
    registry._routes[SMS_REPLY] = previous
    server.shutdown()


def test_reply_is_sent_once_after_a_gateway_failure(client, app, two_tenants, gateway, app_ctx):
    settings = app.extensions["settings"]
    old = settings.outbox_retry_base_seconds, settings.outbox_retry_max_seconds
    settings.outbox_retry_base_seconds, settings.outbox_retry_max_seconds = 0.0, 0.0
    try:
        resp = _post(
            client, app, "sms", {"message_id": "GW-9001", "sender": "13900009001", "text": "井盖丢了"}
        )
        assert resp.status_code == 201
        number = resp.get_json()["number"]
        gateway.fail_next, gateway.fail_status = 1, 503
        from app.outbox.service import relay

        with tenant_context(TENANT):
            relay()
        assert gateway.fail_next == 0  # the gateway was called and failed
        assert not [m for m in gateway.sent if m["client_ref"] == "sms-reply:GW-9001"]
        with tenant_context(TENANT):
            relay()
        sent = [m for m in gateway.sent if m["client_ref"] == "sms-reply:GW-9001"]
        assert len(sent) == 1 and sent[0]["to"] == "13900009001" and number in sent[0]["text"]
        with tenant_context(TENANT):
            relay()  # nothing is sent twice
        assert len([m for m in gateway.sent if m["client_ref"] == "sms-reply:GW-9001"]) == 1
    finally:
        settings.outbox_retry_base_seconds, settings.outbox_retry_max_seconds = old
