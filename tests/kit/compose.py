"""Supergraphs for scenarios, composed by ``@theguild/federation-composition``.

Composition runs in ONE Node process for any number of scenarios (an inline
ES module using ``composeServices``, run with ``tests/node`` as its working
directory so the npm packages resolve). Subgraphs are composed with
placeholder URLs (``http://<subgraph>.subgraph.invalid/graphql``) so the
result does not depend on ports; ``bind_urls`` puts the real URLs in. Results
are cached under ``tests/artifacts/conformance/`` (gitignored), keyed by a hash
of the input and the composition package version.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.kit.scenario import Scenario

REPO = Path(__file__).resolve().parents[2]
NODE_DIR = REPO / "tests" / "node"
CACHE_DIR = REPO / "tests" / "artifacts" / "conformance"

_SCRIPT = """
import { parse } from "graphql";
import { composeServices } from "@theguild/federation-composition";
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const input = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const output = {};
for (const [id, subgraphs] of Object.entries(input)) {
  try {
    const result = composeServices(
      subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) })),
    );
    output[id] = result.errors && result.errors.length
      ? { errors: result.errors.map((e) => e.message) }
      : { supergraph: result.supergraphSdl, api: result.publicSdl };
  } catch (e) {
    output[id] = { errors: [String(e && e.stack ? e.stack : e)] };
  }
}
process.stdout.write(JSON.stringify(output));
"""


class CompositionError(Exception):
    """Composition of a scenario failed; the message lists the composer's errors."""


@dataclass(frozen=True, slots=True)
class Composition:
    """A composed scenario: supergraph SDL (placeholder URLs) and the API schema SDL."""

    supergraph_sdl: str
    api_sdl: str


def placeholder_url(subgraph: str) -> str:
    return f"http://{subgraph}.subgraph.invalid/graphql"


def bind_urls(supergraph_sdl: str, urls: Mapping[str, str]) -> str:
    """Replace placeholder subgraph URLs with real ones."""
    for name, url in urls.items():
        placeholder = json.dumps(placeholder_url(name))
        if placeholder not in supergraph_sdl:
            raise ValueError(f"no placeholder URL for subgraph {name} in the supergraph")
        supergraph_sdl = supergraph_sdl.replace(placeholder, json.dumps(url))
    return supergraph_sdl


def node_executable() -> str:
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not on PATH: the conformance kit needs Node 20+")
    return node


def _composer_version() -> str:
    package = NODE_DIR / "node_modules" / "@theguild" / "federation-composition" / "package.json"
    if not package.exists():
        raise RuntimeError(f"{package} is missing: run `make node-peers` (npm ci in tests/node)")
    return str(json.loads(package.read_text())["version"])


def _input(scenario: Scenario) -> list[dict[str, str]]:
    return [
        {"name": s.name, "url": placeholder_url(s.name), "sdl": s.sdl} for s in scenario.subgraphs
    ]


def compose_scenarios(scenarios: Sequence[Scenario]) -> dict[str, Composition | CompositionError]:
    """Compose each scenario (cached): its Composition, or the CompositionError to raise."""
    version = _composer_version()
    results: dict[str, Composition | CompositionError] = {}
    missing: dict[str, list[dict[str, str]]] = {}
    paths: dict[str, Path] = {}
    for scenario in scenarios:
        payload = _input(scenario)
        digest = hashlib.sha256(
            json.dumps([version, payload], sort_keys=True).encode()
        ).hexdigest()[:16]
        path = CACHE_DIR / f"{scenario.name}-{digest}.json"
        paths[scenario.name] = path
        if path.exists():
            cached = json.loads(path.read_text())
            results[scenario.name] = Composition(cached["supergraph"], cached["api"])
        else:
            missing[scenario.name] = payload
    if missing:
        output = _run_composer(missing)
        for name, result in output.items():
            if "errors" in result:
                message = f"composition of scenario {name} failed:\n  " + "\n  ".join(
                    result["errors"]
                )
                results[name] = CompositionError(message)
                continue
            paths[name].parent.mkdir(parents=True, exist_ok=True)
            paths[name].write_text(json.dumps(result))
            results[name] = Composition(result["supergraph"], result["api"])
    return results


def _run_composer(payload: Mapping[str, object]) -> dict[str, dict[str, Any]]:
    completed = subprocess.run(
        [node_executable(), "--input-type=module", "-e", _SCRIPT],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        cwd=NODE_DIR,
        timeout=120,
        check=False,
    )
    if completed.returncode != 0:
        raise CompositionError(f"composer exited {completed.returncode}: {completed.stderr}")
    output: dict[str, dict[str, Any]] = json.loads(completed.stdout)
    return output
