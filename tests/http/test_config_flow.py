"""router.yaml's settings flow once: RouterConfig holds each default, the stages read it."""

from __future__ import annotations

from dataclasses import fields

from supergraph.http.config import RouterConfig, parse_config
from supergraph.http.server import router_options
from supergraph.limits import OperationLimits, count_limits


def test_every_operation_limit_of_the_config_reaches_the_pipeline() -> None:
    config = parse_config(
        {
            "introspection": False,
            "limits": {
                "max_depth": 11,
                "max_aliases": 12,
                "max_root_fields": 13,
                "max_tokens": 14,
                "max_query_length": 15,
                "max_expanded_fields": 16,
                "max_fetches": 17,
                "parser_max_recursion": 18,
                "introspection_max_depth": False,
                "introspection_max_bytes": 19,
            },
        }
    )
    limits = router_options(config).limits
    assert type(limits) is OperationLimits
    for limit in fields(OperationLimits):
        assert getattr(limits, limit.name) == getattr(config.limits, limit.name), limit.name
    assert (limits.max_depth, limits.max_fetches, limits.introspection) == (11, 17, False)
    assert config.introspection is False


def test_the_router_defaults_of_an_empty_file() -> None:
    assert parse_config({}) == RouterConfig()
    assert router_options(RouterConfig()).limits == OperationLimits(
        max_aliases=100,
        max_tokens=15_000,
        max_query_length=262_144,
        max_expanded_fields=15_000,
        max_fetches=1_000,
        max_deferred_fragments=32,
    )
    # As a library, without router.yaml, every limit is off.
    assert OperationLimits().max_tokens is None


def test_each_counting_limit_is_read_from_its_key_once() -> None:
    """A limit defined in OperationLimits is router.yaml's at once: its key is read, its
    value reaches the router's options, its default is the one its field declares."""
    limits = count_limits()
    assert {limit.name for limit in limits} >= {"max_tokens", "max_expanded_fields", "max_fetches"}
    values = {limit.key: 1_000_000 + index for index, limit in enumerate(limits)}
    options = router_options(parse_config({"limits": values})).limits
    for limit in limits:
        assert getattr(options, limit.name) == values[limit.key], limit.key
    defaults = router_options(RouterConfig()).limits
    assert {limit.name: getattr(defaults, limit.name) for limit in limits} == {
        limit.name: limit.router_default for limit in limits
    }
    off = router_options(parse_config({"limits": dict.fromkeys(values)})).limits
    assert all(getattr(off, limit.name) is None for limit in limits)
