"""What an operation uses of the API schema, as schema coordinates.

Recorded per operation (once per document: the router keeps it with the cached
operation) so that `supergraph check` can tell whether a breaking change touches
anything a client sent:

- `Type.field` for every field selected, `Type.field(arg:)` for every argument given;
- `Type` for every named type the operation touches: field types, type
  conditions, argument and variable types (an input type used through a
  variable counts as all of it: its fields are not known until run time);
- `Input.field` for every input object field written as a literal;
- `Enum.VALUE` for every enum value written as a literal;
- `@directive` for every directive used.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from graphql import (
    DirectiveNode,
    DocumentNode,
    EnumValueNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    GraphQLType,
    InlineFragmentNode,
    ObjectFieldNode,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    VariableDefinitionNode,
    Visitor,
    get_named_type,
    is_specified_scalar_type,
    parse,
    type_from_ast,
    visit,
)

TYPENAME = "__typename"


def operation_usage(schema: GraphQLSchema, document: DocumentNode) -> frozenset[str]:
    """The coordinates `document` (valid against `schema`) uses; introspection fields
    (`__schema`, `__type`, `__typename`) are not part of the API and are left out."""
    type_info = TypeInfo(schema)
    collector = _Collector(type_info, schema)
    visit(document, TypeInfoVisitor(type_info, collector))
    return frozenset(collector.used)


class _Collector(Visitor):
    def __init__(self, type_info: TypeInfo, schema: GraphQLSchema) -> None:
        super().__init__()
        self.type_info = type_info
        self.schema = schema
        self.used: set[str] = set()

    def _type(self, type_: GraphQLType) -> None:
        named = get_named_type(type_)
        if not named.name.startswith("__") and not is_specified_scalar_type(named):
            self.used.add(named.name)

    def enter_field(self, node: FieldNode, *_: object) -> None:
        parent = self.type_info.get_parent_type()
        name = node.name.value
        if parent is None or name.startswith("__") or parent.name.startswith("__"):
            return  # introspection is not the API
        self.used.add(parent.name)
        self.used.add(f"{parent.name}.{name}")
        field = self.type_info.get_field_def()
        if field is not None:
            self._type(field.type)
        for argument in node.arguments or ():
            self.used.add(f"{parent.name}.{name}({argument.name.value}:)")

    def enter_argument(self, *_: object) -> None:
        argument = self.type_info.get_argument()
        if argument is not None:
            self._type(argument.type)

    def enter_inline_fragment(self, node: InlineFragmentNode, *_: object) -> None:
        if node.type_condition is not None:
            self.used.add(node.type_condition.name.value)

    def enter_fragment_definition(self, node: FragmentDefinitionNode, *_: object) -> None:
        self.used.add(node.type_condition.name.value)

    def enter_variable_definition(self, node: VariableDefinitionNode, *_: object) -> None:
        type_ = type_from_ast(self.schema, node.type)
        if type_ is not None:
            self._type(type_)

    def enter_object_field(self, node: ObjectFieldNode, *_: object) -> None:
        parent = get_named_type(self.type_info.get_parent_input_type())
        if parent is not None:
            self.used.add(f"{parent.name}.{node.name.value}")

    def enter_enum_value(self, node: EnumValueNode, *_: object) -> None:
        enum = get_named_type(self.type_info.get_input_type())
        if enum is not None:
            self.used.add(f"{enum.name}.{node.value}")

    def enter_directive(self, node: DirectiveNode, *_: object) -> None:
        self.used.add(f"@{node.name.value}")


def describer(
    schema: GraphQLSchema,
) -> Callable[[str, str | None], tuple[str, str, frozenset[str]]]:
    """What the recorder calls (on a thread, once per operation) to name an operation
    and list its coordinates: the id is the SHA-256 of the requested name and text; the
    name is the operation's own (`query ById`), which clients seldom send beside it."""

    def describe(text: str, operation_name: str | None) -> tuple[str, str, frozenset[str]]:
        op_id = hashlib.sha256(f"{operation_name or ''}\n{text}".encode()).hexdigest()
        try:
            document = parse(text)
        except GraphQLError:
            return op_id, operation_name or "", frozenset()
        selected = _selected(document, operation_name)
        return op_id, _name(selected) or operation_name or "", operation_usage(schema, selected)

    return describe


def _name(document: DocumentNode) -> str | None:
    names = [
        d.name.value if d.name is not None else None
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
    ]
    return names[0] if len(names) == 1 else None


def _selected(document: DocumentNode, operation_name: str | None) -> DocumentNode:
    """The operation that ran (by name, or the only one) with every fragment."""
    definitions = [
        d
        for d in document.definitions
        if not isinstance(d, OperationDefinitionNode)
        or operation_name is None
        or (d.name is not None and d.name.value == operation_name)
    ]
    return DocumentNode(definitions=tuple(definitions))
