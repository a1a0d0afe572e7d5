"""Entity representations from `requires` selections, and fetch rewrites.

Each inline fragment at the top of `requires` is taken whole or not at all: an
entity fetch merged from parts under different `@skip`/`@include` lists the
representation fields of each part apart (as Apollo's plans do), and the
fields only a part whose conditions do not hold needs were never fetched. An
object is represented when at least one fragment that applies to it is
complete; a field outside the fragments is required of every object.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import orjson

from supergraph.executor.decoded_keys import decoded_key
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


_ABSENT: Final = object()
_TYPENAME_FIELD: Final = ("__typename", "__typename")
_TYPENAME_KEY: Final = decoded_key("__typename")
"""`__typename` to look up in decoded objects (decoded_keys.py)."""

# Leaf fields as (response name, field name), under a type condition (None: any type).
_FlatGroups = tuple[tuple[str | None, tuple[tuple[str, str], ...]], ...]


class RepresentationBuilder:
    """An object of the merged response -> its representation (None: cannot be
    represented), specialised once per `requires` (`representation_builder`)."""

    def __call__(self, obj: JSONObject) -> JSONObject | None:
        return self.build(obj)

    def build(self, obj: JSONObject) -> JSONObject | None:
        raise NotImplementedError

    def batch(
        self,
        objects: list[JSONObject],
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
            representation = self.build(obj)
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


def representation_builder(
    requires: tuple[RequiresSelection, ...], types: PossibleTypes
) -> RepresentationBuilder:
    """The builder for one `requires`, made once per plan node.

    Keys are leaf fields under at most one level of type conditions in nearly every
    plan: those get a loop over precomputed names (it runs for every object of an
    entity fetch); anything else takes the general path.
    """
    flat = _flat_groups(requires)
    if flat is None:
        return _GeneralBuilder(requires, types)
    if all(condition is None for condition, _ in flat):
        # Top-level fields only (`__typename id`): every one is required, as in one group.
        fields = tuple(field for _, group in flat for field in group)
        return _FlatBuilder(None, fields, types)
    if len(flat) > 1:
        return _AlternativesBuilder(flat, types)
    condition, fields = flat[0]
    return _FlatBuilder(condition, fields, types)


class _Selection:
    """A `requires` selection compiled for the builder: a field, or (with a condition) an
    inline fragment. The planner's dataclasses are interpreted; these are native."""

    def __init__(
        self,
        response_name: str,
        name: str,
        condition: str | None,
        selections: tuple[_Selection, ...],
    ) -> None:
        self.response_name = decoded_key(response_name)
        self.name = name
        self.condition = condition
        self.selections = selections


def _compiled(requires: Sequence[RequiresSelection]) -> tuple[_Selection, ...]:
    compiled: list[_Selection] = []
    for selection in requires:
        if isinstance(selection, RequiresField):
            compiled.append(
                _Selection(
                    selection.response_name,
                    selection.name,
                    None,
                    _compiled(selection.selections),
                )
            )
        else:
            compiled.append(
                _Selection("", "", selection.type_condition, _compiled(selection.selections))
            )
    return tuple(compiled)


class _GeneralBuilder(RepresentationBuilder):
    """Any `requires` (nested fields, lists, nested fragments): each inline fragment
    whole or not at all, a missing field told by `_ABSENT`, not an exception (raised
    over the planner's interpreted dataclasses, it was 17% of the instructions of the
    bench's @requires query, served)."""

    def __init__(self, requires: tuple[RequiresSelection, ...], types: PossibleTypes) -> None:
        self.selections = _compiled(requires)
        self.types = types

    def build(self, obj: JSONObject) -> JSONObject | None:
        representation: JSONObject = {}
        typename = obj.get(_TYPENAME_KEY)
        for selection in self.selections:
            condition = selection.condition
            if condition is None:
                value = self.value(obj, selection)
                if value is _ABSENT:
                    return None
                representation[selection.name] = value
            elif self.types.matches(typename, condition):
                part: JSONObject = {}
                if not self.select(obj, selection.selections, part):
                    continue  # this alternative is incomplete; another may apply
                if representation:
                    deep_merge(representation, part)
                else:
                    representation = part  # what merging into {} would copy
        return representation if "__typename" in representation else None

    def select(self, obj: JSONObject, selections: tuple[_Selection, ...], out: JSONObject) -> bool:
        """Whether every field was there."""
        for selection in selections:
            condition = selection.condition
            if condition is None:
                value = self.value(obj, selection)
                if value is _ABSENT:
                    return False
                out[selection.name] = value
            elif self.types.matches(obj.get(_TYPENAME_KEY), condition) and not self.select(
                obj, selection.selections, out
            ):
                return False
        return True

    def value(self, obj: JSONObject, selection: _Selection) -> object:
        value = obj.get(selection.response_name, _ABSENT)
        if value is _ABSENT or not selection.selections:
            return value
        return self.sub_value(value, selection)

    def sub_value(self, value: object, selection: _Selection) -> object:
        if isinstance(value, list):
            items: list[object] = []
            for item in value:
                completed = self.sub_value(item, selection)
                if completed is _ABSENT:
                    return _ABSENT
                items.append(completed)
            return items
        if isinstance(value, dict):
            nested: JSONObject = {}
            if not self.select(value, selection.selections, nested):
                return _ABSENT
            return nested
        return value


