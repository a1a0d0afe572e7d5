"""AST -> typed selection tree, expanding named fragments into inline ones.

The document must be validated against the API schema first: unknown
fields here are a programming error, reported as `OperationError`.
"""

from __future__ import annotations

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLList,
    GraphQLNonNull,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    get_named_type,
)

from supergraph.operation.errors import OperationError
from supergraph.operation.tree import Field, InlineFragment, Selection


def fragments_of(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def expand(
    schema: GraphQLSchema,
    parent_type: str,
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
) -> tuple[Selection, ...]:
    if selection_set is None:
        return ()
    out: list[Selection] = []
    for node in selection_set.selections:
        match node:
            case FieldNode():
                out.append(_field(schema, parent_type, node, fragments))
            case InlineFragmentNode():
                condition = node.type_condition.name.value if node.type_condition else parent_type
                out.append(
                    InlineFragment(
                        type_condition=condition,
                        directives=tuple(node.directives or ()),
                        selections=expand(schema, condition, node.selection_set, fragments),
                    )
                )
            case FragmentSpreadNode():
                definition = fragments.get(node.name.value)
                if definition is None:
                    raise OperationError(f'Unknown fragment "{node.name.value}".')
                condition = definition.type_condition.name.value
                out.append(
                    InlineFragment(
                        type_condition=condition,
                        directives=tuple(node.directives or ()),
                        selections=expand(schema, condition, definition.selection_set, fragments),
                    )
                )
    return tuple(out)


def _field(
    schema: GraphQLSchema,
    parent_type: str,
    node: FieldNode,
    fragments: dict[str, FragmentDefinitionNode],
) -> Field:
    name = node.name.value
    if name in {"__schema", "__type"}:
        # Introspection: answered by the router from the API schema, never planned.
        return Field(
            name=name,
            alias=node.alias.value if node.alias else None,
            parent_type=parent_type,
            type_name="__Schema" if name == "__schema" else "__Type",
            list_depth=0,
            arguments=tuple(node.arguments or ()),
            directives=tuple(node.directives or ()),
        )
    if name == "__typename":
        return Field(
            name=name,
            alias=node.alias.value if node.alias else None,
            parent_type=parent_type,
            type_name="String",
            list_depth=0,
            directives=tuple(node.directives or ()),
        )
    parent = schema.get_type(parent_type)
    fields = getattr(parent, "fields", None)
    if fields is None or name not in fields:
        raise OperationError(f'Cannot query field "{name}" on type "{parent_type}".')
    output: GraphQLOutputType = fields[name].type
    type_name = get_named_type(output).name
    return Field(
        name=name,
        alias=node.alias.value if node.alias else None,
        parent_type=parent_type,
        type_name=type_name,
        list_depth=_list_depth(output),
        arguments=tuple(node.arguments or ()),
        directives=tuple(node.directives or ()),
        selections=expand(schema, type_name, node.selection_set, fragments),
    )


def _list_depth(output: GraphQLOutputType) -> int:
    depth = 0
    while isinstance(output, GraphQLNonNull | GraphQLList):
        if isinstance(output, GraphQLList):
            depth += 1
        output = output.of_type
    return depth
