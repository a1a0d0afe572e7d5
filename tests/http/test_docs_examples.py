"""Operations shown in the docs run against the bundled supergraph (schema.graphql)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from graphql import parse, validate

from supergraph.schema import load_supergraph

ROOT = Path(__file__).resolve().parents[2]


def test_the_persisted_query_example_is_valid_for_the_bundled_graph() -> None:
    text = (ROOT / "docs" / "router-config.md").read_text()
    block = re.search(
        r'```json\n\s*(\{"format": "apollo-persisted-query-manifest".*?)```', text, re.S
    )
    assert block is not None
    manifest = json.loads(block.group(1))
    api = load_supergraph((ROOT / "schema.graphql").read_text()).api_schema
    bodies = [operation["body"] for operation in manifest["operations"]]
    assert bodies
    for body in bodies:
        assert validate(api, parse(body)) == [], body