class _FlatBuilder(RepresentationBuilder):
    """Leaf fields under at most one type condition: the key of nearly every entity."""

    def __init__(
        self, condition: str | None, fields: tuple[tuple[str, str], ...], types: PossibleTypes
    ) -> None:
        self.condition = condition
        fields = tuple((decoded_key(response_name), name) for response_name, name in fields)
        self.fields = fields
        self.types = types
        names = [name for _, name in fields]
        typename_fields = [i for i, field in enumerate(fields) if field == _TYPENAME_FIELD]
        # De-duplicated by their values when those are strings (nearly always: a
        # typename and an ID) instead of by their JSON: no dumps, and a duplicate builds
        # no dict. The same partition as the JSON's when every name is distinct and the
        # typename read once (`batch`).
        self.keyed_by_values = len(typename_fields) == 1 and len(set(names)) == len(names)
        self.typename_at = typename_fields[0] if typename_fields else -1
        self.names = tuple(names)
        self.other_response_names = tuple(
            response_name for response_name, _ in fields if response_name != "__typename"
        )

    def build(self, obj: JSONObject) -> JSONObject | None:
        condition = self.condition
        # The exact name first: nearly always it, and no call.
        if condition is not None:
            typename = obj.get(_TYPENAME_KEY)
            if typename != condition and not self.types.matches(typename, condition):
                return None
        representation: JSONObject = {}
        for response_name, name in self.fields:
            value = obj.get(response_name, _ABSENT)
            if value is _ABSENT:
                return None
            representation[name] = value
        return representation if "__typename" in representation else None

    def batch(
        self,
        objects: list[JSONObject],
        input_rewrites: Sequence[FetchRewrite],
        types: PossibleTypes,
    ) -> tuple[list[JSONObject], list[JSONObject], list[int]]:
        if input_rewrites or not self.keyed_by_values:
            return RepresentationBuilder.batch(self, objects, input_rewrites, types)
        representations: list[JSONObject] = []
        targets: list[JSONObject] = []
        indexes: list[int] = []
        # Keys of three kinds that never compare equal, so one map holds them all:
        # - the type is the condition: its other values, the value itself when one
        #   (a string's hash is kept; a tuple's is not, and costs a compare more);
        # - any other type: a tuple one longer, its name first;
        # - a value not a string: the JSON bytes.
        index_of: dict[object, int] = {}
        condition = self.condition
        other_response_names = self.other_response_names
        single = len(other_response_names) == 1
        for obj in objects:
            typename = obj.get(_TYPENAME_KEY, _ABSENT)
            if typename is _ABSENT:
                continue
            if type(typename) is str:
                strings = True
                # Compiled, two strs compare as such: a generic rich compare costs 4x.
                exact = condition is not None and typename == condition
            else:
                strings = False
                exact = typename == condition
            if not exact and condition is not None and not self.types.matches(typename, condition):
                continue
            values: list[object] = []
            for response_name in other_response_names:
                value = obj.get(response_name, _ABSENT)
                if value is _ABSENT:
                    break
                if type(value) is not str:
                    strings = False
                values.append(value)
            else:
                representation: JSONObject | None = None
                if not strings:
                    representation = self.representation(typename, values)
                    key: object = orjson.dumps(representation)
                elif not exact:
                    key = (typename, *values)
                elif single:
                    key = values[0]
                else:
                    key = tuple(values)
                index = index_of.get(key)
                if index is None:
                    if representation is None:
                        representation = self.representation(typename, values)
                    index = len(representations)
                    index_of[key] = index
                    representations.append(representation)
                targets.append(obj)
                indexes.append(index)
        return representations, targets, indexes

    def representation(self, typename: object, others: list[object]) -> JSONObject:
        """The fields in their order, from the typename and the values of the others."""
        representation: JSONObject = {}
        typename_at = self.typename_at
        other = 0
        for i, name in enumerate(self.names):
            if i == typename_at:
                representation[name] = typename
            else:
                representation[name] = others[other]
                other += 1
        return representation


class _AlternativesBuilder(RepresentationBuilder):
    """Several groups: each fragment whole or not at all (with one, the flat builder,
    which leaves an object out at its first missing field, agrees)."""

    def __init__(self, flat: _FlatGroups, types: PossibleTypes) -> None:
        self.flat = flat
        self.types = types

    def build(self, obj: JSONObject) -> JSONObject | None:
        typename = obj.get(_TYPENAME_KEY)
        representation: JSONObject = {}
        for condition, fields in self.flat:
            if condition is not None and not self.types.matches(typename, condition):
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
    obj: JSONObject, requires: tuple[RequiresSelection, ...], types: PossibleTypes
) -> JSONObject | None:
    """The representation of `obj`, or None when it lacks required data: the general
    builder's rules, which every specialised builder must agree with (tests).

    Values are read under the selection's response name and written under the
    field name, which is what the subgraph's `_entities` expects. An object
    without `__typename` in the result cannot be resolved and is skipped.
    """
    return _GeneralBuilder(requires, types).build(obj)


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
