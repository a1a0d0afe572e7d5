"""The operation stage's entry point: document -> `Operation` (one pass per module)."""

from __future__ import annotations

from graphql import DocumentNode, GraphQLSchema, OperationType

from supergraph.operation.conditions import resolve_conditions
from supergraph.operation.errors import OperationError
from supergraph.operation.expand import expand, fragments_of
from supergraph.operation.merge import merge_selections
from supergraph.operation.select import select_operation
from supergraph.operation.tree import Operation, OperationKind

_KINDS: dict[OperationType, OperationKind] = {
    OperationType.QUERY: "query",
    OperationType.MUTATION: "mutation",
    OperationType.SUBSCRIPTION: "subscription",
}


def normalize_operation(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None = None
) -> Operation:
    """Normalise the selected operation of a document validated against `schema` (the API schema)."""
    definition = select_operation(document, operation_name)
    kind = _KINDS[definition.operation]
    root = schema.get_root_type(definition.operation)
    if root is None:
        raise OperationError(f"The schema does not support {kind} operations.")
    selections = expand(schema, root.name, definition.selection_set, fragments_of(document))
    selections = resolve_conditions(selections)
    selections = merge_selections(schema, root.name, selections)
    return Operation(
        kind=kind,
        name=definition.name.value if definition.name else None,
        root_type=root.name,
        selections=selections,
        variable_definitions=tuple(definition.variable_definitions or ()),
    )
