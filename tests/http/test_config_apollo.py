"""Apollo Router's key names: each deprecated key of ours means exactly what its Apollo
name means (and warns, naming it), both at once is refused, errors name the key the
file has, and SUPERGRAPH_ENV=production's safe defaults yield to the file."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from supergraph.http.config import ConfigError, parse_config
from tests.executor.supergraph_fixture import SUPERGRAPH_SDL
from tests.http.edge import edge_client
from tests.http.test_serve import _free_port

PRODUCTION = {"SUPERGRAPH_ENV": "production"}

# (ours, deprecated) -> Apollo Router's: the same configuration.
SAME = [
    ({"subgraph_timeout": 5}, {"traffic_shaping": {"all": {"timeout": "5s"}}}),
    (
        {"subgraphs": {"accounts": {"url": "http://a:1/graphql", "timeout": 2}}},
        {
            "override_subgraph_url": {"accounts": "http://a:1/graphql"},
            "traffic_shaping": {"subgraphs": {"accounts": {"timeout": 2}}},
        },
    ),
    (
        {"traffic_shaping": {"deduplicate_query": False}},
        {"traffic_shaping": {"all": {"deduplicate_query": False}}},
    ),
    ({"introspection": False}, {"supergraph": {"introspection": False}}),
    ({"mask_subgraph_errors": True}, {"include_subgraph_errors": {"all": False}}),
    ({"expose_query_plan": True}, {"plugins": {"experimental.expose_query_plan": True}}),
    ({"limits": {"max_body_bytes": 1000}}, {"limits": {"http_max_request_bytes": 1000}}),
    ({"limits": {"max_tokens": 99}}, {"limits": {"parser_max_tokens": 99}}),
    ({"graphiql": {"enabled": False}}, {"sandbox": {"enabled": False}}),
    (
        {"headers": {"all": [{"insert": {"name": "x-a", "value": "1"}}]}},
        {"headers": {"all": {"request": [{"insert": {"name": "x-a", "value": "1"}}]}}},
    ),
    (
        {"authorization": {"reject_unauthorized": True}},
        {"authorization": {"directives": {"reject_unauthorized": True}}},
    ),
    (
        {"persisted_queries": {"apq": False, "memory_size": 5}},
        {"apq": {"enabled": False, "router": {"cache": {"in_memory": {"limit": 5}}}}},
    ),
    (
        {"persisted_queries": {"redis_url": "redis://r:6379/0", "ttl": 60}},
        {"apq": {"router": {"cache": {"redis": {"urls": ["redis://r:6379/0"], "ttl": "1m"}}}}},
    ),
    (
        {"persisted_queries": {"manifest": "pql.json", "safelist": "enforce"}},
        {
            "persisted_queries": {
                "enabled": True,
                "local_manifests": ["pql.json"],
                "safelist": {"enabled": True},
            }
        },
    ),
    # Apollo Router 1.x's entity cache, in its earlier shape (redis and subgraphs on top).
    (
        {
            "preview_entity_cache": {
                "enabled": True,
                "redis": {"urls": ["redis://r:6379"], "timeout": "5ms", "ttl": "60s"},
                "invalidation": {"listen": "127.0.0.1:4000", "path": "/invalidation"},
                "subgraphs": {"accounts": {"enabled": False}, "products": {"ttl": "120s"}},
            }
        },
        {
            "response_cache": {
                "enabled": True,
                "invalidation": {"listen": "127.0.0.1:4000", "path": "/invalidation"},
                "subgraph": {
                    "all": {"ttl": "60s", "redis": {"urls": ["redis://r:6379"], "timeout": "5ms"}},
                    "subgraphs": {"accounts": {"enabled": False}, "products": {"ttl": "120s"}},
                },
            }
        },
    ),
    # ... and in its later one, response_cache's.
    (
        {
            "preview_entity_cache": {
                "enabled": True,
                "subgraph": {
                    "all": {
                        "redis": {"urls": ["redis://r:6379"]},
                        "invalidation": {"enabled": True, "shared_key": "k"},
                    }
                },
            }
        },
        {
            "response_cache": {
                "enabled": True,
                "subgraph": {
                    "all": {
                        "redis": {"urls": ["redis://r:6379"]},
                        "invalidation": {"enabled": True, "shared_key": "k"},
                    }
                },
            }
        },
    ),
]


@pytest.mark.parametrize(("old", "new"), SAME, ids=[str(next(iter(o))) for o, _ in SAME])
def test_a_deprecated_key_means_its_apollo_name(
    old: dict[str, object], new: dict[str, object]
) -> None:
    before, after = parse_config(old), parse_config(new)
    assert before == after
    assert after.warnings == ()
    assert before.warnings and all("is deprecated: use" in w for w in before.warnings)


def test_both_names_at_once_are_refused() -> None:
    with pytest.raises(ConfigError, match=r"subgraph_timeout: deprecated name of traffic_shaping"):
        parse_config({"subgraph_timeout": 1, "traffic_shaping": {"all": {"timeout": 2}}})


def test_an_error_names_the_key_the_file_has() -> None:
    with pytest.raises(ConfigError, match=r"^limits\.max_tokens: expected .* \(deprecated: now"):
        parse_config({"limits": {"max_tokens": "many"}})


def test_preview_entity_cache_with_response_cache_or_in_both_shapes_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"^preview_entity_cache: deprecated name of resp"):
        parse_config({"preview_entity_cache": {"enabled": True}, "response_cache": {}})
    both = {"redis": {"urls": []}, "subgraph": {"all": {"redis": {"urls": []}}}}
    with pytest.raises(ConfigError, match=r"^preview_entity_cache\.redis: 1\.x name of"):
        parse_config({"preview_entity_cache": both})
    bad_ttl = {"preview_entity_cache": {"redis": {"urls": [], "ttl": "soon"}}}
    with pytest.raises(ConfigError, match=r"^preview_entity_cache\.redis\.ttl: .*deprecated"):
        parse_config(bad_ttl)
    assert parse_config({"preview_entity_cache": {"enabled": True}}).entity_cache is not None


def test_production_defaults_are_safe_and_the_file_wins() -> None:
    safe = parse_config({}, PRODUCTION)
    assert safe.mask_subgraph_errors and not safe.limits.introspection
    assert not safe.graphiql.enabled
    chosen = parse_config(
        {
            "include_subgraph_errors": {"all": True},
            "supergraph": {"introspection": True},
            "sandbox": {"enabled": True},
        },
        PRODUCTION,
    )
    assert not chosen.mask_subgraph_errors and chosen.limits.introspection
    assert chosen.graphiql.enabled
    development = parse_config({})
    assert not development.mask_subgraph_errors and development.limits.introspection


async def test_production_defaults_over_http() -> None:
    config = parse_config({}, PRODUCTION)
    async with edge_client(config, down=["reviews"]) as client:
        schema = await client.post("/graphql", json={"query": "{ __schema { types { name } } }"})
        page = await client.get("/graphql", headers={"accept": "text/html"})
        failed = await client.post(
            "/graphql", json={"query": "{ topProducts { name reviews { body } } }"}
        )
    assert schema.json()["errors"][0]["extensions"]["code"] == "INTROSPECTION_DISABLED"
    assert page.status_code == 406  # no page
    messages = {error["message"] for error in failed.json()["errors"]}
    assert messages == {"Subgraph errors redacted"}


async def test_include_subgraph_errors_per_subgraph() -> None:
    config = {"include_subgraph_errors": {"all": False, "subgraphs": {"reviews": True}}}
    async with edge_client(config, down=["reviews"]) as client:
        failed = await client.post(
            "/graphql", json={"query": "{ topProducts { name reviews { body } } }"}
        )
    errors = failed.json()["errors"]
    assert errors and all("reviews" in e["message"] for e in errors)  # included: not redacted


def test_serve_listens_where_supergraph_listen_says(tmp_path: Path) -> None:
    supergraph = tmp_path / "supergraph.graphql"
    supergraph.write_text(SUPERGRAPH_SDL)
    port = _free_port()
    config = tmp_path / "router.yaml"
    config.write_text(f"supergraph:\n  listen: 127.0.0.1:{port}\n  path: /api\n")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "supergraph",
            "serve",
            "--supergraph",
            str(supergraph),
            "--config",
            str(config),
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        answer = None
        for _ in range(300):
            try:
                answer = httpx.post(
                    f"http://127.0.0.1:{port}/api", json={"query": "{ __typename }"}, timeout=5
                )
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                time.sleep(0.1)
        assert answer is not None and answer.json() == {"data": {"__typename": "Query"}}
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    assert re.search(rf"serving on http://127\.0\.0\.1:{port}/api", stderr)
