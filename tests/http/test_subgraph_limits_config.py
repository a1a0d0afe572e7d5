"""`limits.subgraph`: the size cap of subgraph answers in router.yaml, and where it goes."""

from __future__ import annotations

import pytest

from supergraph.executor.transport import DEFAULT_MAX_RESPONSE_BYTES
from supergraph.http.config import ConfigError, parse_config
from supergraph.http.server import build_app
from tests.executor.supergraph_fixture import SUPERGRAPH_SDL


def limits(raw: object) -> tuple[int, dict[str, int]]:
    config = parse_config({"limits": {"subgraph": raw}})
    return config.limits.subgraph_response_bytes, dict(
        config.limits.subgraph_response_bytes_by_name
    )


def test_the_default_bounds_every_subgraph() -> None:
    assert limits(None) == (DEFAULT_MAX_RESPONSE_BYTES, {})
    assert parse_config({}).limits.subgraph_response_bytes == DEFAULT_MAX_RESPONSE_BYTES
    assert 10_000_000 <= DEFAULT_MAX_RESPONSE_BYTES <= 100_000_000


def test_all_and_per_subgraph_limits() -> None:
    raw = {
        "all": {"http_max_response_bytes": 5_000_000},
        "subgraphs": {"reviews": {"http_max_response_bytes": 9_000_000}, "accounts": None},
    }
    assert limits(raw) == (5_000_000, {"reviews": 9_000_000})
    only_one = {"subgraphs": {"reviews": {"http_max_response_bytes": 1}}}
    assert limits(only_one) == (DEFAULT_MAX_RESPONSE_BYTES, {"reviews": 1})


@pytest.mark.parametrize(
    ("size", "expected"),
    [(1234, 1234), ("10MiB", 10 * 2**20), ("10mb", 10_000_000), ("800 kb", 800_000), ("7", 7)],
)
def test_apollo_routers_spelling_with_sizes(size: object, expected: int) -> None:
    assert limits({"all": {"http_max_response_size": size}})[0] == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {"all": {"http_max_response_bytes": 0}},
            r"limits\.subgraph\.all\.http_max_response_bytes",
        ),
        ({"all": {"http_max_response_bytes": "a lot"}}, r"all\.http_max_response_bytes"),
        (
            {"all": {"http_max_response_size": "lots"}},
            r"all\.http_max_response_size: expected a number of bytes",
        ),
        ({"all": {"http_max_response_size": "10 parsecs"}}, r"or a size such as"),
        ({"all": {"max_bytes": 1}}, r"limits\.subgraph\.all\.max_bytes: unknown key"),
        ({"every": {}}, r"limits\.subgraph\.every: unknown key"),
        (
            {"subgraphs": {"x": {"http_max_response_bytes": 1, "http_max_response_size": 1}}},
            r"limits\.subgraph\.subgraphs\.x: set http_max_response_bytes or",
        ),
        ({"subgraphs": ["reviews"]}, r"limits\.subgraph\.subgraphs: expected a mapping"),
    ],
)
def test_bad_values_name_the_key(raw: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        limits(raw)


def test_a_limit_for_an_unknown_subgraph_is_refused() -> None:
    config = parse_config(
        {"limits": {"subgraph": {"subgraphs": {"acounts": {"http_max_response_bytes": 1}}}}}
    )
    with pytest.raises(ConfigError, match=r"limits\.subgraph\.subgraphs\.acounts: not a subgraph"):
        build_app(SUPERGRAPH_SDL, config)
