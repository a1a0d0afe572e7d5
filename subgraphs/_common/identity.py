"""Who is asking a subgraph: the router's identity token, verified with `auth/`.

The router signs a short-lived token for every request it sends (header
`x-supergraph-identity`; `sub` and `scope` of the verified caller, no `sub` for
anonymous callers). A subgraph verifies it with the router's public key:

    SUBGRAPHS_IDENTITY_PUBLIC_KEY_FILE   PEM public key of the router's identity key
    SUBGRAPHS_IDENTITY_JWKS_URL          ... or a JWKS URL publishing it
    SUBGRAPHS_IDENTITY_ALGORITHMS        allowed algorithms (default EdDSA), comma-separated
    SUBGRAPHS_IDENTITY_ISSUER            default supergraph-router
    SUBGRAPHS_IDENTITY_AUDIENCE          default subgraphs
    SUBGRAPHS_IDENTITY_HEADER            default x-supergraph-identity
    SUBGRAPHS_REQUIRE_IDENTITY=1         refuse (401) requests without a valid identity,
                                         so the subgraph cannot be called around the router

Without a key configured the subgraph runs in the insecure development mode of
the early days: the `x-user-id` header names the caller's subject, as a token's
`sub` would (ignored when `SUPERGRAPH_ENV=production`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from auth import (
    AuthConfigError,
    AuthenticationRequired,
    Claims,
    JWKSKeySet,
    MalformedCredentials,
    TokenVerifier,
    VerifierSettings,
    public_key_from_pem,
)
from auth.dev import ROUTER_ISSUER, SUBGRAPH_AUDIENCE, is_production

IDENTITY_HEADER: Final = "x-supergraph-identity"
USER_ID_HEADER: Final = "x-user-id"
_TRUE: Final = frozenset({"1", "true", "yes", "on"})
_USER_ID: Final = re.compile(r"[0-9]{1,18}")  # within BIGINT


@dataclass(frozen=True, slots=True)
class Identity:
    """The outcome of identification: verified claims, or the insecure header mode."""

    claims: Claims | None
    verified: bool
    """True when a key is configured (claims are the verified ones, None = anonymous)."""


ANONYMOUS_UNVERIFIED: Final = Identity(None, verified=False)


class SubgraphIdentity:
    """Verifies the router's identity header; one per subgraph app."""

    def __init__(
        self,
        verifier: TokenVerifier | None,
        *,
        required: bool = False,
        header: str = IDENTITY_HEADER,
    ) -> None:
        if required and verifier is None:
            raise AuthConfigError("requiring the router's identity needs its key configured")
        self.verifier = verifier
        self.required = required
        self.header = header.lower()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SubgraphIdentity:
        env = os.environ if env is None else env
        key_file = env.get("SUBGRAPHS_IDENTITY_PUBLIC_KEY_FILE")
        jwks_url = env.get("SUBGRAPHS_IDENTITY_JWKS_URL")
        required = env.get("SUBGRAPHS_REQUIRE_IDENTITY", "").strip().lower() in _TRUE
        header = env.get("SUBGRAPHS_IDENTITY_HEADER") or IDENTITY_HEADER
        if not key_file and not jwks_url:
            if is_production(env):
                raise AuthConfigError(
                    "production subgraphs need SUBGRAPHS_IDENTITY_PUBLIC_KEY_FILE or "
                    "SUBGRAPHS_IDENTITY_JWKS_URL"
                )
            return cls(None, required=required, header=header)
        algorithms = [
            a.strip() for a in env.get("SUBGRAPHS_IDENTITY_ALGORITHMS", "EdDSA").split(",")
        ]
        keys = (public_key_from_pem(Path(key_file).read_bytes(), algorithms),) if key_file else ()
        settings = VerifierSettings(
            keys=keys,
            jwks=(JWKSKeySet(jwks_url),) if jwks_url else (),
            issuer=(env.get("SUBGRAPHS_IDENTITY_ISSUER") or ROUTER_ISSUER,),
            audience=(env.get("SUBGRAPHS_IDENTITY_AUDIENCE") or SUBGRAPH_AUDIENCE,),
            leeway=5,
        )
        return cls(TokenVerifier(settings), required=required, header=header)

    async def identify(self, headers: Mapping[str, str]) -> Identity:
        """The request's identity; raises `AuthError` for a bad token, or none when required."""
        if self.verifier is None:
            return ANONYMOUS_UNVERIFIED
        token = headers.get(self.header)
        if not token:
            if self.required:
                raise AuthenticationRequired("This service only accepts requests from the router.")
            return Identity(None, verified=True)
        if len(token) > self.verifier.settings.max_token_bytes or " " in token:
            raise MalformedCredentials("The identity header is malformed.")
        claims = await self.verifier.verify(token)
        return Identity(claims if claims.subject is not None else None, verified=True)

    async def aclose(self) -> None:
        if self.verifier is not None:
            await self.verifier.aclose()


def legacy_subject(headers: Mapping[str, str]) -> str | None:
    """The insecure `x-user-id` header (development without keys only): the caller's
    subject, an opaque string as the identity token's `sub` is ("7" as well as an
    identity provider's UUID), so a caller is the same one by either; blank: anonymous."""
    if is_production():
        return None
    return headers.get(USER_ID_HEADER, "").strip() or None


def user_id_from(text: str | None) -> int | None:
    """Accounts' integer user id in `text` (a subject, an `ID`), or None.

    ASCII digits only: `str.isdigit` also accepts "²" (a latin-1 header byte),
    which `int()` refuses -- that was an HTTP 500 from any `x-user-id: \xb2`.
    """
    if text is None or not _USER_ID.fullmatch(text.strip()):
        return None
    return int(text)
