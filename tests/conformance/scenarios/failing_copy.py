"""failing_shareable_root's subgraphs, with a root field only alpha serves (`album`):
an operation asking both lets `feed` join alpha's fetch (fewer fetches), where
alpha's copy of `feed` fails (tests/kit/variances.py)."""

from __future__ import annotations

from dataclasses import replace

from tests.conformance.scenarios.failing_shareable_root import ALBUM, alpha, beta, gamma
from tests.kit.scenario import Operation, Scenario

alpha_with_album = replace(
    alpha,
    sdl=alpha.sdl.replace(
        "  feed: Feed @shareable\n}", "  feed: Feed @shareable\n  album: Album\n}"
    ),
    resolvers={"Query": {**alpha.resolvers["Query"], "album": lambda _o, _i: {"id": ALBUM["id"]}}},
)

SCENARIO = Scenario(
    name="failing_copy",
    description="a shareable root field failing in the subgraph of another root field",
    subgraphs=(alpha_with_album, beta, gamma),
    operations=(
        Operation(
            name="album-alone",
            query="{ album { id } }",
            data={"album": {"id": "al1"}},
        ),
    ),
    generated=0,
)
