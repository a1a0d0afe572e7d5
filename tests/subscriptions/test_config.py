"""router.yaml `subscription`: Apollo's keys, ours, their checks, and where the router
opens each subgraph's subscriptions."""

from __future__ import annotations

import pytest

from supergraph.executor.subscriptions import UpstreamSettings
from supergraph.http.config import ConfigError, parse_config


def test_the_subscription_section_reads_apollo_keys_and_ours() -> None:
    config = parse_config(
        {
            "subscription": {
                "enabled": True,
                "mode": {
                    "passthrough": {
                        "all": {"path": "/graphql", "heartbeat_interval": "disable"},
                        "subgraphs": {"orders": {"path": "/ws", "heartbeat_interval": "5s"}},
                    }
                },
                "max_opened_subscriptions": 50,
                "queue_capacity": 8,
                "max_subscriptions_per_connection": 3,
                "keep_alive_interval": "2s",
                "connection_init_timeout": 1,
            }
        }
    ).subscription
    assert config.passthrough("orders").path == "/ws"
    assert config.passthrough("orders").heartbeat_interval == 5.0
    assert config.passthrough("products").path == "/graphql"
    assert config.passthrough("products").heartbeat_interval is None
    options = config.options()
    assert (options.max_opened_subscriptions, options.queue_capacity) == (50, 8)
    assert config.max_subscriptions_per_connection == 3
    assert config.keep_alive_interval == 2.0


@pytest.mark.parametrize(
    ("section", "named"),
    [
        ({"nope": 1}, "subscription.nope"),
        ({"queue_capacity": 0}, "subscription.queue_capacity"),
        ({"mode": {"passthrough": {"all": {"protocol": "graphql_sse"}}}}, "protocol"),
        (
            {"mode": {"passthrough": {"all": {"path": "ws"}}}},
            "subscription.mode.passthrough.all.path",
        ),
        ({"mode": {"callback": {}}}, "subscription.mode.callback"),
    ],
)
def test_a_bad_subscription_key_is_refused_by_name(section: dict[str, object], named: str) -> None:
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        parse_config({"subscription": section})


def test_a_subgraph_is_subscribed_to_on_its_host_at_its_path() -> None:
    settings = UpstreamSettings(
        {"orders": "https://orders.internal:8443/graphql", "inventory": "http://inv/graphql"},
        {"orders": "/ws"},
    )
    assert settings.url_of("orders") == "wss://orders.internal:8443/ws"
    assert settings.url_of("inventory") == "ws://inv/graphql"
