"""The per-request context every resolver receives as `info.context`."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from loaders import LoaderRegistry, SerialSession

USER_ID_HEADER = "x-user-id"


@dataclass
class SubgraphContext:
    """The request's database session, its loaders, and who is asking.

    `user_id` is a placeholder identity read from the `x-user-id` header (None when
    absent or not an integer); the auth issue replaces it with verified JWT claims.
    """

    db: SerialSession
    loaders: LoaderRegistry
    user_id: int | None = None
    request: Request | None = field(default=None, repr=False)

    @classmethod
    def create(
        cls, session: AsyncSession, *, user_id: int | None = None, request: Request | None = None
    ) -> SubgraphContext:
        db = SerialSession(session)
        return cls(db=db, loaders=LoaderRegistry(db), user_id=user_id, request=request)

    @classmethod
    def from_request(cls, session: AsyncSession, request: Request) -> SubgraphContext:
        return cls.create(session, user_id=_user_id(request), request=request)


def _user_id(request: Request) -> int | None:
    value = request.headers.get(USER_ID_HEADER, "").strip()
    return int(value) if value.isdigit() else None
