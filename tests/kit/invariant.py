"""The response invariant: a null where the schema says non-null always comes with an error.

    violations(schema, document, operation_name, variables, body) -> list[str]
    assert_invariant(schema, document, operation_name, variables, body)

GraphQL (and DESIGN.md's contract) allows a null in a non-null position only as
the result of a field error, which must then be in `errors`; null propagation
moves such a null up to the nearest nullable parent, up to `data` itself. So a
response breaks the invariant when it has no error at all and yet:

- has no `data`, or `data` is null;
- holds a null (or misses a field) where the schema says non-null.

The second needs the operation: `data` is walked along the selection as
execution would build it (fragments, aliases, `@skip`/`@include` with the
variables and their defaults, the runtime type of abstract fields from
`__typename`). Where an abstract field's object has no `__typename`, fields of
type-conditioned fragments are checked when present (validation guarantees
that one response name has one nullability, whatever the runtime type).

Responses with errors hold the invariant by definition: the walk only runs on
error-free ones, which keeps it cheap enough for every response of a suite.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
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
    parse,
)
from graphql.type import SchemaMetaFieldDef, TypeMetaFieldDef, TypeNameMetaFieldDef

from tests.kit.operation_parts import fragments_of, is_included, operation_named, variable_values

Path = tuple[str | int, ...]


def assert_invariant(
    schema: GraphQLSchema,
    document: str | DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    body: Mapping[str, Any],
) -> None:
    """Raise AssertionError naming each null without an error (see `violations`)."""
    found = violations(schema, document, operation_name, variables, body)
    if found:
        shown = "\n  ".join(found)
        raise AssertionError(
            f"response invariant broken (null without an error):\n  {shown}\n{body}"
        )


def violations(
    schema: GraphQLSchema,
    document: str | DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    body: Mapping[str, Any],
) -> list[str]:
    """What breaks the invariant in `body` (empty: it holds)."""
    errors = body.get("errors")
    if isinstance(errors, list) and errors:
        return []
    if body.get("data") is None:
        return ["data is null (or absent) and there are no errors"]
    data = body["data"]
    try:
        parsed = parse(document) if isinstance(document, str) else document
    except GraphQLError as error:
        return [f"data without errors for a document that does not parse: {error.message}"]
    operation = operation_named(parsed, operation_name)
    if operation is None:
        return [f"data without errors, but no operation {operation_name!r} in the document"]
    root = schema.get_root_type(operation.operation)
    if root is None or not isinstance(data, dict):
        return [f"data is {type(data).__name__}, not an object of a root type the schema has"]
    walk = _Walk(schema, fragments_of(parsed), variable_values(schema, operation, variables))
    walk.walk_object(root, [(operation.selection_set, True)], data, ())
    return walk.found


Selections = Sequence[tuple[SelectionSetNode, bool]]
"""Selection sets, each with whether it certainly applies (False: it came from a
fragment the object, or one of its parents, may not be of)."""


@dataclass(frozen=True, slots=True)
class _Collected:
    """One response name: its field nodes, each with whether it certainly applies,
    and the type the first was selected on (all agree on nullability: validation's
    same-response-shape rule)."""

    nodes: list[tuple[FieldNode, bool]]
    parent: GraphQLNamedType

    @property
    def certain(self) -> bool:
        return any(certain for _, certain in self.nodes)


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
        self.found: list[str] = []

    def walk_object(
        self,
        static: GraphQLNamedType,
        selection_sets: Selections,
        value: Mapping[str, Any],
        path: Path,
    ) -> None:
        runtime = self._runtime(static, value)
        collected: dict[str, _Collected] = {}
        for selection_set, certain in selection_sets:
            known = certain and runtime is not None
            self._collect(runtime or static, known, selection_set, collected, set())
        for key, entry in collected.items():
            name = entry.nodes[0][0].name.value
            field = self._field(entry.parent, name)
            if field is None or name == "__typename":
                continue
            if key not in value and not entry.certain:
                continue  # a fragment on a type the object may not be
            subs = [(n.selection_set, c) for n, c in entry.nodes if n.selection_set is not None]
            self.walk_value(field.type, value.get(key), subs, (*path, key))

    def walk_value(
        self,
        field_type: GraphQLOutputType,
        value: object,
        selection_sets: Selections,
        path: Path,
    ) -> None:
        if isinstance(field_type, GraphQLNonNull):
            if value is None:
                shown = ".".join(str(k) for k in path)
                self.found.append(f"{shown}: null where the schema says {field_type}")
                return
            field_type = field_type.of_type
        if value is None:
            return
        if isinstance(field_type, GraphQLList):
            if isinstance(value, list):
                for index, item in enumerate(value):
                    self.walk_value(field_type.of_type, item, selection_sets, (*path, index))
            return
        if selection_sets and isinstance(value, dict):
            self.walk_object(field_type, selection_sets, value, path)

    def _runtime(
        self, static: GraphQLNamedType, value: Mapping[str, Any]
    ) -> GraphQLNamedType | None:
        """The object's type, when known: `static` itself, or what `__typename` names."""
        if isinstance(static, GraphQLObjectType):
            return static
        typename = value.get("__typename")
        found = self.schema.get_type(typename) if isinstance(typename, str) else None
        if (
            isinstance(found, GraphQLObjectType)
            and isinstance(static, GraphQLInterfaceType | GraphQLUnionType)
            and self.schema.is_sub_type(static, found)
        ):
            return found
        return None

    def _collect(
        self,
        parent: GraphQLNamedType,
        certain: bool,
        selection_set: SelectionSetNode,
        out: dict[str, _Collected],
        visited: set[str],
    ) -> None:
        for selection in selection_set.selections:
            if not is_included(selection, self.variables):
                continue
            if isinstance(selection, FieldNode):
                key = (selection.alias or selection.name).value
                entry = out.get(key)
                if entry is None:
                    out[key] = _Collected([(selection, certain)], parent)
                else:
                    entry.nodes.append((selection, certain))
                continue
            if isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in visited:
                    continue
                visited.add(name)
                condition: NamedTypeNode | None = fragment.type_condition
                selections = fragment.selection_set
            else:
                assert isinstance(selection, InlineFragmentNode)
                condition, selections = selection.type_condition, selection.selection_set
            target = parent if condition is None else self.schema.get_type(condition.name.value)
            if target is None:
                continue
            applies = self._applies(target, parent)
            if applies is False:
                continue
            inner_parent = parent if applies and certain else target
            self._collect(inner_parent, certain and applies is True, selections, out, visited)

    def _applies(self, condition: GraphQLNamedType, parent: GraphQLNamedType) -> bool | None:
        """Does a fragment on `condition` apply to an object of type `parent`?
        None: maybe (`parent` is abstract, the runtime type unknown)."""
        if condition is parent:
            return True
        if isinstance(parent, GraphQLObjectType):
            abstract = isinstance(condition, GraphQLInterfaceType | GraphQLUnionType)
            return abstract and self.schema.is_sub_type(condition, parent)  # type: ignore[arg-type]
        if isinstance(parent, GraphQLInterfaceType) and isinstance(condition, GraphQLInterfaceType):
            if parent in condition.interfaces:
                return None
            if condition in parent.interfaces:
                return True
        return None

    def _field(self, parent: GraphQLNamedType, name: str) -> GraphQLField | None:
        if name == "__typename":
            return TypeNameMetaFieldDef
        if name == "__schema" and parent is self.schema.query_type:
            return SchemaMetaFieldDef
        if name == "__type" and parent is self.schema.query_type:
            return TypeMetaFieldDef
        fields = getattr(parent, "fields", None)
        found: GraphQLField | None = fields.get(name) if fields is not None else None
        return found
