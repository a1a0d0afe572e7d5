"""Optimisation pass: merge fetches to the same subgraph at the same path.

The walker sometimes opens two entity fetches where one would do (a
`@requires` fetch may not reuse a fetch others already wait for, to rule out
cycles while it is still being planned; jumps from two different fetches
land at the same place). Once the graph is complete, two fetches with the
same subgraph and path are merged when merging creates no cycle and one of
their parents comes after the other (the merged fetch is placed under it).
"""

from __future__ import annotations

from itertools import combinations

from supergraph.planner.groups import FetchGroup
from supergraph.planner.selection import (
    FieldItem,
    FragmentItem,
    SelectionSet,
    representation_conflict,
)


def merge_siblings(groups: list[FetchGroup]) -> list[FetchGroup]:
    """The groups after merging; merged-away groups are dropped, ids are kept."""
    alive = {g.id: g for g in groups}
    changed = True
    while changed:
        changed = False
        buckets: dict[tuple[str, tuple[str, ...], int | None], list[FetchGroup]] = {}
        for group in alive.values():
            if group.is_entity:
                buckets.setdefault((group.service, group.path, None), []).append(group)
        for bucket in buckets.values():
            for keep, other in combinations(bucket, 2):
                if _can_merge(alive, keep, other):
                    _merge(alive, keep, other)
                    changed = True
                    break
            if changed:
                break
    return [g for g in groups if g.id in alive]


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
    if keep.conditions != other.conditions:
        return False
    if _later_parent(alive, keep, other) is None:
        return False
    merged = {keep.id, other.id}
    for dep in (keep.deps | other.deps) - merged:
        if dep in merged or merged & _ancestry(alive, dep):
            return False  # something the merged fetch waits for waits for it
    if representation_conflict(keep.requires, other.requires):
        return False
    return _compatible(keep.selection, other.selection) and _compatible(
        keep.requires, other.requires
    )


def _compatible(a: SelectionSet, b: SelectionSet) -> bool:
    for key, item in b.items.items():
        mine = a.items.get(key)
        if mine is None:
            continue
        match item:
            case FieldItem():
                if not isinstance(mine, FieldItem) or not mine.same_field(
                    item.name, item.arguments
                ):
                    return False
                if (
                    mine.sub is not None
                    and item.sub is not None
                    and not _compatible(mine.sub, item.sub)
                ):
                    return False
            case FragmentItem():
                if not isinstance(mine, FragmentItem) or not _compatible(mine.sub, item.sub):
                    return False
    return True


def merge_into(target: SelectionSet, source: SelectionSet) -> None:
    for key, item in source.items.items():
        mine = target.items.get(key)
        if mine is None:
            target.items[key] = item
            continue
        match item:
            case FieldItem():
                assert isinstance(mine, FieldItem)
                mine.internal = mine.internal and item.internal
                if item.sub is not None:
                    if mine.sub is None:
                        mine.sub = SelectionSet()
                    merge_into(mine.sub, item.sub)
            case FragmentItem():
                assert isinstance(mine, FragmentItem)
                merge_into(mine.sub, item.sub)


def _merge(alive: dict[int, FetchGroup], keep: FetchGroup, other: FetchGroup) -> None:
    keep.parent = _later_parent(alive, keep, other)
    merge_into(keep.selection, other.selection)
    merge_into(keep.requires, other.requires)
    keep.deps |= other.deps - {keep.id, other.id}
    keep.input_rewrites += [r for r in other.input_rewrites if r not in keep.input_rewrites]
    keep.output_rewrites += [r for r in other.output_rewrites if r not in keep.output_rewrites]
    del alive[other.id]
    for group in alive.values():
        if other.id in group.deps:
            group.deps.discard(other.id)
            if group.id != keep.id:
                group.deps.add(keep.id)
        if group.parent == other.id:
            group.parent = keep.id
