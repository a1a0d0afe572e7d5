"""Row-level access rules for resolvers: who may see or do what, from `info.context`.

    current_user(info) -> str | None           the caller's subject (None: anonymous)
    require_user(info) -> str                  ... or UNAUTHENTICATED (anonymous)
    is_owner_or_scope(info, owner, scope)      the caller is `owner`, or holds `scope`
    require_owner(info, owner, scope)          ... or UNAUTHENTICATED (anonymous) / FORBIDDEN
    require_self(info, subject)                mutations acting for a user: only that user

A caller is signed in when the router's identity carries a subject (`sub`), whatever
it looks like. Owners are subjects, opaque strings compared as they are: orders and
reviews store the subject of whoever placed or wrote them, so a UUID from an
identity provider owns rows like "7" does. Only accounts keys its user rows by
integer ids: there a subject that is not one has no row (`unknown_subject`).

The router already enforces `@authenticated`/`@requiresScopes`/`@policy`; these
are the rules that depend on the row (whose order, whose email).
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from strawberry.types import Info

from subgraphs._common.context import SubgraphContext
from subgraphs._common.errors import forbidden, unauthenticated
from subgraphs._common.sqltypes import SUBJECT_LENGTH

AnyInfo = Info[SubgraphContext, Any]


def current_user(info: AnyInfo) -> str | None:
    return info.context.subject


def require_user(info: AnyInfo) -> str:
    """The caller's subject, to store as the owner of what they create."""
    subject = info.context.subject
    if subject is None:
        raise unauthenticated()
    if len(subject) > SUBJECT_LENGTH:
        raise forbidden(f"a subject longer than {SUBJECT_LENGTH} characters cannot own data")
    return subject


def unknown_subject(subject: str) -> GraphQLError:
    """The caller is signed in, as a subject accounts has no user row for."""
    shown = subject if len(subject) <= 64 else subject[:64] + "..."
    return forbidden(
        f"signed in as {shown!r}, which is not a user of this graph (user ids here are"
        " integers): no account belongs to it"
    )


def is_owner_or_scope(info: AnyInfo, owner: str | None, scope: str | None = None) -> bool:
    context = info.context
    if context.subject is not None and owner is not None and context.subject == owner:
        return True
    return scope is not None and scope in context.scopes


def require_owner(info: AnyInfo, owner: str | None, scope: str | None = None) -> None:
    """Allow the owner of the row (a subject), or a caller with `scope`; anyone else
    gets an error."""
    if is_owner_or_scope(info, owner, scope):
        return
    if info.context.subject is None and (scope is None or scope not in info.context.scopes):
        raise unauthenticated()
    raise forbidden()


def require_self(info: AnyInfo, subject: str | None = None) -> str:
    """The caller's subject; with `subject`, only when the caller is that user (else
    FORBIDDEN)."""
    caller = require_user(info)
    if subject is not None and subject != caller:
        raise forbidden("you can only act for yourself")
    return caller
