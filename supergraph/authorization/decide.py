"""Per request: which guarded selections the caller may not see."""

from __future__ import annotations

from auth import Access, Claims, PolicyHook, grant_policies
from supergraph.authorization.analyze import OperationRequirements
from supergraph.schema import Authorization


async def denied_indexes(
    requirements: OperationRequirements, claims: Claims | None, hook: PolicyHook
) -> frozenset[int]:
    """Indexes of `requirements.fields` that `claims` may not see (empty: all allowed)."""
    if requirements.empty:
        return frozenset()
    policies = (
        await grant_policies(hook, claims, requirements.policies)
        if requirements.policies
        else frozenset()
    )
    access = Access(claims, policies)
    decided: dict[Authorization, bool] = {}
    denied: set[int] = set()
    for guarded in requirements.fields:
        for requirement in guarded.requirements:
            allowed = decided.get(requirement)
            if allowed is None:
                allowed = decided[requirement] = access.allows(
                    authenticated=requirement.authenticated,
                    scopes=requirement.scopes,
                    policies=requirement.policies,
                )
            if not allowed:
                denied.add(guarded.index)
                break
    return frozenset(denied)
