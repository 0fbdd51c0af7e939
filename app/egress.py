"""Where the platform may send a request it was told to send (SSRF guard; docs/integrations.md,
"Webhooks").

A city administrator types a webhook URL; the platform then POSTs to it from inside the
cluster. Without a rule, that URL could be the cloud metadata service, the database or another
internal service. Outbound calls therefore go to public (global) addresses, and to private ones
only inside ``OUTBOUND_PRIVATE_NETWORKS`` (government intranets, 政务外网, are often private
address space; development and tests allow loopback for the simulators).

Checked twice: when a URL is stored (literal addresses and ``localhost``, no DNS lookup at
request time), and when a connection is opened (every address the name resolves to). The
connection then goes to the address that was checked, so a name that resolves differently a
moment later (DNS rebinding) cannot slip past.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

from flask import current_app

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
CONFIG_KEY = "OUTBOUND_PRIVATE_NETWORKS"
LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


class UnsafeTarget(ValueError):
    """The URL names, or resolves to, an address outbound calls may not reach."""


def parse_networks(spec: str | Iterable[str]) -> tuple[Network, ...]:
    """``"10.0.0.0/8, 127.0.0.1/32"`` -> networks; ValueError names a bad entry."""
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    out = []
    for item in (i.strip() for i in items):
        if item:
            try:
                out.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise ValueError(f"not a network: {item!r} (write CIDRs such as 10.0.0.0/8)") from None
    return tuple(out)


def allowed_networks() -> tuple[Network, ...]:
    return current_app.config.get(CONFIG_KEY, ())


def refused(address: Address, allowed: tuple[Network, ...]) -> bool:
    """Private, loopback, link-local, shared, reserved or multicast, and not allowed."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address.version == n.version and address in n for n in allowed):
        return False
    return not address.is_global or address.is_multicast


def _reason(host: str, address: Address) -> str:
    return (
        f"{host} is {address}, not a public address: outbound calls go to public addresses and to "
        f"{CONFIG_KEY} only"
    )


def check_stored(url: str, allowed: tuple[Network, ...] | None = None) -> None:
    """The check when a URL is stored: a literal address or a local name (no DNS lookup)."""
    allowed = allowed_networks() if allowed is None else allowed
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if host in LOCAL_NAMES:
        host_address = ipaddress.ip_address("127.0.0.1")
    else:
        try:
            host_address = ipaddress.ip_address(host)
        except ValueError:
            return  # a name: resolved and checked when the connection opens
    if refused(host_address, allowed):
        raise UnsafeTarget(_reason(host, host_address))


def resolve(host: str, port: int, allowed: tuple[Network, ...] | None = None) -> str:
    """The address to connect to for ``host``: every address it resolves to must be allowed.
    ``socket.gaierror`` (an OSError) when it does not resolve: a transient failure."""
    allowed = allowed_networks() if allowed is None else allowed
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]
    for address in addresses:
        if refused(address, allowed):
            raise UnsafeTarget(_reason(host, address))
    return str(addresses[0])
