"""Authentication and authorization primitives shared by the router and the subgraphs.

Depends on nothing of ours (PyJWT, cryptography, httpx):

- `bearer_token(header, cookie)` -> the request's token or None (anonymous)
- `TokenVerifier(VerifierSettings(...)).verify(token)` -> `Claims`, or an `AuthError`
- `JWKSKeySet(url)`: published keys, cached, refreshed on unknown `kid` (rate-limited)
- `Access(claims, policies).allows(authenticated=, scopes=, policies=)`; `satisfies`
  for `@requiresScopes`/`@policy` (OR of ANDs); `grant_policies` runs a `PolicyHook`
- `TokenSigner` / `IdentityTokens`: the router's short-lived tokens for subgraphs
- `parse_authentication(mapping)`: settings from configuration
"""

from __future__ import annotations

from auth.bearer import bearer_token
from auth.claims import Claims
from auth.config import AuthenticationConfig, parse_authentication
from auth.errors import (
    AuthConfigError,
    AuthenticationRequired,
    AuthError,
    BadSignature,
    DisallowedAlgorithm,
    InvalidToken,
    KeysUnavailable,
    MalformedCredentials,
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
from auth.keys import VerificationKey, hmac_key, key_from_jwk, keys_from_jwks, public_key_from_pem
from auth.requirements import Access, PolicyHook, grant_policies, load_policy_hook, satisfies
from auth.signing import IdentityTokens, TokenSigner
from auth.verify import TokenVerifier, VerifierSettings

__all__ = [
    "Access",
    "AuthConfigError",
    "AuthError",
    "AuthenticationConfig",
    "AuthenticationRequired",
    "BadSignature",
    "Claims",
    "DisallowedAlgorithm",
    "IdentityTokens",
    "InvalidToken",
    "JWKSKeySet",
    "KeysUnavailable",
    "MalformedCredentials",
    "MalformedToken",
    "MissingClaim",
    "PolicyHook",
    "TokenExpired",
    "TokenNotYetValid",
    "TokenSigner",
    "TokenTooLarge",
    "TokenVerifier",
    "UnknownKey",
    "VerificationKey",
    "VerifierSettings",
    "WrongAudience",
    "WrongIssuer",
    "bearer_token",
    "grant_policies",
    "hmac_key",
    "key_from_jwk",
    "keys_from_jwks",
    "load_policy_hook",
    "parse_authentication",
    "public_key_from_pem",
    "satisfies",
]
