"""INTROSPECTION_DISABLED: `__schema` and `__type` when introspection is switched off.

`__typename` stays allowed: clients need it for fragments and caching.
"""

from __future__ import annotations

from typing import Any

from graphql import ASTValidationRule, FieldNode, GraphQLError

INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED"


def no_introspection_rule() -> type[ASTValidationRule]:
    class NoIntrospectionRule(ASTValidationRule):
        def enter_field(self, node: FieldNode, *_: Any) -> None:
            if node.name.value in ("__schema", "__type"):
                self.report_error(
                    GraphQLError(
                        "Introspection is disabled on this router.",
                        node,
                        extensions={"code": INTROSPECTION_DISABLED},
                    )
                )

    return NoIntrospectionRule
