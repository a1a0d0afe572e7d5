"""The operation's selections at each object of a response, for recognisers.

``selections_by_path(schema, document, operation_name, variables, data)`` walks
``data`` along the operation as execution builds it and returns, for the path
of every object in ``data`` (``()`` for the root), what the operation selects
there: each response key with its field nodes, the type each was selected on,
and whether its ``@skip``/``@include`` conditions (its own and those of the
fragments around it) include it. Unlike execution it keeps the excluded
selections too: a recogniser asks "was a field skipped here?".

The runtime type of an object comes from its ``__typename`` when it has one,
else from the static type when that is an object type; fragments on other
types are then left out, and with no runtime type known every fragment counts.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    NamedTypeNode,
    SelectionSetNode,
)

from tests.kit.operation_parts import fragments_of, is_included, operation_named, variable_values

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Selected:
    """One field node selected under a response key."""

    node: FieldNode
    parent_type: GraphQLNamedType
    included: bool
    conditions: tuple[str, ...] = ()
    """The type conditions of the fragments around it, outermost first."""
    position: int = 0
    """Its place among the field nodes collected on the object (operation order)."""


@dataclass(slots=True)
class ObjectSelections:
    """What the operation selects on one object of the response."""

    static_type: GraphQLNamedType
    runtime_type: GraphQLNamedType | None
    keys: dict[str, list[Selected]] = field(default_factory=dict)

    def included_keys(self) -> list[str]:
        """Response keys in the order execution collects them: by the first appearance
        of a node that is included (a skipped earlier one does not count)."""
        first = {
            key: min(s.position for s in nodes if s.included)
            for key, nodes in self.keys.items()
            if any(s.included for s in nodes)
        }
        return sorted(first, key=first.__getitem__)

    def excluded_fields(self) -> list[Selected]:
        """Field nodes a condition leaves out here (their key may still be in by another)."""
        return [s for nodes in self.keys.values() for s in nodes if not s.included]


def selections_by_path(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    data: Any,
) -> dict[Path, ObjectSelections]:
    operation = operation_named(document, operation_name)
    root = schema.get_root_type(operation.operation) if operation else None
    if operation is None or root is None or not isinstance(data, dict):
        return {}
    values = variable_values(schema, operation, variables)
    fragments = fragments_of(document)
    walk = _Walk(schema, fragments, values)
    walk.object(root, [(operation.selection_set, True)], data, ())
    return walk.found


def value_at(data: Any, path: Path) -> Any:
    """The value at ``path`` (None when the path leaves the data)."""
    for key in path:
        if isinstance(key, int) and isinstance(data, list) and 0 <= key < len(data):
            data = data[key]
        elif isinstance(key, str) and isinstance(data, dict):
            data = data.get(key)
        else:
            return None
    return data


def objects(data: Any, path: Path = ()) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Every object in ``data`` with its path, parents first."""
    if isinstance(data, dict):
        yield path, data
        for key, value in data.items():
            yield from objects(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from objects(value, (*path, index))


class _Walk:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.found: dict[Path, ObjectSelections] = {}

    def object(
        self,
        static: GraphQLNamedType,
        sets: list[tuple[SelectionSetNode, bool]],
        value: dict[str, Any],
        path: Path,
    ) -> None:
        runtime = self.runtime(static, value)
        selections = ObjectSelections(static, runtime)
        for selection_set, included in sets:
            known = runtime is not None
            self.collect(runtime or static, known, selection_set, included, selections, set())
        self.found[path] = selections
        for key, nodes in selections.keys.items():
            if key not in value:
                continue
            first = nodes[0]
            field_type = self.field_type(first.parent_type, first.node.name.value)
            if field_type is None:
                continue
            subs = [(s.node.selection_set, s.included) for s in nodes if s.node.selection_set]
            if subs:
                self.value(field_type, subs, value[key], (*path, key))

    def value(
        self,
        gql_type: GraphQLOutputType,
        sets: list[tuple[SelectionSetNode, bool]],
        value: Any,
        path: Path,
    ) -> None:
        if isinstance(gql_type, GraphQLNonNull):
            gql_type = gql_type.of_type
        if isinstance(gql_type, GraphQLList):
            if isinstance(value, list):
                for index, item in enumerate(value):
                    self.value(gql_type.of_type, sets, item, (*path, index))
            return
        if isinstance(value, dict):
            self.object(gql_type, sets, value, path)

    def runtime(
        self, static: GraphQLNamedType, value: Mapping[str, Any]
    ) -> GraphQLNamedType | None:
        if isinstance(static, GraphQLObjectType):
            return static
        typename = value.get("__typename")
        found = self.schema.get_type(typename) if isinstance(typename, str) else None
        return found if isinstance(found, GraphQLObjectType) else None

    def field_type(self, parent: GraphQLNamedType, name: str) -> GraphQLOutputType | None:
        fields = getattr(parent, "fields", None)
        gql_field = fields.get(name) if fields else None
        return gql_field.type if gql_field is not None else None

    def collect(
        self,
        parent: GraphQLNamedType,
        known: bool,
        selection_set: SelectionSetNode,
        included: bool,
        out: ObjectSelections,
        visited: set[str],
        around: tuple[str, ...] = (),
    ) -> None:
        for selection in selection_set.selections:
            inner_included = included and is_included(selection, self.variables)
            condition: NamedTypeNode | None
            if isinstance(selection, FieldNode):
                key = (selection.alias or selection.name).value
                position = sum(len(nodes) for nodes in out.keys.values())
                selected = Selected(selection, parent, inner_included, around, position)
                out.keys.setdefault(key, []).append(selected)
                continue
            # A spread's fragment is visited once per branch (no cycles), but a second
            # spread of it beside the first (under other directives) counts too.
            branch = visited
            if isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is None or selection.name.value in visited:
                    continue
                branch = {*visited, selection.name.value}
                condition, inner = fragment.type_condition, fragment.selection_set
            else:
                assert isinstance(selection, InlineFragmentNode)
                condition, inner = selection.type_condition, selection.selection_set
            target = parent if condition is None else self.schema.get_type(condition.name.value)
            if target is None:
                continue
            if known and not self.applies(target, parent):
                continue
            self.collect(
                parent if known else target,
                known,
                inner,
                inner_included,
                out,
                branch,
                around if condition is None else (*around, condition.name.value),
            )

    def applies(self, condition: GraphQLNamedType, runtime: GraphQLNamedType) -> bool:
        if condition is runtime:
            return True
        if isinstance(condition, GraphQLInterfaceType | GraphQLUnionType) and isinstance(
            runtime, GraphQLObjectType
        ):
            return self.schema.is_sub_type(condition, runtime)
        return False
