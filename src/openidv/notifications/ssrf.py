"""Where a webhook may be sent: never to this machine or its private networks, unless the
operator allowed that network explicitly.

The target's name is resolved once, every address it resolves to is vetted, and the
connection is then made to the vetted address (with the original name for Host and TLS), so a
DNS answer that changes between the check and the connection (rebinding) cannot redirect it.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TargetRefused(Exception):
    pass


@dataclass(frozen=True)
class VettedTarget:
    url: str  # the URL with the vetted IP address in place of the host name
    host_header: str
    server_name: str  # for TLS: SNI and certificate verification


def parse_networks(spec: str) -> list[Network]:
    return [
        ipaddress.ip_network(part.strip(), strict=False) for part in spec.split(",") if part.strip()
    ]


# IPv6 forms that carry an IPv4 address a router or the host may reach in IPv4 (RFC 6052
# NAT64, RFC 3056 6to4, RFC 4380 Teredo, RFC 4291 IPv4-compatible, RFC 2765 IPv4-translated):
# a "global" IPv6 address here can lead to 127.0.0.1 or 10.0.0.0/8. None is plain unicast.
_EMBEDDING = tuple(
    ipaddress.IPv6Network(n)
    for n in (
        "64:ff9b::/96",  # NAT64 well-known prefix
        "64:ff9b:1::/48",  # NAT64 local-use prefixes
        "2002::/16",  # 6to4
        "2001::/32",  # Teredo
        "::/96",  # IPv4-compatible (deprecated), and :: itself
        "::ffff:0:0:0/96",  # IPv4-translated (SIIT)
    )
)
_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")


def _allowed(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, allowed: Sequence[Network]
) -> bool:
    """Plain global unicast only, unless the operator allowed the address's network."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:a.b.c.d is how a dual stack dials IPv4
    if any(address in network for network in allowed):
        return True
    if isinstance(address, ipaddress.IPv4Address):
        return address.is_global and not (address.is_multicast or address.is_reserved)
    if any(address in network for network in _EMBEDDING):
        return False  # whatever it embeds: an operator who wants one allow-lists it
    return (
        address in _GLOBAL_UNICAST
        and address.is_global
        and not (address.is_multicast or address.is_site_local or address.is_reserved)
    )


def vet(url: str, allowed: Sequence[Network]) -> VettedTarget:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetRefused("only http(s) URLs with a host can receive notifications")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise TargetRefused(f"cannot resolve {parts.hostname}") from exc
    addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    refused = [str(a) for a in addresses if not _allowed(a, allowed)]
    if refused or not addresses:
        raise TargetRefused(
            f"{parts.hostname} resolves to a private, loopback or link-local address "
            f"({', '.join(refused)}); allow it with OPENIDV_WEBHOOK_ALLOWED_NETWORKS"
        )
    address = addresses[0]
    literal = f"[{address}]" if address.version == 6 else str(address)
    netloc = f"{literal}:{port}"
    pinned = parts._replace(netloc=netloc).geturl()
    default_port = (parts.scheme == "https" and port == 443) or (
        parts.scheme == "http" and port == 80
    )
    host_header = parts.hostname if default_port else f"{parts.hostname}:{port}"
    return VettedTarget(url=pinned, host_header=host_header, server_name=parts.hostname)
