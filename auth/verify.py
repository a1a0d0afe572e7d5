"""`TokenVerifier`: a compact JWS token -> `Claims`, or a typed `AuthError`.

The checks, in order: size; header decodes; `alg` is supported (never `none`);
the key is found by `kid` (static keys first, then each JWKS); the key allows
`alg`; PyJWT verifies the signature with exactly that algorithm, then `exp`,
`nbf`, `iat` (with `leeway`), `iss` and `aud` when configured, and the
required claims.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import jwt

from auth.claims import Claims
from auth.errors import (
    AuthConfigError,
    BadSignature,
    DisallowedAlgorithm,
    InvalidToken,
    KeysUnavailable,
    MalformedToken,
    MissingClaim,
    TokenExpired,
    TokenNotYetValid,
    TokenTooLarge,
    UnknownKey,
    WrongAudience,
    WrongIssuer,
)
from auth.jwks import JWKSKeySet
from auth.keys import SUPPORTED_ALGORITHMS, VerificationKey

DEFAULT_MAX_TOKEN_BYTES: Final = 8192
MAX_LEEWAY_SECONDS: Final = 300.0

_ERRORS: Final[tuple[tuple[type[jwt.PyJWTError], type[InvalidToken]], ...]] = (
    (jwt.ExpiredSignatureError, TokenExpired),
    (jwt.ImmatureSignatureError, TokenNotYetValid),
    (jwt.InvalidIssuerError, WrongIssuer),
    (jwt.InvalidAudienceError, WrongAudience),
    (jwt.MissingRequiredClaimError, MissingClaim),
    (jwt.InvalidSignatureError, BadSignature),
    (jwt.InvalidAlgorithmError, DisallowedAlgorithm),
    (jwt.DecodeError, MalformedToken),
)


@dataclass(frozen=True, slots=True)
class VerifierSettings:
    """What a token must satisfy. `issuer`/`audience`: any of the listed values."""

    keys: Sequence[VerificationKey] = ()
    issuer: Sequence[str] = ()
    audience: Sequence[str] = ()
    leeway: float = 30.0
    max_token_bytes: int = DEFAULT_MAX_TOKEN_BYTES
    required_claims: Sequence[str] = ("exp",)
    jwks: Sequence[JWKSKeySet] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not 0 <= self.leeway <= MAX_LEEWAY_SECONDS:
            raise AuthConfigError(f"leeway must be between 0 and {MAX_LEEWAY_SECONDS:g} seconds")
        if self.max_token_bytes < 256:
            raise AuthConfigError("max_token_bytes must be at least 256")
        if not self.keys and not self.jwks:
            raise AuthConfigError("no verification keys: configure keys or a JWKS URL")


class TokenVerifier:
    """Verifies tokens against static keys and JWKS key sets; shared by all requests."""

    def __init__(self, settings: VerifierSettings) -> None:
        self.settings = settings
        self._by_kid: dict[str, VerificationKey] = {}
        self._unnamed: list[VerificationKey] = []
        for key in settings.keys:
            if key.kid is None:
                self._unnamed.append(key)
            elif key.kid in self._by_kid:
                raise AuthConfigError(f"two keys have kid {key.kid!r}")
            else:
                self._by_kid[key.kid] = key

    async def verify(self, token: str) -> Claims:
        settings = self.settings
        if len(token) > settings.max_token_bytes:
            raise TokenTooLarge()
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise MalformedToken() from error
        algorithm = header.get("alg")
        if not isinstance(algorithm, str) or algorithm not in SUPPORTED_ALGORITHMS:
            raise DisallowedAlgorithm()
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise MalformedToken()
        candidates = await self._candidates(kid, algorithm)
        failure: InvalidToken = BadSignature()
        for key in candidates:
            try:
                payload = self._decode(token, key, algorithm)
            except BadSignature as error:
                failure = error  # without a kid, the next candidate may match
                continue
            return Claims.from_payload(payload, leeway=settings.leeway)
        raise failure

    async def _candidates(self, kid: str | None, algorithm: str) -> list[VerificationKey]:
        if kid is not None:
            key = self._by_kid.get(kid)
            if key is None:
                # A configured key without a kid verifies tokens whatever their kid.
                unnamed = [k for k in self._unnamed if k.allows(algorithm)]
                if unnamed:
                    return unnamed
                key = await self._published(kid)
            if key is None:
                raise UnknownKey()
            if not key.allows(algorithm):
                raise DisallowedAlgorithm()
            return [key]
        keys = list(self._unnamed)
        for key_set in self.settings.jwks:
            try:
                keys.extend(k for k in await key_set.all_keys() if k.kid is None)
            except KeysUnavailable:
                if not keys:
                    raise
        matching = [key for key in keys if key.allows(algorithm)]
        if not matching:
            raise UnknownKey() if not keys else DisallowedAlgorithm()
        return matching

    async def _published(self, kid: str) -> VerificationKey | None:
        unavailable: KeysUnavailable | None = None
        for key_set in self.settings.jwks:
            try:
                key = await key_set.get(kid)
            except KeysUnavailable as error:
                unavailable = error
                continue
            if key is not None:
                return key
        if unavailable is not None:
            raise unavailable
        return None

    def _decode(self, token: str, key: VerificationKey, algorithm: str) -> dict[str, Any]:
        settings = self.settings
        issuer = list(settings.issuer) or None
        audience = list(settings.audience) or None
        try:
            payload: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[algorithm],
                audience=audience,
                issuer=issuer,
                leeway=settings.leeway,
                options={
                    "require": list(settings.required_claims),
                    "verify_aud": audience is not None,
                    "verify_iss": issuer is not None,
                },
            )
        except jwt.PyJWTError as error:
            for pyjwt_error, ours in _ERRORS:
                if isinstance(error, pyjwt_error):
                    raise ours() from error
            raise InvalidToken() from error
        return payload

    async def aclose(self) -> None:
        for key_set in self.settings.jwks:
            await key_set.aclose()
