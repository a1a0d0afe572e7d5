"""Merge fetches to the same subgraph at the same path.

The walker sometimes opens two entity fetches where one would do (a
`@requires` fetch may not reuse a fetch others already wait for, to rule out
cycles while it is still being planned; jumps from two different fetches
land at the same place). Once the graph is complete, two fetches with the
same subgraph and path are merged when merging creates no cycle and one of
their parents comes after the other (the merged fetch is placed under it),
or, when the later parent itself waits for the other fetch (a `@requires`),
under the earlier parent if that one already selects the representation.
"""

from __future__ import annotations

from itertools import combinations

from supergraph.planner.budget import Budget
from supergraph.planner.context import directives_for
from supergraph.planner.groups import Conditions, FetchGroup
from supergraph.planner.held import without_held
from supergraph.planner.selection import (
    FieldItem,
    FragmentItem,
    SelectionSet,
    compatible,
    covers,
    flat_items,
    merge_into,
    representation_conflict,
    shape_conflict,
)


def merge_siblings(groups: list[FetchGroup], budget: Budget | None = None) -> list[FetchGroup]:
    """The groups after merging; merged-away groups are dropped, ids are kept.

    `groups` itself when nothing merged (the pass contract, optimize/__init__.py).
    """
    budget = budget or Budget(None)
    alive = {g.id: g for g in groups}
    changed = True
    merged_any = False
    while changed:
        changed = False
        buckets: dict[tuple[str, tuple[str, ...], int | None], list[FetchGroup]] = {}
        for group in alive.values():
            if group.is_entity:
                buckets.setdefault((group.service, group.path, None), []).append(group)
        for bucket in buckets.values():
            for keep, other in combinations(bucket, 2):
                budget.spend()
                if _can_merge(alive, keep, other):
                    _merge(alive, keep, other)
                    changed = merged_any = True
                    break
            if changed:
                break
    return [g for g in groups if g.id in alive] if merged_any else groups


def _ancestry(alive: dict[int, FetchGroup], start: int) -> set[int]:
    seen: set[int] = set()
    stack = [start]
    while stack:
        for dep in alive[stack.pop()].deps:
            if dep not in seen and dep in alive:
                seen.add(dep)
                stack.append(dep)
    return seen


def _later_parent(alive: dict[int, FetchGroup], a: FetchGroup, b: FetchGroup) -> int | None:
    """The parent the merged fetch goes under: the one that already waits for the other."""
    if a.parent == b.parent:
        return a.parent
    if a.parent is None or b.parent is None:
        return None
    if a.parent in _ancestry(alive, b.parent):
        return b.parent
    if b.parent in _ancestry(alive, a.parent):
        return a.parent
    return None


def _can_merge(alive: dict[int, FetchGroup], keep: FetchGroup, other: FetchGroup) -> bool:
    return _placement(alive, keep, other) is not None


def _placement(
    alive: dict[int, FetchGroup], keep: FetchGroup, other: FetchGroup
) -> tuple[int | None, set[int]] | None:
    """Where the merged fetch goes: (parent, what it waits for), or None when it cannot.

    Under the parent that comes later; or, when that creates a cycle (the later
    parent waits for the other fetch), under the earlier parent when that one
    already selects the representation the later parent's fetch needs.
    """
    if not _conditions_nest(keep, other):
        return None
    if representation_conflict(keep.requires, other.requires):
        return None
    if not (
        compatible(keep.selection, other.selection) and compatible(keep.requires, other.requires)
    ):
        return None
    if shape_conflict(keep.selection, other.selection):
        return None
    merged = {keep.id, other.id}
    later = _later_parent(alive, keep, other)
    candidates: list[tuple[int | None, set[int]]] = []
    if later is not None:
        candidates.append((later, (keep.deps | other.deps) - merged))
    if keep.parent != other.parent and keep.parent is not None and other.parent is not None:
        for moved, stays in ((keep, other), (other, keep)):
            assert moved.parent is not None and stays.parent is not None
            if moved.deps == {moved.parent} and _selects_representation(alive[stays.parent], moved):
                candidates.append((stays.parent, stays.deps - merged))
    common = {c for c in keep.conditions if c in other.conditions}
    for parent, deps in candidates:
        # Under a parent that runs under more conditions, the merged fetch would too.
        if parent is not None and not set(alive[parent].conditions) <= common:
            continue
        if not any(merged & _ancestry(alive, dep) for dep in deps):
            return parent, deps
    return None


