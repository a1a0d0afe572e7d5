"""Authorization at the router: `@authenticated`, `@requiresScopes`, `@policy` enforced
on the operation before it is planned.

    analyze(supergraph, operation, fragments) -> OperationRequirements   once per operation
    guarded_nodes(supergraph, operation, fragments) -> their FieldNodes   once per variant
    denied_indexes(requirements, claims, hook) -> frozenset[int]          once per request
    remove_fields(document, denied nodes) -> DocumentNode                 once per variant

The pipeline plans the filtered document (subgraphs never see a denied field)
and shapes the response with the client's original operation, where each
denied field becomes null with an `UNAUTHORIZED_FIELD_OR_TYPE` error at its
path (see `ResponseShaper(denied=...)`), or rejects the whole operation when
`AuthorizationOptions.reject_unauthorized` is set.
"""

from __future__ import annotations

from dataclasses import dataclass

from auth.requirements import PolicyHook, deny_all
from supergraph.authorization.analyze import (
    NO_REQUIREMENTS,
    GuardedField,
    OperationRequirements,
    analyze,
    guarded_nodes,
)
from supergraph.authorization.decide import denied_indexes
from supergraph.authorization.transform import denied_paths, remove_fields


@dataclass(frozen=True, slots=True)
class AuthorizationOptions:
    reject_unauthorized: bool = False
    """True: an operation with any field the caller may not see is refused as a whole."""
    policy_hook: PolicyHook = deny_all
    """Decides `@policy` names for the caller's claims (default: grants none)."""
    variant_cache_size: int = 2000
    """Prepared operations kept per (document, operation, denied set)."""


__all__ = [
    "NO_REQUIREMENTS",
    "AuthorizationOptions",
    "GuardedField",
    "OperationRequirements",
    "analyze",
    "denied_indexes",
    "denied_paths",
    "guarded_nodes",
    "remove_fields",
]
