"""Copies of a @shareable field that disagree: failing_shareable_root's subgraphs with a
root field only alpha serves (`album`), alpha's `feed` answering, and beta's copy of
`Tag.label` (provided under `feed`) in capitals where gamma's is not. Federation
promises the copies agree; when they do not, the value depends on which copy a
plan asks (tests/kit/variances.py)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tests.conformance.scenarios.failing_shareable_root import ALBUM, _tags, alpha, beta, gamma
from tests.kit.scenario import Operation, Scenario


def _album(_obj: Any, _info: Any) -> dict[str, Any]:
    return {"__typename": "Album", "id": ALBUM["id"]}


alpha_answering = replace(
    alpha,
    sdl=alpha.sdl.replace(
        "  feed: Feed @shareable\n}", "  feed: Feed @shareable\n  album: Album\n}"
    ),
    resolvers={"Query": {"feed": _album, "album": _album}},
)


def _beta_feed(_obj: Any, _info: Any) -> dict[str, Any]:
    tags = [{**t, "label": str(t["label"]).upper()} for t in _tags("id", "label")]
    return {**ALBUM, "tags": tags}


beta_capitals = replace(beta, resolvers={"Query": {"feed": _beta_feed}})

SCENARIO = Scenario(
    name="shareable_copies",
    description="a @shareable field (Tag.label) whose copies in beta and gamma disagree",
    subgraphs=(alpha_answering, beta_capitals, gamma),
    operations=(
        Operation(
            name="labels-from-gamma",
            query="{ album { tags { label } } }",
            data={"album": {"tags": [{"label": "warm"}, {"label": "cold"}]}},
        ),
    ),
    generated=0,
)