def _conditions_nest(a: FetchGroup, b: FetchGroup) -> bool:
    """Equal conditions; or one fetch runs under more of them and needs no representation
    field the other lacks: merged, it runs when the other does, its own part kept under
    `@skip`/`@include` (a field the other needs unconditionally, asked again under `@skip`).
    Under conditions neither holds all of, both parts are kept under their own, and the
    merged fetch, which runs under the shared ones, must need the same representations."""
    if a.conditions == b.conditions:
        return True
    if set(a.conditions) < set(b.conditions):
        return covers(a.requires, b.requires)
    if set(b.conditions) < set(a.conditions):
        return covers(b.requires, a.requires)
    return covers(a.requires, b.requires) and covers(b.requires, a.requires)


def _guarded(group: FetchGroup, conditions: Conditions) -> SelectionSet:
    """The group's selection under the conditions it has beyond `conditions`."""
    extra = tuple(c for c in group.conditions if c not in conditions)
    if not extra:
        return group.selection
    inner = without_held(group.selection, extra)  # decided by the new directives
    wrapper = SelectionSet()
    for item in inner.items.values():
        # `... on T @skip(if: $x) { ... }` (as Apollo's planner writes it).
        if isinstance(item, FragmentItem):
            directives = item.directives + directives_for(extra)
            merge_into(wrapper.add_fragment(item.type_condition, directives).sub, item.sub)
        else:
            single = SelectionSet(items={("f", item.response_key, ""): item})
            merge_into(wrapper.add_fragment(None, directives_for(extra)).sub, single)
    return wrapper


def _selects_representation(parent: FetchGroup, group: FetchGroup) -> bool:
    """Does `parent` itself select, unconditionally, every representation field of `group`?"""
    if len(group.path) < len(parent.path) or group.path[: len(parent.path)] != parent.path:
        return False
    at = [parent.selection]
    for segment in group.path[len(parent.path) :]:
        if segment == "@":
            continue
        at = [
            item.sub
            for selection in at
            for item in flat_items(selection)
            if isinstance(item, FieldItem) and item.response_key == segment and item.sub
        ]
    return any(covers(selection, group.requires) for selection in at)


def _merge(alive: dict[int, FetchGroup], keep: FetchGroup, other: FetchGroup) -> None:
    placement = _placement(alive, keep, other)
    assert placement is not None
    keep.parent, keep.deps = placement
    common = tuple(c for c in keep.conditions if c in other.conditions)
    keep.selection = _guarded(keep, common)
    merge_into(keep.selection, _guarded(other, common))
    keep.conditions = common
    merge_into(keep.requires, other.requires)
    for conditions, representation in other.representations.items():
        merge_into(keep.representations.setdefault(conditions, SelectionSet()), representation)
    keep.input_rewrites += [r for r in other.input_rewrites if r not in keep.input_rewrites]
    keep.output_rewrites += [r for r in other.output_rewrites if r not in keep.output_rewrites]
    keep.context_rewrites += [r for r in other.context_rewrites if r not in keep.context_rewrites]
    keep.context_variables.update(other.context_variables)
    del alive[other.id]
    for group in alive.values():
        if other.id in group.deps:
            group.deps.discard(other.id)
            if group.id != keep.id:
                group.deps.add(keep.id)
        if group.parent == other.id:
            group.parent = keep.id
