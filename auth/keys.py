"""Verification keys, each with its own algorithm allow-list.

A key is either an asymmetric public key (RSA, EC, Ed25519/Ed448) or an HMAC
secret. Every algorithm a key allows must fit its type, so an HS256 token can
never be checked against a public key (the classic "HS256 signed with the RS
public key" confusion), and `none` is never an algorithm at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from auth.errors import AuthConfigError

RSA_ALGORITHMS: Final = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"})
EC_ALGORITHMS: Final = {"ES256": "secp256r1", "ES384": "secp384r1", "ES512": "secp521r1"}
EDDSA_ALGORITHMS: Final = frozenset({"EdDSA"})
HMAC_ALGORITHMS: Final = frozenset({"HS256", "HS384", "HS512"})
SUPPORTED_ALGORITHMS: Final = (
    RSA_ALGORITHMS | frozenset(EC_ALGORITHMS) | EDDSA_ALGORITHMS | (HMAC_ALGORITHMS)
)
MIN_HMAC_SECRET_BYTES: Final = 32

PublicKey = (
    rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | (ed448.Ed448PublicKey)
)


@dataclass(frozen=True, slots=True)
class VerificationKey:
    """A key that verifies signatures with exactly the algorithms in `algorithms`."""

    kid: str | None
    key: PublicKey | bytes
    algorithms: frozenset[str]

    def __post_init__(self) -> None:
        if not self.algorithms:
            raise AuthConfigError(f"key {self.kid or '(no kid)'}: no algorithms allowed")
        for algorithm in self.algorithms:
            problem = _mismatch(self.key, algorithm)
            if problem:
                raise AuthConfigError(f"key {self.kid or '(no kid)'}: {problem}")

    def allows(self, algorithm: str) -> bool:
        return algorithm in self.algorithms


def _mismatch(key: PublicKey | bytes, algorithm: str) -> str | None:
    if algorithm not in SUPPORTED_ALGORITHMS:
        return f"algorithm {algorithm!r} is not supported"
    if algorithm in HMAC_ALGORITHMS:
        if not isinstance(key, bytes):
            return f"{algorithm} needs a shared secret, not a public key"
        if len(key) < MIN_HMAC_SECRET_BYTES:
            return f"an {algorithm} secret needs at least {MIN_HMAC_SECRET_BYTES} bytes"
        return None
    if isinstance(key, bytes):
        return f"{algorithm} needs a public key, not a shared secret"
    if algorithm in RSA_ALGORITHMS:
        return None if isinstance(key, rsa.RSAPublicKey) else f"{algorithm} needs an RSA key"
    if algorithm in EC_ALGORITHMS:
        if (
            isinstance(key, ec.EllipticCurvePublicKey)
            and key.curve.name == EC_ALGORITHMS[algorithm]
        ):
            return None
        return f"{algorithm} needs an EC {EC_ALGORITHMS[algorithm]} key"
    if isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        return None
    return f"{algorithm} needs an Ed25519 or Ed448 key"


def hmac_key(
    secret: str | bytes, *, kid: str | None = None, algorithm: str = "HS256"
) -> VerificationKey:
    """A shared-secret key (HS256 by default); secrets shorter than 32 bytes are refused."""
    raw = secret.encode() if isinstance(secret, str) else secret
    return VerificationKey(kid, raw, frozenset({algorithm}))


def public_key_from_pem(
    pem: str | bytes, algorithms: Iterable[str], *, kid: str | None = None
) -> VerificationKey:
    data = pem.encode() if isinstance(pem, str) else pem
    try:
        loaded = load_pem_public_key(data)
    except ValueError as error:
        raise AuthConfigError(f"key {kid or '(no kid)'}: not a PEM public key") from error
    if not isinstance(loaded, PublicKey):
        raise AuthConfigError(f"key {kid or '(no kid)'}: unsupported public key type")
    return VerificationKey(kid, loaded, frozenset(algorithms))


def key_from_jwk(
    jwk: Mapping[str, Any], algorithms: Iterable[str] | None = None
) -> VerificationKey:
    """A public key from a JWK; its algorithm is the JWK's `alg` or the key type's default.

    Symmetric (`oct`) JWKs are refused: shared secrets come from configuration only.
    """
    if jwk.get("kty") == "oct":
        raise AuthConfigError("symmetric JWKs are not accepted; configure the secret instead")
    declared = jwk.get("alg")
    if declared is not None and (
        declared not in SUPPORTED_ALGORITHMS or declared in HMAC_ALGORITHMS
    ):
        raise AuthConfigError(f"JWK algorithm {declared!r} is not accepted")
    try:
        parsed = jwt.PyJWK(dict(jwk))
    except (jwt.PyJWTError, ValueError, KeyError, TypeError, NotImplementedError) as error:
        raise AuthConfigError(f"unusable JWK: {error}") from error
    key = parsed.key
    if not isinstance(key, PublicKey):
        raise AuthConfigError("JWKs must hold public keys")
    kid = jwk.get("kid")
    allowed = (
        frozenset(algorithms) if algorithms is not None else frozenset({parsed.algorithm_name})
    )
    return VerificationKey(kid if isinstance(kid, str) else None, key, allowed)


def keys_from_jwks(document: object) -> list[VerificationKey]:
    """The signing keys of a JWKS document; keys we cannot use are skipped."""
    if isinstance(document, str | bytes):
        document = json.loads(document)
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("a JWKS document is an object with a 'keys' list")
    keys: list[VerificationKey] = []
    for jwk in document["keys"]:
        if not isinstance(jwk, dict) or jwk.get("use", "sig") != "sig":
            continue
        try:
            keys.append(key_from_jwk(jwk))
        except AuthConfigError:
            continue
    return keys
