"""router.yaml: `traffic_shaping.deduplicate_query` and its per-subgraph override."""

from __future__ import annotations

import pytest

from supergraph.http.config import ConfigError, parse_config


def test_on_by_default_for_every_subgraph() -> None:
    config = parse_config({})
    assert config.traffic_shaping.deduplicate_query is True
    assert config.deduplicates("products") is True


def test_a_subgraph_overrides_the_global_setting_either_way() -> None:
    config = parse_config(
        {
            "traffic_shaping": {"deduplicate_query": False},
            "subgraphs": {
                "products": {"deduplicate_query": True},
                "reviews": {"timeout": 5},
            },
        }
    )
    assert [config.deduplicates(n) for n in ("products", "reviews", "accounts")] == [
        True,
        False,
        False,
    ]
    off = parse_config({"subgraphs": {"inventory": {"deduplicate_query": False}}})
    assert (off.deduplicates("inventory"), off.deduplicates("products")) == (False, True)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"traffic_shaping": {"deduplicate_query": "yes"}}, "traffic_shaping.deduplicate_query"),
        ({"traffic_shaping": {"dedup": True}}, "traffic_shaping.dedup: unknown key"),
        ({"traffic_shaping": []}, "traffic_shaping: expected a mapping"),
        (
            {"subgraphs": {"products": {"deduplicate_query": 1}}},
            "subgraphs.products.deduplicate_query",
        ),
    ],
)
def test_bad_values_name_the_key(raw: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(raw)
