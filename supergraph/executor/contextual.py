"""Entity fetches with @fromContext arguments: one value per entity, one request.

The plan gives `contextRewrites`: paths from each entity up to the ancestor
holding the value (".." per field), then down to it. Entities are grouped by
their values; with one group the fetch goes as planned (the values are the
`contextualArgument_*` variables). With several, the same request asks one
aliased `_entities` per group (`_0`, `_1`, ...), each with its own
`$representations_<i>` and `$contextualArgument_*_<i>`, so every entity is
resolved with its own values; the answers are put back together as one
`_entities` list (and error paths likewise) before merging.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import orjson
from graphql import (
    FieldNode,
    NameNode,
    OperationDefinitionNode,
    VariableDefinitionNode,
    VariableNode,
    Visitor,
    parse,
    print_ast,
    visit,
)

from supergraph.executor.cache import memoize
from supergraph.executor.footprint import OBJECTS
from supergraph.executor.paths import locate_objects
from supergraph.executor.representations import RepresentationBuilder, apply_rewrites
from supergraph.executor.typeinfo import PossibleTypes
from supergraph.planner.plan import Fetch, KeyRenamer
from supergraph.types import JSONObject, PlanPath

_TYPE_CONDITION = "... on "
_UP = ".."
_ABSENT = object()


@dataclass(slots=True)
class ContextualBatch:
    """What to send, and how entity `i` of the combined answer maps to the objects."""

    operation: str
    variables: JSONObject
    targets: list[JSONObject] = field(default_factory=list)
    indexes: list[int] = field(default_factory=list)
    firsts: list[JSONObject] = field(default_factory=list)
    """The first object of each representation (for error paths)."""
    offsets: list[int] = field(default_factory=list)
    """Where each aliased `_entities` starts in the combined list (empty: not aliased)."""


def contextual_batch(
    data: JSONObject,
    fetch: Fetch,
    path: PlanPath,
    types: PossibleTypes,
    build: RepresentationBuilder,
) -> ContextualBatch | None:
    """Representations at `path` grouped by their context values; None when there are none."""
    variables = tuple(dict.fromkeys(r.rename_key_to for r in fetch.context_rewrites))
    groups: dict[bytes, tuple[JSONObject, list[JSONObject], dict[bytes, int]]] = {}
    placed: list[tuple[JSONObject, bytes, int]] = []
    for obj, at in locate_objects(data, path, types):
        representation = build(obj)
        if representation is None:
            continue
        if fetch.input_rewrites:
            apply_rewrites(representation, fetch.input_rewrites, types)
        values = context_values(data, at, fetch.context_rewrites, types)
        group_key = orjson.dumps([values.get(v) for v in variables])
        group = groups.get(group_key)
        if group is None:
            group = groups[group_key] = (values, [], {})
        _, representations, index_of = group
        key = orjson.dumps(representation)
        index = index_of.get(key)
        if index is None:
            index = index_of[key] = len(representations)
            representations.append(representation)
        placed.append((obj, group_key, index))
    if not placed:
        return None
    ordered = list(groups)
    offsets: dict[bytes, int] = {}
    total = 0
    for group_key in ordered:
        offsets[group_key] = total
        total += len(groups[group_key][1])
    if len(ordered) == 1:
        values, representations, _ = groups[ordered[0]]
        batch = ContextualBatch(
            fetch.operation,
            {**{v: values.get(v) for v in variables}, "representations": representations},
        )
    else:
        out: JSONObject = {}
        for i, group_key in enumerate(ordered):
            values, representations, _ = groups[group_key]
            out[f"representations_{i}"] = representations
            for v in variables:
                out[f"{v}_{i}"] = values.get(v)
        operation = aliased_operation(fetch.operation, variables, len(ordered))
        batch = ContextualBatch(operation, out, offsets=[offsets[k] for k in ordered])
    firsts: list[JSONObject | None] = [None] * total
    for obj, group_key, index in placed:
        position = offsets[group_key] + index
        batch.targets.append(obj)
        batch.indexes.append(position)
        if firsts[position] is None:
            firsts[position] = obj
    batch.firsts = [f for f in firsts if f is not None]
    return batch


def context_values(
    data: JSONObject,
    at: Sequence[str | int],
    rewrites: Sequence[KeyRenamer],
    types: PossibleTypes,
) -> JSONObject:
    """Each variable's value for the entity at `at`: the first rewrite path that finds one."""
    values: JSONObject = {}
    for rewrite in rewrites:
        name = rewrite.rename_key_to
        if name in values:
            continue
        value = _follow(data, at, rewrite.path, types)
        if value is not _ABSENT:
            values[name] = value
    return values


