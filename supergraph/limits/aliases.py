"""MAX_ALIASES_EXCEEDED: aliases multiply the work of one field; count them per document."""

from __future__ import annotations

from typing import Any

from graphql import ASTValidationRule, DocumentNode, FieldNode, GraphQLError

from supergraph.limits.walk import document_fields

MAX_ALIASES_EXCEEDED = "MAX_ALIASES_EXCEEDED"


def max_aliases_rule(limit: int) -> type[ASTValidationRule]:
    class MaxAliasesRule(ASTValidationRule):
        count = 0

        def enter_field(self, node: FieldNode, *_: Any) -> None:
            if node.alias is not None:
                self.count += 1

        def leave_document(self, node: DocumentNode, *_: Any) -> None:
            if self.count > limit:
                self.report_error(
                    GraphQLError(
                        f"The operation has {self.count} aliases; the limit is {limit}.",
                        node,
                        extensions={"code": MAX_ALIASES_EXCEEDED},
                    )
                )

        @classmethod
        def passes(cls, document: DocumentNode) -> bool:
            return sum(1 for f in document_fields(document) if f.alias is not None) <= limit

    return MaxAliasesRule
