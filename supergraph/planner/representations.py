"""The representation fields an entity fetch sends: one fragment, or alternatives.

An entity fetch may hold parts under different `@skip`/`@include` (the walker
reuses a fetch open at the same place; optimize/merge_siblings.py merges
fetches). Each part's representation fields (key and `@requires` inputs) were fetched under the
part's conditions, so they are in the response only when those hold. When a
conditional part needs fields the parts that always run do not, one fragment
with all of them would leave every object out while that part is off, and the
parts that do run would lose their entities (`... on T @include(if: $b) {
relatedReviews }` beside an unconditional `reviewCount`). The fetch then lists
the representation of the conditional part as a fragment of its own, after
the one of the parts that always run; the executor takes each fragment whole
or not at all (executor/representations.py), as Apollo's plans do.
"""

from __future__ import annotations

import copy

from supergraph.planner.groups import Conditions, FetchGroup
from supergraph.planner.selection import FieldItem, SelectionSet, covers, merge_into


def representation_alternatives(group: FetchGroup, held: Conditions) -> list[SelectionSet]:
    """The fragments of `group`'s representation, for the fetch run under `held`."""
    if len(group.representations) <= 1:
        return [group.requires]
    running = frozenset(held)
    always = SelectionSet()
    others: list[tuple[frozenset[tuple[str, bool]], SelectionSet]] = []
    for conditions, selection in group.representations.items():
        if conditions <= running:
            merge_into(always, copy.deepcopy(selection))
        else:
            others.append((conditions, selection))
    kept: list[tuple[frozenset[tuple[str, bool]], SelectionSet]] = []
    if not always.is_empty():
        kept.append((frozenset(), always))
    for conditions, selection in sorted(others, key=lambda o: len(o[0])):
        # Not needed when a kept fragment has the same fields, or more and is
        # complete whenever this one is (it runs under fewer conditions).
        if not any(
            _covers(have, selection) and (under <= conditions or _covers(selection, have))
            for under, have in kept
        ):
            kept.append((conditions, selection))
    if len(kept) == 1:
        return [group.requires]
    return [selection for _, selection in kept]


def _covers(have: SelectionSet, wanted: SelectionSet) -> bool:
    """Does `have` hold every field of `wanted`, type condition by type condition?"""
    for key, item in wanted.items.items():
        mine = have.items.get(key)
        if isinstance(item, FieldItem):
            single = SelectionSet(items={key: item})
            if not covers(have, single):
                return False
        elif mine is None or mine.sub is None or not covers(mine.sub, item.sub):
            return False
    return True
