"""The optimisation driver: passes run until every one has seen the graph unchanged."""

from __future__ import annotations

from supergraph.planner.budget import Budget
from supergraph.planner.groups import FetchGroup
from supergraph.planner.optimize import PASSES, merge_siblings, optimize


def _groups(count: int) -> list[FetchGroup]:
    return [
        FetchGroup(id=i, service="a", is_entity=False, path=(), parent=None) for i in range(count)
    ]


def test_a_change_by_one_pass_runs_the_others_again() -> None:
    calls: list[str] = []

    def drop_to_two(groups: list[FetchGroup], budget: Budget) -> list[FetchGroup]:
        calls.append("drop")
        return groups[:2] if len(groups) > 2 else groups

    def drop_third(groups: list[FetchGroup], budget: Budget) -> list[FetchGroup]:
        calls.append("third")
        return groups[:2] if len(groups) == 3 else groups

    assert [g.id for g in optimize(_groups(5), Budget(None), (drop_to_two, drop_third))] == [0, 1]
    assert calls == ["drop", "third"]
    calls.clear()
    assert [g.id for g in optimize(_groups(3), Budget(None), (drop_third, drop_to_two))] == [0, 1]
    # drop_third changed the graph: drop_to_two runs once, then nothing is left to see it.
    assert calls == ["third", "drop"]


def test_no_change_runs_each_pass_once() -> None:
    groups = _groups(2)
    seen: list[int] = []

    def watch(given: list[FetchGroup], budget: Budget) -> list[FetchGroup]:
        seen.append(len(given))
        return given

    assert optimize(groups, Budget(None), (watch, watch)) is groups
    assert seen == [2, 2]


def test_merge_is_the_registered_pass_and_keeps_an_unchanged_graph() -> None:
    assert merge_siblings in PASSES
    groups = _groups(2)
    assert merge_siblings(groups) is groups
