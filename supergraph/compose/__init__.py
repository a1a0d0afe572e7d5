"""Composition: subgraph SDLs -> a Federation 2 supergraph SDL (link v1.0, join v0.5). Pure.

    result = compose([SubgraphSource("accounts", "http://...", sdl), ...])
    if result.errors: ...      # every problem found, each naming subgraphs and elements
    else: result.supergraph_sdl

The pipeline: `read` each subgraph (federation directives out of the SDL,
Federation 1 upgraded), check each subgraph on its own (`validate`), `merge`
them, check the merged graph, `print` it, then load the printed SDL into the
router's supergraph model (`supergraph.schema`) and check that every field
can be planned there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from supergraph.schema import SupergraphError, load_supergraph

from .errors import CompositionError
from .merge import merge
from .printer import print_supergraph
from .read import read_subgraph
from .source import SubgraphSource
from .subgraph import Subgraph
from .validate.rules import FINAL_RULES, MERGED_RULES, SUBGRAPH_RULES

__all__ = ["Composition", "CompositionError", "SubgraphSource", "compose"]


@dataclass(frozen=True, slots=True)
class Composition:
    supergraph_sdl: str | None
    errors: tuple[CompositionError, ...]


def compose(sources: Sequence[SubgraphSource]) -> Composition:
    errors: list[CompositionError] = []
    _check_names(sources, errors)
    subgraphs: list[Subgraph] = []
    # By name, so the output does not depend on the order of the config.
    for source in sorted(sources, key=lambda s: s.name):
        subgraph = read_subgraph(source, errors)
        if subgraph is not None:
            subgraphs.append(subgraph)
    if errors:
        # Invalid GraphQL: merging would only add confusing follow-up errors.
        return Composition(None, tuple(errors))
    for subgraph in subgraphs:
        for subgraph_rule in SUBGRAPH_RULES:
            subgraph_rule(subgraph, errors)
    merged = merge(subgraphs, errors)
    for merged_rule in MERGED_RULES:
        merged_rule(subgraphs, merged, errors)
    if errors:
        return Composition(None, tuple(errors))
    return _check_printed(subgraphs, print_supergraph(merged))


def _check_printed(subgraphs: Sequence[Subgraph], sdl: str) -> Composition:
    """Load the printed supergraph as the router does and run the final rules on that model."""
    try:
        supergraph = load_supergraph(sdl)
    except SupergraphError as error:
        # Composition must not hand out a supergraph the router refuses to serve.
        message = f"The composed supergraph does not load in the router: {error}"
        return Composition(None, (CompositionError("INVALID_GRAPHQL", message),))
    errors: list[CompositionError] = []
    for final_rule in FINAL_RULES:
        final_rule(subgraphs, supergraph, errors)
    return Composition(None, tuple(errors)) if errors else Composition(sdl, ())


def _check_names(sources: Sequence[SubgraphSource], errors: list[CompositionError]) -> None:
    if not sources:
        errors.append(
            CompositionError("NO_SUBGRAPHS", "No subgraphs to compose: list at least one")
        )
    seen: set[str] = set()
    for source in sources:
        if not source.name.strip():
            errors.append(
                CompositionError(
                    "INVALID_SUBGRAPH_NAME",
                    f'A subgraph (routing URL "{source.url}") has an empty name: give it a name',
                )
            )
        if source.name in seen:
            errors.append(
                CompositionError(
                    "DUPLICATE_SUBGRAPH_NAME",
                    f'Subgraph name "{source.name}" is used more than once: give each subgraph its own name',
                )
            )
        seen.add(source.name)
