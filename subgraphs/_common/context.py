"""The per-request context every resolver receives as `info.context`."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from auth import Claims
from loaders import LoaderRegistry, SerialSession
from subgraphs._common.identity import (
    ANONYMOUS_UNVERIFIED,
    USER_ID_HEADER,
    Identity,
    legacy_subject,
    user_id_from,
)

__all__ = ["IDENTITY_SCOPE_KEY", "REQUEST_ID_HEADER", "USER_ID_HEADER", "SubgraphContext"]

IDENTITY_SCOPE_KEY = "subgraphs.identity"
"""Where the app stores the request's verified `Identity` in the ASGI scope."""

REQUEST_ID_HEADER = "x-request-id"
"""The caller's request id (the router sends its own on every request); echoed in the
response and on every log line about the request."""
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:;/+=@-]{1,128}")
"""The router's own rule (supergraph/request_id.py): an id it forwards is kept as is."""

CURRENT_REQUEST_ID: ContextVar[str | None] = ContextVar("subgraphs_request_id", default=None)
"""The id of the request being served in this task, for log lines (None: none)."""


def request_id(headers: Mapping[str, str]) -> str:
    """The `x-request-id` header when it is a plausible id, else a new random one.

    Only short, printable ids are taken: the id goes into every log line of the
    request, where a client-chosen line break or megabyte would forge or flood logs.
    """
    given = headers.get(REQUEST_ID_HEADER, "")
    return given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


@dataclass
class SubgraphContext:
    """The request's database session, its loaders, who is asking, and its id.

    `claims` are the caller's verified claims forwarded by the router (None when
    anonymous); `subject` is their `sub`, an opaque string (an identity
    provider's UUID as well as "7"): what a caller owns (orders, reviews) is
    stored under it. `user_id` is the same as accounts' integer user id when it is
    one (the key of accounts' user rows): a caller whose subject is not an integer
    is signed in all the same, never anonymous (`access.py`).
    Without a router key configured (development only) the subject comes from the
    insecure `x-user-id` header instead (any string, as a `sub` is), and `claims` is
    None. `request_id` names the request in log lines (see `request_id()`).
    """

    db: SerialSession
    loaders: LoaderRegistry
    user_id: int | None = None
    request: Request | None = field(default=None, repr=False)
    claims: Claims | None = None
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    # True when this process runs the domain's relay and consumers (NATS_URL set):
    # writes that start a saga record their event (e.g. placeOrder -> PENDING).
    events_enabled: bool = False
    subject: str | None = None

    @property
    def scopes(self) -> frozenset[str]:
        return self.claims.scopes if self.claims is not None else frozenset()

    @classmethod
    def create(
        cls,
        session: AsyncSession | SerialSession,
        *,
        user_id: int | None = None,
        subject: str | None = None,
        claims: Claims | None = None,
        request: Request | None = None,
        request_id: str | None = None,
    ) -> Self:
        """The caller is `claims`' subject, else `subject`, else `user_id`'s text;
        `user_id` is the subject's when not passed (None unless it is an integer id)."""
        if claims is not None and claims.subject:
            subject = claims.subject
        elif subject is None and user_id is not None:
            subject = str(user_id)
        if user_id is None and subject is not None:
            user_id = user_id_from(subject)
        db = session if isinstance(session, SerialSession) else SerialSession(session)
        return cls(
            db=db,
            loaders=LoaderRegistry(db),
            user_id=user_id,
            request=request,
            claims=claims,
            request_id=request_id or uuid.uuid4().hex,
            subject=subject,
        )

    @classmethod
    def from_request(
        cls, session: SerialSession, request: Request, request_id: str
    ) -> SubgraphContext:
        identity: Identity = request.scope.get(IDENTITY_SCOPE_KEY, ANONYMOUS_UNVERIFIED)
        if identity.verified:
            return cls.create(
                session, claims=identity.claims, request=request, request_id=request_id
            )
        return cls.create(
            session,
            subject=legacy_subject(request.headers),
            request=request,
            request_id=request_id,
        )
