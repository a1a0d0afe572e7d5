"""Row-level access rules for resolvers: who may see or do what, from `info.context`.

    current_user(info) -> int | None           the caller's user id (None: anonymous, or a
                                               subject that is not one of our user ids)
    require_user(info) -> int                  ... or UNAUTHENTICATED (anonymous) / FORBIDDEN
    is_owner_or_scope(info, owner_id, scope)   the caller is `owner_id`, or holds `scope`
    require_owner(info, owner_id, scope)       ... or UNAUTHENTICATED (anonymous) / FORBIDDEN
    require_self(info, user_id)                mutations acting for a user: only that user

A caller is signed in when the router's identity carries a subject (`sub`), whatever
it looks like: a subject that is not one of this graph's integer user ids (a UUID
from an identity provider) owns no rows here, and what needs such a row says so
(FORBIDDEN, naming the subject) instead of treating the caller as anonymous.

The router already enforces `@authenticated`/`@requiresScopes`/`@policy`; these
are the rules that depend on the row (whose order, whose email).
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from strawberry.types import Info

from subgraphs._common.context import SubgraphContext
from subgraphs._common.errors import forbidden, unauthenticated

AnyInfo = Info[SubgraphContext, Any]


def current_user(info: AnyInfo) -> int | None:
    return info.context.user_id


def require_user(info: AnyInfo) -> int:
    user_id = info.context.user_id
    if user_id is None:
        raise unknown_subject(info.context.subject) if info.context.subject else unauthenticated()
    return user_id


def unknown_subject(subject: str) -> GraphQLError:
    """The caller is signed in, as a subject this graph has no user row for."""
    shown = subject if len(subject) <= 64 else subject[:64] + "..."
    return forbidden(
        f"signed in as {shown!r}, which is not a user of this graph (user ids here are"
        " integers): no data of this kind belongs to it"
    )


def is_owner_or_scope(info: AnyInfo, owner_id: int | None, scope: str | None = None) -> bool:
    context = info.context
    if context.user_id is not None and owner_id is not None and context.user_id == owner_id:
        return True
    return scope is not None and scope in context.scopes


def require_owner(info: AnyInfo, owner_id: int | None, scope: str | None = None) -> None:
    """Allow the owner of the row, or a caller with `scope`; anyone else gets an error."""
    if is_owner_or_scope(info, owner_id, scope):
        return
    if info.context.subject is None and (scope is None or scope not in info.context.scopes):
        raise unauthenticated()
    raise forbidden()


def require_self(info: AnyInfo, user_id: int | None = None) -> int:
    """The caller's id; with `user_id`, only when the caller is that user (else FORBIDDEN)."""
    caller = require_user(info)
    if user_id is not None and user_id != caller:
        raise forbidden("you can only act for yourself")
    return caller
