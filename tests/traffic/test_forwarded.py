"""Rate limits by IP behind a proxy (`supergraph.forwarded_allow_ips`): clients the
trusted proxy forwards for get their own allowance; from anyone else the forwarding
headers are ignored. Over real HTTP (the test client plays the ingress on 127.0.0.1),
then the header walk on its own."""

from __future__ import annotations

from typing import Any

import pytest

from supergraph.http.config import parse_config
from supergraph.http.config_values import ConfigError
from supergraph.http.forwarded import TrustedProxies
from supergraph.http.request import RequestHeaders
from supergraph.http.websocket import _with_payload

from .stack import stack


def by_ip(*trusted: str) -> dict[str, Any]:
    limit = {"capacity": 1, "interval": "1h", "key": "ip"}
    config: dict[str, Any] = {"traffic_shaping": {"router": {"global_rate_limit": limit}}}
    if trusted:
        config["supergraph"] = {"forwarded_allow_ips": list(trusted)}
    return config


async def test_clients_behind_a_trusted_proxy_are_told_apart() -> None:
    async with stack(by_ip("10.0.0.0/8", "127.0.0.1/32")) as s:
        post = s.router.post
        assert (await post(**{"X-Forwarded-For": "203.0.113.1"})).status_code == 200
        assert (await post(**{"X-Forwarded-For": "203.0.113.1"})).status_code == 429
        assert (await post(**{"X-Forwarded-For": "203.0.113.2"})).status_code == 200
        # Behind two proxies: the trusted hop is skipped, the client is the same one.
        hops = "203.0.113.2, 10.1.2.3"
        assert (await post(**{"X-Forwarded-For": hops})).status_code == 429
        # A client writing its own X-Forwarded-For: only the entry the proxy added counts.
        spoofed = "198.51.100.1, 203.0.113.1"
        assert (await post(**{"X-Forwarded-For": spoofed})).status_code == 429
        # A client's own `Forwarded`, which ingresses pass through untouched, names
        # nobody: only X-Forwarded-For (what the proxy appended to) counts.
        forwarded = {"Forwarded": 'for="203.0.113.3:4711"', "X-Forwarded-For": "203.0.113.1"}
        assert (await post(**forwarded)).status_code == 429
        assert (await post(**{"X-Forwarded-For": "203.0.113.3:4711"})).status_code == 200
        assert s.subgraph.requests == 3


@pytest.mark.parametrize("trusted", [(), ("10.0.0.0/8",)])
async def test_forwarding_headers_from_an_untrusted_peer_are_ignored(
    trusted: tuple[str, ...],
) -> None:
    async with stack(by_ip(*trusted)) as s:
        assert (await s.router.post(**{"X-Forwarded-For": "203.0.113.1"})).status_code == 200
        # Another claimed client from the same peer: the same allowance, spent.
        refused = await s.router.post(**{"X-Forwarded-For": "203.0.113.2"})
        assert refused.status_code == 429
        assert (await s.router.post(Forwarded="for=203.0.113.4")).status_code == 429
        assert s.subgraph.requests == 1


def headers(peer: str, **values: str) -> RequestHeaders:
    raw = [
        (name.lower().replace("_", "-").encode(), value.encode()) for name, value in values.items()
    ]
    return RequestHeaders.of({"headers": raw, "client": (peer, 1234)})


@pytest.mark.parametrize(
    ("peer", "values", "client"),
    [
        ("10.0.0.5", {"x_forwarded_for": "203.0.113.9"}, "203.0.113.9"),
        ("10.0.0.5", {"x_forwarded_for": "6.6.6.6, 203.0.113.9, 10.9.9.9"}, "203.0.113.9"),
        ("10.0.0.5", {"x_forwarded_for": "10.1.1.1, 10.2.2.2"}, "10.1.1.1"),  # all trusted
        ("10.0.0.5", {"x_forwarded_for": "unknown"}, "10.0.0.5"),
        ("10.0.0.5", {"x_forwarded_for": "203.0.113.9, unknown"}, "10.0.0.5"),
        ("10.0.0.5", {"x_forwarded_for": "203.0.113.9:8080"}, "203.0.113.9"),
        ("10.0.0.5", {"x_forwarded_for": "[2001:db8::1]:4711, 10.3.3.3"}, "2001:db8::1"),
        # A client's own `Forwarded` is never read, present or not.
        (
            "10.0.0.5",
            {"forwarded": "for=203.0.113.8", "x_forwarded_for": "203.0.113.9"},
            "203.0.113.9",
        ),
        ("10.0.0.5", {"forwarded": "for=203.0.113.8"}, "10.0.0.5"),
        ("10.0.0.5", {}, "10.0.0.5"),
        ("192.0.2.1", {"x_forwarded_for": "203.0.113.9"}, "192.0.2.1"),  # untrusted peer
        # A dual-stack listener's IPv4 peer, and an IPv4-mapped hop: their IPv4 address.
        ("::ffff:10.0.0.5", {"x_forwarded_for": "203.0.113.9"}, "203.0.113.9"),
        ("::ffff:10.0.0.5", {"x_forwarded_for": "::ffff:203.0.113.9, 10.1.1.1"}, "203.0.113.9"),
        ("::ffff:192.0.2.1", {"x_forwarded_for": "203.0.113.9"}, "::ffff:192.0.2.1"),
    ],
)
def test_the_client_is_the_first_untrusted_hop_from_the_right(
    peer: str, values: dict[str, str], client: str
) -> None:
    assert TrustedProxies(["10.0.0.0/8"]).client_of(headers(peer, **values)) == client


def test_no_trusted_proxies_means_the_peer() -> None:
    assert TrustedProxies().client_of(headers("10.0.0.5", x_forwarded_for="1.2.3.4")) == "10.0.0.5"


def test_a_bad_network_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="forwarded_allow_ips"):
        parse_config({"supergraph": {"forwarded_allow_ips": ["10.0.0.0/33"]}})
    config = parse_config({"supergraph": {"forwarded_allow_ips": ["10.0.0.0/8", "::1"]}})
    assert config.listen.forwarded_allow_ips == ("10.0.0.0/8", "::1")


def test_a_websocket_payload_cannot_name_the_client() -> None:
    upgrade = headers("10.0.0.5", x_forwarded_for="203.0.113.9")
    payload = {
        "x-forwarded-for": "198.51.100.7",
        "headers": {"Forwarded": "for=198.51.100.8", "x-tenant": "a"},
    }
    merged = _with_payload(upgrade, payload)
    assert merged["x-tenant"] == "a"
    assert TrustedProxies(["10.0.0.0/8"]).client_of(merged) == "203.0.113.9"
