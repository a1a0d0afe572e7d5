"""Denied fields under a selection, for objects that shaping never completes.

A field authorization removed gets its UNAUTHORIZED_FIELD_OR_TYPE error where it
would have been (docs/auth.md), whatever else happens: where its parent object is
null or missing (a failed fetch, a null parent, a value the schema refuses), the
error goes at the path down to that parent followed by the response keys below it,
without list indexes, as Apollo Router words paths of denied selections. These
helpers read the compiled selections only: with no object, no runtime type is
known, so every type condition may apply (`@skip`/`@include` still count).
"""

from __future__ import annotations

from collections.abc import Iterable

from supergraph.executor.selections import FieldSelection, Selections, included
from supergraph.types import Variables

RelativePath = tuple[str, ...]


def has_denied(selection_sets: Iterable[Selections]) -> bool:
    """Is any field below these selections denied (whatever the conditions)?"""
    for selections in selection_sets:
        for selection in selections:
            if isinstance(selection, FieldSelection):
                if selection.denied:
                    return True
                if selection.selections is not None and has_denied((selection.selections,)):
                    return True
            elif has_denied((selection.selections,)):
                return True
    return False


def denied_keys(selection_sets: Iterable[Selections], variables: Variables) -> list[RelativePath]:
    """The response-key paths of the denied fields below, each once, in document order.

    A response name is denied when every field collected under it is (as shaping
    decides); below an allowed one, its own denied fields count."""
    by_name: dict[str, list[FieldSelection]] = {}
    for selections in selection_sets:
        _collect(selections, variables, by_name, set())
    found: list[RelativePath] = []
    for name, fields in by_name.items():
        allowed = [f for f in fields if not f.denied]
        if not allowed:
            found.append((name,))
            continue
        subs = [f.selections for f in allowed if f.selections is not None]
        if subs:
            found += [(name, *below) for below in denied_keys(subs, variables)]
    return found


def _collect(
    selections: Selections,
    variables: Variables,
    out: dict[str, list[FieldSelection]],
    visited: set[str],
) -> None:
    for selection in selections:
        if selection.conditions and not included(selection.conditions, variables):
            continue
        if isinstance(selection, FieldSelection):
            out.setdefault(selection.response_name, []).append(selection)
            continue
        if selection.fragment is not None:
            if selection.fragment in visited:
                continue
            visited.add(selection.fragment)
        _collect(selection.selections, variables, out, visited)