def _follow(
    data: JSONObject, at: Sequence[str | int], path: Sequence[str], types: PossibleTypes
) -> object:
    end = len(at)
    steps = 0
    while steps < len(path) and path[steps] == _UP:
        # One field up: past the list indexes after it, then the field itself.
        while end > 0 and isinstance(at[end - 1], int):
            end -= 1
        if end == 0:
            return _ABSENT
        end -= 1
        steps += 1
    value: object = data
    for element in at[:end]:
        if isinstance(element, int):
            value = value[element] if isinstance(value, list) and element < len(value) else None
        else:
            value = value.get(element) if isinstance(value, dict) else None
    for element in path[steps:]:
        if not isinstance(value, dict):
            return _ABSENT
        if element.startswith(_TYPE_CONDITION):
            if not types.matches(value.get("__typename"), element[len(_TYPE_CONDITION) :]):
                return _ABSENT
            continue
        value = value.get(element, _ABSENT)
        if value is _ABSENT:
            return _ABSENT
    return value


# Keyed by a subgraph operation text (client literals included) and the result is
# `count` copies of it: bounded by bytes, not only by entries.
@memoize(max_entries=256, max_bytes=4 << 20, weigh=OBJECTS.of)
def aliased_operation(operation: str, variables: tuple[str, ...], count: int) -> str:
    """`_entities` once per group: `_<i>: _entities(representations: $representations_<i>)`,
    with the contextual variables renamed `<name>_<i>` inside it."""
    document = parse(operation, no_location=True)
    definition = document.definitions[0]
    assert isinstance(definition, OperationDefinitionNode)
    renamed = frozenset((*variables, "representations"))
    definitions: list[VariableDefinitionNode] = []
    for node in definition.variable_definitions or ():
        name = node.variable.name.value
        if name not in renamed:
            definitions.append(node)
            continue
        for i in range(count):
            variable = VariableNode(name=NameNode(value=f"{name}_{i}"))
            definitions.append(
                VariableDefinitionNode(
                    variable=variable,
                    type=node.type,
                    default_value=node.default_value,
                    directives=node.directives,
                )
            )
    (entities,) = definition.selection_set.selections
    assert isinstance(entities, FieldNode)
    fields = []
    for i in range(count):
        copy = visit(entities, _Suffix(renamed, i))
        assert isinstance(copy, FieldNode)
        fields.append(
            FieldNode(
                alias=NameNode(value=f"_{i}"),
                name=copy.name,
                arguments=copy.arguments,
                directives=copy.directives,
                selection_set=copy.selection_set,
            )
        )
    selection_set = definition.selection_set.__class__(selections=tuple(fields))
    rewritten = OperationDefinitionNode(
        operation=definition.operation,
        name=definition.name,
        variable_definitions=tuple(definitions),
        directives=definition.directives,
        selection_set=selection_set,
    )
    return print_ast(rewritten)


class _Suffix(Visitor):
    def __init__(self, names: frozenset[str], index: int) -> None:
        super().__init__()
        self.names = names
        self.index = index

    def enter_variable(self, node: VariableNode, *_: object) -> VariableNode | None:
        if node.name.value not in self.names:
            return None
        return VariableNode(name=NameNode(value=f"{node.name.value}_{self.index}"))


def combined_response(response: JSONObject, batch: ContextualBatch) -> JSONObject:
    """The aliased answers as one `_entities` list, error paths renumbered the same way."""
    if not batch.offsets:
        return response
    data = response.get("data")
    entities: list[object] = []
    total = len(batch.firsts)
    if isinstance(data, dict):
        for i, start in enumerate(batch.offsets):
            end = batch.offsets[i + 1] if i + 1 < len(batch.offsets) else total
            part = data.get(f"_{i}")
            items = part if isinstance(part, list) else []
            entities.extend(items[: end - start])
            entities.extend([None] * (end - start - len(items[: end - start])))
    errors = response.get("errors")
    out: JSONObject = {"data": {"_entities": entities} if isinstance(data, dict) else data}
    if isinstance(errors, list):
        out["errors"] = [_renumbered(error, batch.offsets) for error in errors]
    return out


def _renumbered(error: object, offsets: list[int]) -> object:
    if not isinstance(error, dict):
        return error
    path = error.get("path")
    if not isinstance(path, list) or len(path) < 2 or not isinstance(path[0], str):
        return error
    alias, index = path[0], path[1]
    if not alias.startswith("_") or not alias[1:].isdigit() or not isinstance(index, int):
        return error
    group = int(alias[1:])
    if group >= len(offsets):
        return error
    return {**error, "path": ["_entities", offsets[group] + index, *path[2:]]}
