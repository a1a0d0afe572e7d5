"""Find the objects a Flatten node works on, with their client response paths."""

from __future__ import annotations

from typing import Final

from supergraph.executor.decoded_keys import decoded_key
from supergraph.executor.typeinfo import PossibleTypes
from supergraph.types import JSONObject, PlanPath

Located = tuple[JSONObject, tuple[str | int, ...]]
"""An object of the merged response and its concrete path (list indexes filled in)."""

_TYPE_CONDITION = "... on "
_TYPENAME_KEY: Final = decoded_key("__typename")
"""`__typename` to look up in decoded objects (decoded_keys.py)."""


def collect_objects(root: JSONObject, path: PlanPath, types: PossibleTypes) -> list[JSONObject]:
    """Every object at `path` ("@" = each list item); nulls and missing values skipped.

    Elements `... on T` (and Apollo Router's `field|[A,B]`) keep only objects of
    those types. Level by level and without paths: this runs for every entity
    fetch, `locate_objects` (with paths) only when errors need client paths.
    """
    objects: list[JSONObject] = [root]
    for element in path:
        if element == "@":
            continue  # lists are flattened at every step, so "@" needs no work
        if element.startswith(_TYPE_CONDITION):
            condition = element[len(_TYPE_CONDITION) :]
            objects = [o for o in objects if types.matches(o.get(_TYPENAME_KEY), condition)]
            continue
        name, conditions = _split_type_filter(element)
        name = decoded_key(name)
        found: list[JSONObject] = []
        for obj in objects:
            if conditions is not None and not any(
                types.matches(obj.get(_TYPENAME_KEY), c) for c in conditions
            ):
                continue
            value = obj.get(name)
            if type(value) is dict:
                found.append(value)
            elif type(value) is list:
                _flatten(value, found)
        objects = found
    return objects


def _flatten(values: list[object], out: list[JSONObject]) -> None:
    for value in values:
        if type(value) is dict:
            out.append(value)
        elif type(value) is list:
            _flatten(value, out)


def locate_objects(root: JSONObject, path: PlanPath, types: PossibleTypes) -> list[Located]:
    """`collect_objects` with each object's concrete response path, in the same order."""
    found: list[Located] = []
    _walk(root, path, 0, (), types, found)
    return found


def _walk(
    value: object,
    path: PlanPath,
    depth: int,
    at: tuple[str | int, ...],
    types: PossibleTypes,
    found: list[Located],
) -> None:
    if value is None:
        return
    if isinstance(value, list):
        # "@" steps into one list level; nested lists are flattened the same way.
        if depth < len(path) and path[depth] == "@":
            depth += 1
        for index, item in enumerate(value):
            _walk(item, path, depth, (*at, index), types, found)
        return
    if not isinstance(value, dict):
        return
    if depth == len(path):
        found.append((value, at))
        return
    element = path[depth]
    if element == "@":
        # A single object where a list was planned: treat it as a one-item list.
        _walk(value, path, depth + 1, at, types, found)
        return
    if element.startswith(_TYPE_CONDITION):
        if types.matches(value.get("__typename"), element[len(_TYPE_CONDITION) :]):
            _walk(value, path, depth + 1, at, types, found)
        return
    name, conditions = _split_type_filter(element)
    if conditions is not None and not any(
        types.matches(value.get("__typename"), condition) for condition in conditions
    ):
        return
    if name in value:
        _walk(value[name], path, depth + 1, (*at, name), types, found)


def _split_type_filter(element: str) -> tuple[str, tuple[str, ...] | None]:
    if "|" not in element:
        return element, None
    name, _, rest = element.partition("|")
    return name, tuple(t.strip() for t in rest.strip("[]").split(",") if t.strip())
