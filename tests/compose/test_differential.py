"""Our composition against @theguild/federation-composition 0.27, case by case."""

from __future__ import annotations

import re
from typing import Any

import pytest

from supergraph.compose import compose

from .cases import Case, load_cases
from .normalize import semantic_diff

CASES = load_cases()
# Quoted element coordinates in error messages: "T", "T.f", "T.f(x:)".
_COORDINATE = re.compile(
    r'"([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*(?:\([A-Za-z0-9_]+:\))?)?)"'
)


def test_enough_cases() -> None:
    assert len(CASES) >= 30


@pytest.mark.node
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_same_as_reference(case: Case, reference_results: dict[str, dict[str, Any]]) -> None:
    reference = reference_results[case.name]
    ours = compose(case.subgraphs)
    our_messages = [e.message for e in ours.errors]
    for expected in case.errors:
        assert expected in our_messages, f"missing error:\n{expected}\nours:\n" + "\n".join(
            our_messages
        )
    if case.divergence is not None:
        assert "supergraph" in reference, "the reference now rejects this set too"
        assert ours.errors, case.divergence
        return
    if "supergraph" in reference:
        assert not ours.errors, "\n".join(str(e) for e in ours.errors)
        assert ours.supergraph_sdl is not None
        diff = semantic_diff(ours.supergraph_sdl, reference["supergraph"])
        assert diff == sorted(case.known_differences), "ours (+) vs reference (-):\n" + "\n".join(
            diff
        )
        return
    assert ours.errors, "the reference rejects this set:\n" + "\n".join(
        e["message"] for e in reference["errors"]
    )
    reference_codes = {e["code"] for e in reference["errors"]}
    our_codes = {e.code for e in ours.errors}
    assert reference_codes & our_codes, f"reference {reference_codes}, ours {our_codes}"
    our_text = "\n".join(our_messages)
    for error in reference["errors"]:
        if error["code"] not in our_codes:
            continue
        for coordinate in _COORDINATE.findall(error["message"]):
            assert f'"{coordinate}"' in our_text, f"{coordinate} not named in ours:\n{our_text}"
