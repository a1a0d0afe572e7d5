"""Why a request's credentials were refused; every message is safe to show a client.

AuthError                      the credentials cannot be accepted (401, UNAUTHENTICATED)
├── MalformedCredentials       the Authorization header or cookie is not `Bearer <token>`
├── TokenTooLarge              the token is longer than the configured maximum
├── InvalidToken               the token itself fails verification
│   ├── MalformedToken         not a decodable JWS compact token
│   ├── DisallowedAlgorithm    `alg` is not allowed (never `none`) or not allowed for the key
│   ├── UnknownKey             no configured or published key has the token's `kid`
│   ├── BadSignature           the signature does not match the header and payload
│   ├── TokenExpired           `exp` is in the past (beyond the leeway)
│   ├── TokenNotYetValid       `nbf` or `iat` is in the future (beyond the leeway)
│   ├── WrongIssuer            `iss` is not the configured issuer
│   ├── WrongAudience          `aud` does not name the configured audience
│   └── MissingClaim           a required claim (e.g. `exp`) is absent
├── KeysUnavailable            the key set cannot be fetched and nothing is cached
└── AuthenticationRequired     no credentials, and the configuration requires them

AuthConfigError                the authentication configuration itself is wrong (start-up)
"""

from __future__ import annotations


class AuthError(Exception):
    """Credentials refused; `reason` is a short, client-safe explanation."""

    reason = "The request's credentials are not valid."

    def __init__(self, reason: str | None = None) -> None:
        if reason is not None:
            self.reason = reason
        super().__init__(self.reason)


class MalformedCredentials(AuthError):
    reason = "The Authorization header must have the form 'Bearer <token>'."


class TokenTooLarge(AuthError):
    reason = "The token is too large."


class InvalidToken(AuthError):
    reason = "The token is not valid."


class MalformedToken(InvalidToken):
    reason = "The token is not a well-formed JWT."


class DisallowedAlgorithm(InvalidToken):
    reason = "The token's signing algorithm is not allowed."


class UnknownKey(InvalidToken):
    reason = "The token's signing key is not known."


class BadSignature(InvalidToken):
    reason = "The token's signature is not valid."


class TokenExpired(InvalidToken):
    reason = "The token has expired."


class TokenNotYetValid(InvalidToken):
    reason = "The token is not valid yet."


class WrongIssuer(InvalidToken):
    reason = "The token's issuer is not accepted."


class WrongAudience(InvalidToken):
    reason = "The token is not meant for this service."


class MissingClaim(InvalidToken):
    reason = "The token lacks a required claim."


class KeysUnavailable(AuthError):
    reason = "The token's signing keys are unavailable; try again later."


class AuthenticationRequired(AuthError):
    reason = "Authentication is required."


class AuthConfigError(ValueError):
    """The authentication configuration is invalid (reported at start-up)."""
