"""Pick the operation to run from a document (by name, or the only one)."""

from __future__ import annotations

from graphql import DocumentNode, OperationDefinitionNode

from supergraph.operation.errors import OperationError


def select_operation(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        for operation in operations:
            if operation.name is not None and operation.name.value == operation_name:
                return operation
        raise OperationError(f'Unknown operation named "{operation_name}".')
    if len(operations) == 1:
        return operations[0]
    if not operations:
        raise OperationError("The document contains no operation.")
    raise OperationError("Must provide operation name if query contains multiple operations.")
