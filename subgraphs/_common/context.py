"""The per-request context every resolver receives as `info.context`."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from auth import Claims
from loaders import LoaderRegistry, SerialSession
from subgraphs._common.identity import (
    ANONYMOUS_UNVERIFIED,
    USER_ID_HEADER,
    Identity,
    legacy_user_id,
)

__all__ = ["IDENTITY_SCOPE_KEY", "USER_ID_HEADER", "SubgraphContext"]

IDENTITY_SCOPE_KEY = "subgraphs.identity"
"""Where the app stores the request's verified `Identity` in the ASGI scope."""


@dataclass
class SubgraphContext:
    """The request's database session, its loaders, and who is asking.

    `claims` are the caller's verified claims forwarded by the router (None when
    anonymous); `user_id` is their `sub` as our integer user id. Without a
    router key configured (development only) `user_id` comes from the insecure
    `x-user-id` header instead, and `claims` is None.
    """

    db: SerialSession
    loaders: LoaderRegistry
    user_id: int | None = None
    request: Request | None = field(default=None, repr=False)
    claims: Claims | None = None

    @property
    def scopes(self) -> frozenset[str]:
        return self.claims.scopes if self.claims is not None else frozenset()

    @classmethod
    def create(
        cls,
        session: AsyncSession,
        *,
        user_id: int | None = None,
        claims: Claims | None = None,
        request: Request | None = None,
    ) -> SubgraphContext:
        """`claims` give `user_id` from their subject unless `user_id` is passed too."""
        if user_id is None and claims is not None:
            user_id = _int(claims.subject)
        db = SerialSession(session)
        return cls(
            db=db, loaders=LoaderRegistry(db), user_id=user_id, request=request, claims=claims
        )

    @classmethod
    def from_request(cls, session: AsyncSession, request: Request) -> SubgraphContext:
        identity: Identity = request.scope.get(IDENTITY_SCOPE_KEY, ANONYMOUS_UNVERIFIED)
        if identity.verified:
            return cls.create(session, claims=identity.claims, request=request)
        return cls.create(session, user_id=legacy_user_id(request.headers), request=request)


def _int(subject: str | None) -> int | None:
    return int(subject) if subject is not None and subject.isdigit() else None
