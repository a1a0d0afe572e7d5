"""Entity representations from `requires` selections, and fetch rewrites.

Each inline fragment at the top of `requires` is taken whole or not at all: an
entity fetch merged from parts under different `@skip`/`@include` lists the
representation fields of each part apart (as Apollo's plans do), and the
fields only a part whose conditions do not hold needs were never fetched. An
object is represented when at least one fragment that applies to it is
complete; a field outside the fragments is required of every object.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Final

import orjson

from supergraph.executor.merge import deep_merge
from supergraph.executor.typeinfo import PossibleTypes
from supergraph.planner.plan import (
    FetchRewrite,
    KeyRenamer,
    RequiresField,
    RequiresSelection,
    ValueSetter,
)
from supergraph.types import JSONObject

_TYPE_CONDITION = "... on "


class _Missing(Exception):
    """A required field is absent: this object cannot be represented."""


_ABSENT: Final = object()

# Leaf fields as (response name, field name), under a type condition (None: any type).
_FlatGroups = tuple[tuple[str | None, tuple[tuple[str, str], ...]], ...]


RepresentationBuilder = Callable[[JSONObject], "JSONObject | None"]
"""An object of the merged response -> its representation (None: cannot be represented)."""


def representation_builder(
    requires: tuple[RequiresSelection, ...], types: PossibleTypes
) -> RepresentationBuilder:
    """`build_representation` for one `requires`, specialised once per plan node.

    Keys are leaf fields under at most one level of type conditions in nearly every
    plan: those get a loop over precomputed names (it runs for every object of an
    entity fetch); anything else takes the general path.
    """
    flat = _flat_groups(requires)
    if flat is None:
        return functools.partial(build_representation, requires=requires, types=types)
    matches = types.matches
    if len(flat) > 1:
        return _alternatives_builder(flat, matches)

    def build(obj: JSONObject) -> JSONObject | None:
        typename = obj.get("__typename")
        representation: JSONObject = {}
        for condition, fields in flat:
            # The exact name first: nearly always it, and no call.
            if condition is not None and typename != condition and not matches(typename, condition):
                continue
            for response_name, name in fields:
                value = obj.get(response_name, _ABSENT)
                if value is _ABSENT:
                    return None
                representation[name] = value
        return representation if "__typename" in representation else None

    return build


def batch_representations(
    objects: list[JSONObject],
    build: RepresentationBuilder,
    input_rewrites: Sequence[FetchRewrite],
    types: PossibleTypes,
) -> tuple[list[JSONObject], list[JSONObject], list[int]]:
    """An entity fetch's distinct representations of `objects`, in first-seen order;
    and, for each object that has one, the object (targets) and the index of its
    representation (indexes). Parallel lists, not pairs: fewer objects for the GC."""
    representations: list[JSONObject] = []
    targets: list[JSONObject] = []
    indexes: list[int] = []
    index_of: dict[bytes, int] = {}
    # ~0.1 us for a typename and a key: half the cost of a tuple of its items (measured).
    dumps = orjson.dumps
    for obj in objects:
        representation = build(obj)
        if representation is None:
            continue
        if input_rewrites:
            apply_rewrites(representation, input_rewrites, types)
        key = dumps(representation)
        index = index_of.get(key)
        if index is None:
            index = len(representations)
            index_of[key] = index
            representations.append(representation)
        targets.append(obj)
        indexes.append(index)
    return representations, targets, indexes


def _alternatives_builder(
    flat: _FlatGroups, matches: Callable[[object, str], bool]
) -> RepresentationBuilder:
    """The builder for several groups: each fragment whole or not at all (with one,
    the loop above, which leaves an object out at its first missing field, agrees)."""

    def build(obj: JSONObject) -> JSONObject | None:
        typename = obj.get("__typename")
        representation: JSONObject = {}
        for condition, fields in flat:
            if condition is not None and not matches(typename, condition):
                continue
            part: JSONObject = {}
            for response_name, name in fields:
                value = obj.get(response_name, _ABSENT)
                if value is _ABSENT:
                    break
                part[name] = value
            else:
                representation.update(part)
                continue
            if condition is None:
                return None
        return representation if "__typename" in representation else None

    return build


def _flat_groups(requires: tuple[RequiresSelection, ...]) -> _FlatGroups | None:
    groups: list[tuple[str | None, tuple[tuple[str, str], ...]]] = []
    for selection in requires:
        if isinstance(selection, RequiresField):
            if selection.selections:
                return None
            groups.append((None, ((selection.response_name, selection.name),)))
            continue
        fields: list[tuple[str, str]] = []
        for inner in selection.selections:
            if not isinstance(inner, RequiresField) or inner.selections:
                return None
            fields.append((inner.response_name, inner.name))
        groups.append((selection.type_condition, tuple(fields)))
    return tuple(groups)


def build_representation(
    obj: JSONObject, requires: Sequence[RequiresSelection], types: PossibleTypes
) -> JSONObject | None:
    """The representation of `obj`, or None when it lacks required data.

    Values are read under the selection's response name and written under the
    field name, which is what the subgraph's `_entities` expects. An object
    without `__typename` in the result cannot be resolved and is skipped.
    """
    representation: JSONObject = {}
    for selection in requires:
        if isinstance(selection, RequiresField):
            try:
                representation[selection.name] = _field_value(obj, selection, types)
            except _Missing:
                return None
        elif types.matches(obj.get("__typename"), selection.type_condition):
            part: JSONObject = {}
            try:
                _select(obj, selection.selections, types, part)
            except _Missing:
                continue  # this alternative is incomplete; another may apply
            deep_merge(representation, part)
    if "__typename" not in representation:
        return None
    return representation


def _select(
    obj: JSONObject,
    selections: Sequence[RequiresSelection],
    types: PossibleTypes,
    out: JSONObject,
) -> None:
    for selection in selections:
        if isinstance(selection, RequiresField):
            out[selection.name] = _field_value(obj, selection, types)
        elif types.matches(obj.get("__typename"), selection.type_condition):
            _select(obj, selection.selections, types, out)


def _field_value(obj: JSONObject, selection: RequiresField, types: PossibleTypes) -> object:
    key = selection.response_name
    if key not in obj:
        raise _Missing(key)
    value = obj[key]
    if not selection.selections:
        return value
    return _sub_value(value, selection, types)


def _sub_value(value: object, selection: RequiresField, types: PossibleTypes) -> object:
    if isinstance(value, list):
        return [_sub_value(item, selection, types) for item in value]
    if isinstance(value, dict):
        nested: JSONObject = {}
        _select(value, selection.selections, types, nested)
        return nested
    return value


def apply_rewrites(
    value: JSONObject,
    rewrites: Sequence[FetchRewrite],
    types: PossibleTypes,
    typename: object = None,
) -> None:
    """Apply input or output rewrites to one representation or entity, in place.

    `typename`: the type of `value` itself when it carries no `__typename`. An
    entity answers `_entities { ... on T { ... } }`, which does not ask for it, yet
    its rewrites start at `... on T`: its representation's type says which it is.
    """
    for rewrite in rewrites:
        _rewrite(value, rewrite, 0, types, typename)


def _rewrite(
    value: object, rewrite: FetchRewrite, depth: int, types: PossibleTypes, typename: object
) -> None:
    if isinstance(value, list):
        for item in value:
            _rewrite(item, rewrite, depth, types, None)
        return
    if not isinstance(value, dict):
        return
    element = rewrite.path[depth]
    if element.startswith(_TYPE_CONDITION):
        actual = value.get("__typename", typename)
        matches = types.matches(actual, element[len(_TYPE_CONDITION) :])
        if matches and depth + 1 < len(rewrite.path):
            _rewrite(value, rewrite, depth + 1, types, typename)
        return
    if depth + 1 < len(rewrite.path):
        if element in value:
            _rewrite(value[element], rewrite, depth + 1, types, None)
        return
    if isinstance(rewrite, ValueSetter):
        value[element] = rewrite.value
    elif isinstance(rewrite, KeyRenamer) and element in value:
        # The client's key may already hold the same object from another type
        # condition: merge into it rather than replace it.
        deep_merge(value, {rewrite.rename_key_to: value.pop(element)})
