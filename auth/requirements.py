"""Access requirements (`@authenticated`, `@requiresScopes`, `@policy`) and their evaluation.

`scopes` and `policies` are each an OR of ANDs: `[["a", "b"], ["c"]]` is satisfied
by (a AND b) OR c. Policies are decided by a `PolicyHook`, a plain function of
the claims (None when anonymous) and a policy name, returning a bool or an
awaitable bool; each policy is evaluated at most once per request.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeAlias

from auth.claims import Claims
from auth.errors import AuthConfigError

Requirement: TypeAlias = Sequence[Sequence[str]]
PolicyHook: TypeAlias = Callable[[Claims | None, str], "bool | Awaitable[bool]"]


def satisfies(required: Requirement, granted: Iterable[str]) -> bool:
    """True when some AND-group of `required` is wholly in `granted` (or nothing is required)."""
    if not required:
        return True
    have = granted if isinstance(granted, frozenset | set) else frozenset(granted)
    return any(all(item in have for item in group) for group in required)


@dataclass(frozen=True, slots=True)
class Access:
    """What one caller has: identity, scopes, and the policies the hook granted."""

    claims: Claims | None
    policies: frozenset[str] = frozenset()

    @property
    def authenticated(self) -> bool:
        return self.claims is not None

    @property
    def scopes(self) -> frozenset[str]:
        return self.claims.scopes if self.claims is not None else frozenset()

    def allows(
        self, *, authenticated: bool = False, scopes: Requirement = (), policies: Requirement = ()
    ) -> bool:
        if authenticated and self.claims is None:
            return False
        return satisfies(scopes, self.scopes) and satisfies(policies, self.policies)


def deny_all(_claims: Claims | None, _policy: str) -> bool:
    """The default policy hook: no policy is granted until one is configured."""
    return False


async def grant_policies(
    hook: PolicyHook, claims: Claims | None, policies: Iterable[str]
) -> frozenset[str]:
    """The policies among `policies` that `hook` grants to `claims`."""
    granted: set[str] = set()
    for policy in sorted(set(policies)):
        decision = hook(claims, policy)
        if inspect.isawaitable(decision):
            decision = await decision
        if decision is True:
            granted.add(policy)
    return frozenset(granted)


def load_policy_hook(path: str) -> PolicyHook:
    """A hook named `package.module:function`."""
    module_name, _, attribute = path.partition(":")
    if not module_name or not attribute:
        raise AuthConfigError(f"policy hook {path!r}: expected 'package.module:function'")
    try:
        hook = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as error:
        raise AuthConfigError(f"policy hook {path!r}: {error}") from error
    if not callable(hook):
        raise AuthConfigError(f"policy hook {path!r} is not callable")
    return hook  # type: ignore[no-any-return]
