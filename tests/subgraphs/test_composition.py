"""The bundled subgraphs compose, with Apollo's and with The Guild's composition.

Catches cross-subgraph mistakes early: a value type defined in two subgraphs without
`@shareable`, an `@link` federation version a composer does not know, incompatible
field types. Uses the Node packages installed under tests/node (`make node-peers`).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from subgraphs import registry

NODE_DIR = Path(__file__).resolve().parents[1] / "node"

COMPOSE = """
import { readFileSync } from "fs";
import { parse } from "graphql";
import { composeServices as apollo } from "@apollo/composition";
import { composeServices as guild } from "@theguild/federation-composition";
const subgraphs = JSON.parse(readFileSync(0, "utf8"));
const services = subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) }));
const messages = (r) => (r.errors || []).map((e) => e.message);
console.log(JSON.stringify({ apollo: messages(apollo(services)), guild: messages(guild(services)) }));
"""


@pytest.mark.node
def test_all_registered_subgraphs_compose() -> None:
    subgraphs = [
        {
            "name": name,
            "url": f"http://127.0.0.1:{entry.default_port}/graphql",
            "sdl": entry.load().schema.as_str(),
        }
        for name, entry in registry.DOMAINS.items()
    ]
    completed = subprocess.run(
        ["node", "--input-type=module", "-e", COMPOSE],
        cwd=NODE_DIR,
        input=json.dumps(subgraphs),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == {"apollo": [], "guild": []}
