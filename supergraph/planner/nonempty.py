"""Subgraph operations never hold an empty selection set.

The walker adds a fragment (`... @include(if: $b)`, `... on T @skip(if: $b)`)
before planning what is inside it; when everything inside is fetched elsewhere
(from an ancestor entity, through another fetch), the fragment stays empty,
and `{}` is a syntax error for the subgraph. A fragment with nothing left in it
selects nothing and is left out; a field whose selection is left empty is
still resolved (the client asked for its value, null or not), so it asks for
`__typename`, the one field every composite type has; so does an operation
left with nothing at all.
"""

from __future__ import annotations

from dataclasses import replace

from supergraph.planner.selection import FragmentItem, SelectionSet


def without_empty(selection: SelectionSet) -> SelectionSet:
    """`selection`, or a copy of it without empty selection sets when it has any."""
    if not selection.is_empty() and not _has_empty(selection):
        return selection
    pruned = _pruned(selection)
    if pruned.is_empty():
        pruned.add_field("__typename", None, (), (), False, internal=True)
    return pruned


def _has_empty(selection: SelectionSet) -> bool:
    for item in selection.items.values():
        if item.sub is not None and (item.sub.is_empty() or _has_empty(item.sub)):
            return True
    return False


def _pruned(selection: SelectionSet) -> SelectionSet:
    out = SelectionSet()
    for key, item in selection.items.items():
        if item.sub is None:
            out.items[key] = item
            continue
        sub = _pruned(item.sub)
        if isinstance(item, FragmentItem):
            if not sub.is_empty():
                out.items[key] = FragmentItem(item.type_condition, item.directives, sub)
            continue
        if sub.is_empty():
            sub.add_field("__typename", None, (), (), False, internal=True)
        out.items[key] = replace(item, sub=sub)
    return out
