"""Webhook URLs cannot reach inside the platform's network (SSRF): internal addresses are
refused when the URL is saved (422, nothing stored) and when a delivery connects (a dead
letter naming the address); allowed private networks and public addresses pass."""

from __future__ import annotations

import ipaddress
from types import SimpleNamespace

import pytest

from app import egress
from app.config import ConfigError, Settings
from app.outbox.registry import Rejected
from tests.integrations.conftest import SJZ

NONE: tuple = ()
INTRANET = egress.parse_networks("10.20.0.0/16")


@pytest.mark.parametrize(
    "address, allowed, refused",
    [
        ("169.254.169.254", NONE, True),  # the cloud metadata service
        ("127.0.0.1", NONE, True),
        ("10.0.0.5", NONE, True),
        ("192.168.1.1", NONE, True),
        ("100.64.0.1", NONE, True),  # shared address space (carrier NAT)
        ("0.0.0.0", NONE, True),
        ("224.0.0.1", NONE, True),
        ("::1", NONE, True),
        ("fd00::1", NONE, True),
        ("::ffff:127.0.0.1", NONE, True),  # IPv4-mapped loopback
        ("10.20.3.4", INTRANET, False),
        ("10.21.3.4", INTRANET, True),
        ("8.8.8.8", NONE, False),
        ("2400:3200::1", NONE, False),
    ],
)
def test_which_addresses_are_refused(address, allowed, refused):
    assert egress.refused(ipaddress.ip_address(address), allowed) is refused


def test_stored_urls_and_resolved_names():
    egress.check_stored("https://partner.example.cn/hooks", NONE)  # a name: checked at connection
    egress.check_stored("http://10.20.0.9:8080/hooks", INTRANET)
    for url in (
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost:5432/",
        "http://[::1]/",
        "http://10.1.1.1/",
    ):
        with pytest.raises(egress.UnsafeTarget):
            egress.check_stored(url, INTRANET)
    with pytest.raises(egress.UnsafeTarget, match=r"127\.0\.0\.1"):
        egress.resolve("localhost", 80, NONE)
    assert egress.resolve("localhost", 80, egress.parse_networks("127.0.0.0/8,::1/128")) in (
        "127.0.0.1",
        "::1",
    )


def test_settings_default_and_a_bad_network_stops_the_start():
    assert Settings.from_env({}).private_networks() == egress.parse_networks("127.0.0.0/8,::1/128")
    assert Settings.from_env(
        {"OUTBOUND_PRIVATE_NETWORKS": "10.0.0.0/8"}
    ).private_networks() == egress.parse_networks("10.0.0.0/8")
    with pytest.raises(ConfigError, match="OUTBOUND_PRIVATE_NETWORKS"):
        Settings.from_env({"OUTBOUND_PRIVATE_NETWORKS": "10.0.0.0/8, intranet"})


def test_internal_urls_are_refused_at_save_and_at_delivery(app, client, auth_headers, receiver):
    admin = auth_headers(f"city_supervisor@{SJZ}")
    url = f"/api/v1/tenants/{SJZ}/webhooks"
    before = client.get(url, headers=admin).get_json()
    for target in ("http://169.254.169.254/latest/meta-data/", "http://10.0.0.7/hooks", "http://[fd00::2]/x"):
        resp = client.post(url, json={"url": target, "event_types": ["order.created"]}, headers=admin)
        assert resp.status_code == 422 and "not a public address" in str(resp.get_json()["errors"]), (
            resp.get_json()
        )
    assert client.get(url, headers=admin).get_json() == before  # nothing stored
    sub = receiver.subscribe(["order.created"])  # 127.0.0.1: allowed here (tests allow loopback)
    moved = client.patch(f"{url}/{sub['id']}", json={"url": "http://169.254.169.254/"}, headers=admin)
    assert moved.status_code == 422

    # a name that resolves inside: refused when the delivery connects, a dead letter at once
    from integrations import webhooks as adapter
    from tenants import tenant_context

    named = receiver.url.replace("127.0.0.1", "localhost")
    assert (
        client.patch(f"{url}/{sub['id']}", json={"url": named + "/hooks"}, headers=admin).status_code == 200
    )
    message = SimpleNamespace(
        id=1, payload={"subscription_id": sub["id"], "event": {"id": "evt:t", "type": "ping", "data": {}}}
    )
    with app.app_context(), tenant_context(SJZ):
        from app.memo import forget

        forget("webhooks")
        app.config[egress.CONFIG_KEY], saved = NONE, app.config[egress.CONFIG_KEY]
        try:
            with pytest.raises(Rejected, match="not a public address"):
                adapter.deliver(message)
        finally:
            app.config[egress.CONFIG_KEY] = saved
        adapter.deliver(message)  # loopback allowed again: delivered to the receiver
    assert any(e["id"] == "evt:t" for e in receiver.state()["events"])
