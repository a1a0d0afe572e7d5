"""A last check on each fetch: every alias only its subgraph query needs is renamed back.

A value the subgraph answers under such an alias (a shape alias, a renamed client
field: `FieldItem.own_key`) is read by nobody under it. Without the fetch's
`KeyRenamer` the client's field or a representation would silently get nothing, a
null without an error; a planner bug of that kind fails planning instead.
"""

from __future__ import annotations

from supergraph.planner.errors import PlanningError
from supergraph.planner.groups import FetchGroup
from supergraph.planner.plan import KeyRenamer
from supergraph.planner.selection import FieldItem, SelectionSet


def check_restored(group: FetchGroup) -> None:
    """Raise PlanningError naming the first alias `group` does not rename back."""
    restores = {
        (rewrite.path, rewrite.rename_key_to)
        for rewrite in group.output_rewrites
        if isinstance(rewrite, KeyRenamer)
    }
    missing = _unrestored(group.selection, (), restores)
    if missing:
        path, own_key = missing[0]
        raise PlanningError(
            f'internal error: the fetch to "{group.service}" answers '
            f'"{".".join(path)}" under an alias it does not rename back to "{own_key}"'
        )


def _unrestored(
    selection: SelectionSet,
    at: tuple[str, ...],
    restores: set[tuple[tuple[str, ...], str]],
) -> list[tuple[tuple[str, ...], str]]:
    found: list[tuple[tuple[str, ...], str]] = []
    for item in selection.items.values():
        if not isinstance(item, FieldItem):
            # Only a type condition is a step of a rewrite's path.
            inner = (*at, f"... on {item.type_condition}") if item.type_condition else at
            found += _unrestored(item.sub, inner, restores)
            continue
        path = (*at, item.response_key)
        own_key = item.own_key
        if own_key is not None and own_key != item.response_key and (path, own_key) not in restores:
            found.append((path, own_key))
        if item.sub is not None:
            found += _unrestored(item.sub, path, restores)
    return found
