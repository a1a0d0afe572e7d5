"""Hundreds of generated subgraph sets, composed by us and by the reference (one Node run).

Every set the reference composes, we compose to the same supergraph (after
normalising); every set it rejects, we reject with at least one of its error
codes. Sets and seeds are fixed, so a failure names a reproducible set.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from supergraph.compose import SubgraphSource, compose

from .generator import generate_fed1_sets, generate_sets
from .normalize import semantic_diff
from .reference import reference_compose

# Quoted `Type.field` coordinates in error messages.
_COORDINATE = re.compile(r'"([A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*)"')
SEEDS = (1, 2)
PER_SEED = 80


@pytest.mark.node
def test_generated_sets_match_reference() -> None:
    sets: dict[str, list[dict[str, str]]] = {}
    for seed in SEEDS:
        sets.update(generate_sets(seed, PER_SEED))
        sets.update(generate_fed1_sets(seed, PER_SEED // 2))
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
    if codes & {e.code for e in ours.errors}:
        return None
    # Different codes are fine when ours names one of the same elements (e.g. we report a
    # Federation 1 @external field nobody resolves where the reference reports the
    # query that cannot reach it).
    ours_text = "\n".join(e.message for e in ours.errors)
    named = {c for e in reference["errors"] for c in _COORDINATE.findall(e["message"])}
    if any(f'"{c}"' in ours_text for c in named):
        return None
    return f"{shown}\nreference {reference['errors']}, ours {[str(e) for e in ours.errors]}"
