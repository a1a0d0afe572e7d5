"""Where a request's token comes from: `Authorization: Bearer <token>`, or a cookie."""

from __future__ import annotations

import re
from typing import Final

from auth.errors import MalformedCredentials, TokenTooLarge

# RFC 6750 token68 characters; a JWS compact token uses a subset of them.
_TOKEN: Final = re.compile(r"[A-Za-z0-9\-._~+/]+=*")


def bearer_token(
    authorization: str | None, cookie: str | None = None, *, max_bytes: int = 8192
) -> str | None:
    """The token the request carries, or None for an anonymous request.

    The header wins over the cookie. A header that is present but not exactly
    `Bearer <token>` (scheme case-insensitive, one space) is an error, never
    silently anonymous: a client that meant to authenticate must learn why not.
    """
    if authorization is None or authorization == "":
        return _checked(cookie, max_bytes, "The token cookie is malformed.") if cookie else None
    scheme, space, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not space:
        raise MalformedCredentials()
    return _checked(token, max_bytes, MalformedCredentials.reason)


def _checked(token: str, max_bytes: int, reason: str) -> str:
    if len(token) > max_bytes:
        raise TokenTooLarge()
    if not _TOKEN.fullmatch(token):
        raise MalformedCredentials(reason)
    return token
