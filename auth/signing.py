"""Signing tokens: the router's short-lived identity tokens for subgraphs, and dev tokens.

`TokenSigner.sign(subject, scopes)` returns a compact JWS with `iss`, `aud`,
`iat`, `nbf`, `exp` (now + ttl), `sub` (absent for anonymous callers) and
`scope`. `IdentityTokens` reuses a signed token for the same identity while
more than half of its lifetime is left, so signing costs little per request.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

from auth.claims import Claims
from auth.errors import AuthConfigError
from auth.keys import EC_ALGORITHMS, EDDSA_ALGORITHMS, HMAC_ALGORITHMS, RSA_ALGORITHMS

PrivateKey = (
    rsa.RSAPrivateKey
    | ec.EllipticCurvePrivateKey
    | ed25519.Ed25519PrivateKey
    | ed448.Ed448PrivateKey
)


@dataclass(frozen=True, slots=True)
class TokenSigner:
    key: PrivateKey | bytes
    algorithm: str
    issuer: str
    audience: str
    ttl: int = 60
    kid: str | None = None
    clock: Callable[[], float] = field(default=time.time, repr=False)

    def __post_init__(self) -> None:
        fits = (
            (self.algorithm in HMAC_ALGORITHMS and isinstance(self.key, bytes))
            or (self.algorithm in RSA_ALGORITHMS and isinstance(self.key, rsa.RSAPrivateKey))
            or (
                self.algorithm in EC_ALGORITHMS and isinstance(self.key, ec.EllipticCurvePrivateKey)
            )
            or (
                self.algorithm in EDDSA_ALGORITHMS
                and isinstance(self.key, ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey)
            )
        )
        if not fits:
            raise AuthConfigError(f"the signing key does not fit algorithm {self.algorithm!r}")
        if not 1 <= self.ttl <= 86_400:
            raise AuthConfigError("token ttl must be between 1 second and 1 day")

    def sign(
        self,
        subject: str | None,
        scopes: Iterable[str] = (),
        *,
        ttl: int | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> str:
        now = int(self.clock())
        payload: dict[str, Any] = {
            **(extra or {}),
            "iss": self.issuer,
            "aud": self.audience,
            "iat": now,
            "nbf": now,
            "exp": now + (self.ttl if ttl is None else ttl),
        }
        if subject is not None:
            payload["sub"] = subject
        scope = " ".join(sorted(set(scopes)))
        if scope:
            payload["scope"] = scope
        headers = {"kid": self.kid} if self.kid else None
        return jwt.encode(payload, self.key, algorithm=self.algorithm, headers=headers)


class IdentityTokens:
    """Signed identity tokens per (subject, scopes), reused for half their lifetime."""

    MAX_CACHED = 4096

    def __init__(self, signer: TokenSigner) -> None:
        self.signer = signer
        self._cache: dict[tuple[str | None, frozenset[str]], tuple[float, str]] = {}

    def token_for(self, claims: Claims | None) -> str:
        subject = claims.subject if claims is not None else None
        scopes = claims.scopes if claims is not None else frozenset()
        key = (subject, scopes)
        now = self.signer.clock()
        cached = self._cache.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        token = self.signer.sign(subject, scopes)
        if len(self._cache) >= self.MAX_CACHED:
            self._cache.clear()
        self._cache[key] = (now + self.signer.ttl / 2, token)
        return token
