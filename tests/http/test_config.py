"""router.yaml: loading, validation errors that name the bad key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from supergraph.http.config import (
    ConfigError,
    RouterConfig,
    SubgraphConfig,
    load_config,
    parse_config,
)
from supergraph.http.server import build_app
from tests.executor.supergraph_fixture import SUPERGRAPH_SDL


def test_full_config(tmp_path: Path) -> None:
    path = tmp_path / "router.yaml"
    path.write_text(
        "subgraph_timeout: 2.5\nexpose_query_plan: true\n"
        "subgraphs:\n  accounts:\n    url: http://127.0.0.1:1/graphql\n    timeout: 1\n"
    )
    assert load_config(path) == RouterConfig(
        2.5, True, {"accounts": SubgraphConfig("http://127.0.0.1:1/graphql", 1.0)}
    )


def test_empty_file_is_the_default(tmp_path: Path) -> None:
    path = tmp_path / "router.yaml"
    path.write_text("")
    assert load_config(path) == RouterConfig()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"subgraph_timout": 1}, "subgraph_timout: unknown key"),
        ({"subgraph_timeout": -1}, "subgraph_timeout: expected a positive duration"),
        ({"subgraph_timeout": True}, "subgraph_timeout: expected a positive duration"),
        ({"expose_query_plan": "yes"}, "expose_query_plan: expected true or false"),
        ({"subgraphs": []}, "subgraphs: expected a mapping"),
        ({"subgraphs": {"a": {"url": "ftp://x"}}}, "subgraphs.a.url: expected an http(s) URL"),
        ({"subgraphs": {"a": {"timeout": 0}}}, "subgraphs.a.timeout"),
        ({"subgraphs": {"a": {"uri": "http://x"}}}, "subgraphs.a.uri: unknown key"),
        ([1], "expected a mapping"),
    ],
)
def test_bad_values_name_the_key(raw: object, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_config(raw)


def test_bad_yaml_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "router.yaml"
    path.write_text("a: [")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(path)
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.yaml")


def test_unknown_subgraph_in_config_is_refused() -> None:
    config = RouterConfig(subgraphs={"acounts": SubgraphConfig(url="http://x/graphql")})
    with pytest.raises(ConfigError, match=r"override_subgraph_url\.acounts: not a subgraph"):
        build_app(SUPERGRAPH_SDL, config)
