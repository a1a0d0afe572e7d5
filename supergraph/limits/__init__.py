"""Operation limits, checked during validation (before planning), one rule per module.

depth.py          MAX_DEPTH_EXCEEDED        fields nested deeper than the limit
aliases.py        MAX_ALIASES_EXCEEDED      more aliased fields than the limit
root_fields.py    MAX_ROOT_FIELDS_EXCEEDED  more root fields in one operation than the limit
introspection.py  INTROSPECTION_DISABLED    `__schema` / `__type` when introspection is off
expanded.py       MAX_EXPANDED_FIELDS_EXCEEDED  fields with fragments expanded (fragment bombs)
fetches.py        MAX_FETCHES_EXCEEDED      subgraph fetches in the query plan
walk.py           fields of a selection set with fragments expanded (shared by the rules)

The token limit (MAX_TOKENS_EXCEEDED) is the parser's own (`RouterOptions.max_tokens`):
it must stop parsing before an AST exists. The expanded-fields limit runs right
after parsing, before validation (`RouterOptions.max_expanded_fields`), the fetch
limit right after planning (`RouterOptions.max_fetches`). Each other factory binds
its limit into a graphql-core `ASTValidationRule` class for `RouterOptions.extra_rules`;
the class also has `passes(document)`, the same check without a visitor, so a
document whose spec rules are proven silent needs no graphql-core pass at all
(`proven_silent`; when a check fails, graphql-core runs the rule for the error).
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import ASTValidationRule, DocumentNode

from supergraph.limits.aliases import max_aliases_rule
from supergraph.limits.depth import max_depth_rule
from supergraph.limits.introspection import no_introspection_rule
from supergraph.limits.root_fields import max_root_fields_rule

__all__ = [
    "OperationLimits",
    "max_aliases_rule",
    "max_depth_rule",
    "max_root_fields_rule",
    "no_introspection_rule",
    "proven_silent",
]


@dataclass(frozen=True, slots=True)
class OperationLimits:
    """Every limit is off (None) unless configured (router.yaml has defaults for some)."""

    max_depth: int | None = None
    max_aliases: int | None = None
    max_root_fields: int | None = None
    max_tokens: int | None = None
    max_expanded_fields: int | None = None
    max_fetches: int | None = None
    introspection: bool = True

    def rules(self) -> tuple[type[ASTValidationRule], ...]:
        rules: list[type[ASTValidationRule]] = []
        if self.max_depth is not None:
            rules.append(max_depth_rule(self.max_depth))
        if self.max_aliases is not None:
            rules.append(max_aliases_rule(self.max_aliases))
        if self.max_root_fields is not None:
            rules.append(max_root_fields_rule(self.max_root_fields))
        if not self.introspection:
            rules.append(no_introspection_rule())
        return tuple(rules)


def proven_silent(rule: type[ASTValidationRule], document: DocumentNode) -> bool:
    """`rule` has a direct check (`passes`, our limit rules) and `document` passes it."""
    check = getattr(rule, "passes", None)
    return check is not None and bool(check(document))
