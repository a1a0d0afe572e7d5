"""The client's address behind proxies: `supergraph.forwarded_allow_ips` (uvicorn's name).

    TrustedProxies(["10.0.0.0/8", "127.0.0.1"]).client_of(headers)   -> "203.0.113.7"

Behind an ingress every connection comes from the ingress, so rate limits keyed by
IP would put all clients in one allowance. The proxies listed (addresses or CIDR
networks; default none) are trusted to say who they forward for: when the
connection's peer is one of them, `X-Forwarded-For` is read from the right, each
trusted hop skipped, and the first address not trusted is the client. `Forwarded`
(RFC 7239) is never read: common ingresses pass a client's own through untouched.
From any other peer the header is ignored (a client could write anything there). An entry that is not an IP
address (`unknown`, an obfuscated name) ends the walk at the hop that wrote it.

uvicorn's own handling of X-Forwarded-For is off in the router (protocol.py): it
trusts 127.0.0.1 by default, so any local process could choose its address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from supergraph.http.request import RequestHeaders

FORWARDING_HEADERS = frozenset({"forwarded", "x-forwarded-for"})
"""Only ever read from the HTTP request a proxy sent (never a WebSocket payload's)."""
MAX_HOPS = 32
"""Entries read from the right of a forwarding chain (the rest are not looked at)."""

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """Each address or CIDR network; raises ValueError naming a bad one."""
    return tuple(ipaddress.ip_network(value.strip(), strict=False) for value in values)


class TrustedProxies:
    def __init__(self, networks: Iterable[str] = ()) -> None:
        self.networks = parse_networks(networks)

    def __bool__(self) -> bool:
        return bool(self.networks)

    def client_of(self, headers: RequestHeaders) -> str | None:
        """The client's address: the peer, or who a trusted peer forwards for."""
        peer = headers.peer
        if not self.networks or peer is None:
            return peer
        nearest = _address(peer)
        if nearest is None or not self._trusted(nearest):
            return peer
        for hop in reversed(_chain(headers)[-MAX_HOPS:]):
            address = _address(hop)
            if address is None:
                break  # not an address: the hop that wrote it is all we know
            nearest = address
            if not self._trusted(address):
                break
        return str(nearest)

    def _trusted(self, address: IPAddress) -> bool:
        return any(address in network for network in self.networks)


def _chain(headers: RequestHeaders) -> list[str]:
    """X-Forwarded-For's hops, the client first.

    Never `Forwarded`: ingresses (nginx's $proxy_add_x_forwarded_for, AWS ALB) append
    to X-Forwarded-For only and pass a client's own `Forwarded` through, so choosing
    it when present would let any client name its address (as uvicorn, read XFF only).
    """
    return [hop.strip() for hop in ",".join(headers.getlist("x-forwarded-for")).split(",")]


def _address(hop: str) -> IPAddress | None:
    """`hop` without its port (`1.2.3.4:80`, `[::1]:80`); None when not an IP address."""
    if hop.startswith("["):
        hop = hop[1:].partition("]")[0]
    elif hop.count(":") == 1:
        hop = hop.partition(":")[0]
    try:
        address = ipaddress.ip_address(hop)
    except ValueError:
        return None
    # A dual-stack listener sees IPv4 peers as ::ffff:10.0.0.5: the IPv4 address is
    # what the trusted networks (and a rate limit's key) name.
    mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
    return mapped or address
