"""Row-level access rules for resolvers: who may see or do what, from `info.context`.

    current_user(info) -> int | None           the caller's user id (None: anonymous)
    require_user(info) -> int                  ... or UNAUTHENTICATED
    is_owner_or_scope(info, owner_id, scope)   the caller is `owner_id`, or holds `scope`
    require_owner(info, owner_id, scope)       ... or UNAUTHENTICATED (anonymous) / FORBIDDEN
    require_self(info, user_id)                mutations acting for a user: only that user

The router already enforces `@authenticated`/`@requiresScopes`/`@policy`; these
are the rules that depend on the row (whose order, whose email).
"""

from __future__ import annotations

from typing import Any

from strawberry.types import Info

from subgraphs._common.context import SubgraphContext
from subgraphs._common.errors import forbidden, unauthenticated

AnyInfo = Info[SubgraphContext, Any]


def current_user(info: AnyInfo) -> int | None:
    return info.context.user_id


def require_user(info: AnyInfo) -> int:
    user_id = info.context.user_id
    if user_id is None:
        raise unauthenticated()
    return user_id


def is_owner_or_scope(info: AnyInfo, owner_id: int | None, scope: str | None = None) -> bool:
    context = info.context
    if context.user_id is not None and owner_id is not None and context.user_id == owner_id:
        return True
    return scope is not None and scope in context.scopes


def require_owner(info: AnyInfo, owner_id: int | None, scope: str | None = None) -> None:
    """Allow the owner of the row, or a caller with `scope`; anyone else gets an error."""
    if is_owner_or_scope(info, owner_id, scope):
        return
    if info.context.user_id is None and (scope is None or scope not in info.context.scopes):
        raise unauthenticated()
    raise forbidden()


def require_self(info: AnyInfo, user_id: int | None = None) -> int:
    """The caller's id; with `user_id`, only when the caller is that user (else FORBIDDEN)."""
    caller = require_user(info)
    if user_id is not None and user_id != caller:
        raise forbidden("you can only act for yourself")
    return caller
