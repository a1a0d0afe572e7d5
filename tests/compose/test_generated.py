"""Hundreds of generated subgraph sets, composed by us and by the reference (one Node run).

Every set the reference composes, we compose to the same supergraph (after
normalising); every set it rejects, we reject with at least one of its error
codes. Sets and seeds are fixed, so a failure names a reproducible set.
"""

from __future__ import annotations

from typing import Any

import pytest

from supergraph.compose import SubgraphSource, compose

from .generator import generate_sets
from .normalize import semantic_diff
from .reference import reference_compose

SEEDS = (1, 2)
PER_SEED = 100


@pytest.mark.node
def test_generated_sets_match_reference() -> None:
    sets: dict[str, list[dict[str, str]]] = {}
    for seed in SEEDS:
        sets.update(generate_sets(seed, PER_SEED))
    reference = reference_compose(sets)
    problems = [problem for key in sets if (problem := _compare(sets[key], reference[key]))]
    accepted = sum("supergraph" in r for r in reference.values())
    assert accepted >= len(sets) // 10, "the generator should produce composable sets too"
    assert not problems, f"{len(problems)} of {len(sets)} sets differ:\n" + "\n\n".join(
        problems[:5]
    )


def _compare(subgraphs: list[dict[str, str]], reference: dict[str, Any]) -> str | None:
    ours = compose([SubgraphSource(s["name"], s["url"], s["sdl"]) for s in subgraphs])
    shown = "\n".join(f"# {s['name']}\n{s['sdl']}" for s in subgraphs)
    if "supergraph" in reference:
        if ours.supergraph_sdl is None:
            return f"{shown}\nwe reject: {[str(e) for e in ours.errors]}"
        diff = semantic_diff(ours.supergraph_sdl, reference["supergraph"])
        return f"{shown}\n" + "\n".join(diff) if diff else None
    codes = {e["code"] for e in reference["errors"]}
    if ours.supergraph_sdl is not None:
        return f"{shown}\nwe accept, the reference says: {reference['errors']}"
    if not codes & {e.code for e in ours.errors}:
        return f"{shown}\nreference {codes}, ours {[str(e) for e in ours.errors]}"
    return None
