"""Every supergraph we compose loads in our own router's supergraph model."""

from __future__ import annotations

import pytest

from supergraph.compose import compose
from supergraph.schema import load_supergraph

from .cases import Case, load_cases

_COMPOSABLE = [(c, sdl) for c in load_cases() if (sdl := compose(c.subgraphs).supergraph_sdl)]


@pytest.mark.parametrize(("case", "sdl"), _COMPOSABLE, ids=[c.name for c, _ in _COMPOSABLE])
def test_loads_in_supergraph_model(case: Case, sdl: str) -> None:
    supergraph = load_supergraph(sdl)
    assert sorted(supergraph.subgraphs) == sorted(s.name for s in case.subgraphs)
