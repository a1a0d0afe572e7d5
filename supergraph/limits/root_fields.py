"""MAX_ROOT_FIELDS_EXCEEDED: root fields of one operation, fragments expanded."""

from __future__ import annotations

from typing import Any

from graphql import ASTValidationRule, DocumentNode, GraphQLError, OperationDefinitionNode

from supergraph.limits.walk import DocumentFragments, fields

MAX_ROOT_FIELDS_EXCEEDED = "MAX_ROOT_FIELDS_EXCEEDED"


def max_root_fields_rule(limit: int) -> type[ASTValidationRule]:
    class MaxRootFieldsRule(ASTValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            count = sum(1 for _ in fields(self.context, node.selection_set))
            if count > limit:
                self.report_error(
                    GraphQLError(
                        f"The operation has {count} root fields; the limit is {limit}.",
                        node,
                        extensions={"code": MAX_ROOT_FIELDS_EXCEEDED},
                    )
                )

        @classmethod
        def passes(cls, document: DocumentNode) -> bool:
            fragments = DocumentFragments(document)
            return all(
                sum(1 for _ in fields(fragments, op.selection_set)) <= limit
                for op in fragments.operations()
            )

    return MaxRootFieldsRule
