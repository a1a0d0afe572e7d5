"""`__schema` and `__type` at the root, answered by the router from the API schema.

Only those root fields are executed with graphql-core (on the API schema, which
has no resolvers to call); everything else goes through the query plan.
"""

from __future__ import annotations

from collections.abc import Mapping

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    NamedTypeNode,
    NameNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    execute_sync,
)

from supergraph.types import JSONObject, Variables

_INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


class Introspection:
    """The introspection part of one operation, prepared once and run per request."""

    __slots__ = ("_document", "_operation_name", "_schema")

    def __init__(self, schema: GraphQLSchema, document: DocumentNode, operation_name: str | None):
        self._schema = schema
        self._document = document
        self._operation_name = operation_name

    @classmethod
    def prepare(
        cls,
        schema: GraphQLSchema,
        operation: OperationDefinitionNode,
        fragments: Mapping[str, FragmentDefinitionNode],
    ) -> Introspection | None:
        """None when the operation has no root introspection field."""
        selection_set = _only_introspection(operation.selection_set, fragments, set())
        if selection_set is None:
            return None
        trimmed = OperationDefinitionNode(
            operation=operation.operation,
            name=operation.name,
            variable_definitions=operation.variable_definitions,
            directives=operation.directives,
            selection_set=selection_set,
        )
        document = DocumentNode(definitions=(trimmed, *fragments.values()))
        name = operation.name.value if operation.name else None
        return cls(schema, document, name)

    def run(self, raw_variables: Variables, errors: list[JSONObject]) -> JSONObject:
        result = execute_sync(
            self._schema,
            self._document,
            variable_values=dict(raw_variables),
            operation_name=self._operation_name,
        )
        errors.extend(dict(error.formatted) for error in result.errors or ())
        return result.data or {}


def _only_introspection(
    selection_set: SelectionSetNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    visited: set[str],
) -> SelectionSetNode | None:
    kept: list[SelectionNode] = []
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value in _INTROSPECTION_FIELDS:
                kept.append(selection)
        elif isinstance(selection, InlineFragmentNode):
            inner = _only_introspection(selection.selection_set, fragments, visited)
            if inner is not None:
                kept.append(
                    InlineFragmentNode(
                        type_condition=selection.type_condition,
                        directives=selection.directives,
                        selection_set=inner,
                    )
                )
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is None or fragment.name.value in visited:
                continue
            inner = _only_introspection(
                fragment.selection_set, fragments, visited | {fragment.name.value}
            )
            if inner is not None:
                condition = NamedTypeNode(name=NameNode(value=fragment.type_condition.name.value))
                kept.append(
                    InlineFragmentNode(
                        type_condition=condition,
                        directives=selection.directives,
                        selection_set=inner,
                    )
                )
    return SelectionSetNode(selections=tuple(kept)) if kept else None
