"""INTROSPECTION_DISABLED: `__schema` and `__type` when introspection is switched off.

`__typename` stays allowed: clients need it for fragments and caching.
"""

from __future__ import annotations

from typing import Any

from graphql import ASTValidationRule, DocumentNode, FieldNode, GraphQLError

from supergraph.limits.walk import document_fields

INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED"
_INTROSPECTION = ("__schema", "__type")


def no_introspection_rule() -> type[ASTValidationRule]:
    class NoIntrospectionRule(ASTValidationRule):
        def enter_field(self, node: FieldNode, *_: Any) -> None:
            if node.name.value in _INTROSPECTION:
                self.report_error(
                    GraphQLError(
                        "Introspection is disabled on this router.",
                        node,
                        extensions={"code": INTROSPECTION_DISABLED},
                    )
                )

        @classmethod
        def passes(cls, document: DocumentNode) -> bool:
            return not any(f.name.value in _INTROSPECTION for f in document_fields(document))

    return NoIntrospectionRule
