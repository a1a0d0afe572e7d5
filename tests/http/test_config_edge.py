"""router.yaml edge sections: a full file, `${env.NAME}` expansion, errors naming the key,
and `supergraph serve --config` applying them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from supergraph.http.config import ConfigError, load_config, parse_config
from supergraph.http.server import build_app
from tests.executor.supergraph_fixture import SUPERGRAPH_SDL
from tests.http.test_serve import _free_port

FULL = """
introspection: false
mask_subgraph_errors: true
limits:
  max_body_bytes: 1000
  max_depth: 5
  max_aliases: 10
  max_root_fields: 3
  max_tokens: ${env.MAX_TOKENS}
batching: {enabled: true, max_size: 4}
graphiql: {enabled: false}
cors:
  origins: [https://app.example.com]
  allow_credentials: true
  max_age: 60
csrf: {required_headers: [X-Requested-With]}
persisted_queries:
  apq: true
  safelist: off
  client_name_header: X-Client
  free_form_clients: [web]
  redis_url: ${env.REDIS_URL:-redis://127.0.0.1:6379/0}
  redis_key_prefix: "pq:${env.DEPLOYMENT}:"
  ttl: 3600
"""


def test_full_edge_config(tmp_path: Path) -> None:
    path = tmp_path / "router.yaml"
    path.write_text(FULL)
    config = load_config(path, env={"MAX_TOKENS": "500", "DEPLOYMENT": "eu"})
    assert config.introspection is False
    assert config.mask_subgraph_errors is True
    assert config.limits.max_tokens == 500  # a lone placeholder is re-read as YAML: a number
    assert (config.limits.max_depth, config.limits.max_body_bytes) == (5, 1000)
    assert (config.batching.enabled, config.batching.max_size) == (True, 4)
    assert config.cors.origins == ("https://app.example.com",)
    assert config.csrf.required_headers == ("x-requested-with",)
    pq = config.persisted_queries
    assert pq.safelist == "off"  # YAML's bare `off` (false) is the mode "off"
    assert pq.client_name_header == "x-client"
    assert pq.redis_url == "redis://127.0.0.1:6379/0"  # the default after ':-'
    assert pq.redis_key_prefix == "pq:eu:"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"limits": {"max_depth": 0}}, "limits.max_depth: expected a positive whole number"),
        ({"limits": {"max_dept": 3}}, "limits.max_dept: unknown key"),
        ({"batching": {"enabled": "yes"}}, "batching.enabled: expected true or false"),
        ({"cors": {"origins": "*"}}, "cors.origins: expected a list"),
        (
            {"cors": {"origins": ["*"], "allow_credentials": True}},
            "cors.allow_credentials: cannot be true",
        ),
        ({"persisted_queries": {"safelist": "strict"}}, "persisted_queries.safelist: expected"),
        ({"persisted_queries": {"safelist": "enforce"}}, "needs persisted_queries.manifest"),
        ({"persisted_queries": {"redis_url": "http://x"}}, "persisted_queries.redis_url"),
        ({"graphiql": {"assets_dir": "/nonexistent"}}, "graphiql.assets_dir: /nonexistent"),
        (
            {"persisted_queries": {"redis_url": "${env.NOPE}"}},
            "redis_url: environment variable NOPE",
        ),
    ],
)
def test_bad_edge_values_name_the_key(raw: object, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_config(raw, env={})


def test_bad_manifest_and_assets_fail_at_start(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_text('{"format": "something-else"}')
    config = parse_config({"persisted_queries": {"manifest": str(manifest), "safelist": "enforce"}})
    with pytest.raises(ConfigError, match=r"persisted_queries\.local_manifests\[0\]: .*format"):
        build_app(SUPERGRAPH_SDL, config)
    with pytest.raises(
        ConfigError, match=r"graphiql\.assets_dir: .*react\.production\.min\.js is missing"
    ):
        build_app(SUPERGRAPH_SDL, parse_config({"graphiql": {"assets_dir": str(tmp_path)}}))


def test_serve_applies_the_config_with_env_overrides(tmp_path: Path) -> None:
    supergraph = tmp_path / "supergraph.graphql"
    supergraph.write_text(SUPERGRAPH_SDL)
    config = tmp_path / "router.yaml"
    config.write_text("limits:\n  max_depth: ${env.ROUTER_MAX_DEPTH}\n")
    port = _free_port()
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
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "ROUTER_MAX_DEPTH": "1"},
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90  # against a hang, not a speed check
        while True:
            try:
                httpx.get(f"{url}/health", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.communicate()[1]
                assert time.monotonic() < deadline, "router did not start"
                time.sleep(0.1)
        response = httpx.post(f"{url}/graphql", json={"query": "{ me { id } }"}, timeout=5)
        assert response.json()["errors"][0]["extensions"]["code"] == "MAX_DEPTH_EXCEEDED"
    finally:
        process.terminate()
        process.communicate(timeout=10)
