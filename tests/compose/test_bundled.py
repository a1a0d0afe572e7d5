"""The bundled subgraphs: `supergraph.yaml` lists them, `schema.graphql` is their fresh composition.

Works with whichever domains `subgraphs/registry.py` registers today: adding a
domain there without adding it to `supergraph.yaml` (and recomposing) fails here.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

import pytest

from subgraphs import registry
from supergraph.cli.compose import load_source
from supergraph.compose import SubgraphSource, compose
from supergraph.compose.config import parse_config
from supergraph.schema import load_supergraph

from .normalize import semantic_diff
from .reference import reference_compose

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "supergraph.yaml"
SCHEMA = ROOT / "schema.graphql"
_NEWER_FEDERATION = r"/federation/v2\.(1[0-9])"
REFRESH = "supergraph compose --config supergraph.yaml --output schema.graphql"


def _sources() -> list[SubgraphSource]:
    configs = parse_config(CONFIG.read_text(encoding="utf-8"))
    return [load_source(c, CONFIG.parent) for c in configs]


def test_config_lists_every_registered_subgraph() -> None:
    configs = parse_config(CONFIG.read_text(encoding="utf-8"))
    listed = {c.name: c.routing_url for c in configs}
    registered = {
        name: f"http://127.0.0.1:{entry.default_port}/graphql"
        for name, entry in registry.DOMAINS.items()
    }
    assert listed == registered, (
        "supergraph.yaml and subgraphs/registry.py disagree: list every registered subgraph "
        f"in supergraph.yaml, then run `{REFRESH}`"
    )


def test_schema_graphql_is_fresh() -> None:
    result = compose(_sources())
    assert not result.errors, "\n".join(str(e) for e in result.errors)
    current = SCHEMA.read_text(encoding="utf-8") if SCHEMA.exists() else ""
    assert result.supergraph_sdl == current, (
        f"schema.graphql is stale: run `{REFRESH}` from the repository root and commit it"
    )


def test_schema_graphql_loads_in_the_router_model() -> None:
    supergraph = load_supergraph(SCHEMA.read_text(encoding="utf-8"))
    assert sorted(supergraph.subgraphs) == sorted(registry.DOMAINS)


@pytest.mark.node
def test_bundled_same_as_reference() -> None:
    sources = _sources()
    # The reference (0.27) knows federation up to v2.9; Strawberry links v2.11.
    # The bundled subgraphs use nothing newer, so the older link means the same.
    payload = [
        {"name": s.name, "url": s.url, "sdl": re.sub(_NEWER_FEDERATION, "/federation/v2.9", s.sdl)}
        for s in sources
    ]
    reference: dict[str, Any] = reference_compose({"bundled": payload})["bundled"]
    assert "supergraph" in reference, reference
    ours = compose(sources).supergraph_sdl
    assert ours is not None
    diff = semantic_diff(ours, reference["supergraph"])
    assert not diff, "ours (+) vs reference (-):\n" + "\n".join(diff)


def test_cli_writes_the_same_file(tmp_path: Path) -> None:
    from supergraph.cli import compose as cli

    output = tmp_path / "schema.graphql"
    status = cli.run(argparse.Namespace(config=str(CONFIG), output=str(output)))
    assert status == 0
    assert output.read_text(encoding="utf-8") == SCHEMA.read_text(encoding="utf-8")
