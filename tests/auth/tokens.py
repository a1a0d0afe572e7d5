"""Keys and token builders for the auth tests (fresh keys per test session)."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
ED_KEY = ed25519.Ed25519PrivateKey.generate()
OTHER_RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
HS_SECRET = b"s" * 48
ISSUER = "https://issuer.test/"
AUDIENCE = "router.test"


def public_pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)


def jwk(key: Any, kid: str) -> dict[str, Any]:
    """The public JWK of a private key, with `kid` and its algorithm."""
    public = key.public_key()
    data: dict[str, Any]
    if isinstance(key, rsa.RSAPrivateKey):
        data = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(public))
        data["alg"] = "RS256"
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        data = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(public))
        data["alg"] = "ES256"
    else:
        data = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(public))
        data["alg"] = "EdDSA"
    data["kid"] = kid
    data["use"] = "sig"
    return data


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    payload: dict[str, Any] = {
        "sub": "1",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "scope": "orders:read",
    }
    payload.update(overrides)
    return {k: v for k, v in payload.items() if v is not None}


def token(
    key: Any = RSA_KEY, algorithm: str = "RS256", kid: str | None = "rsa-1", **overrides: Any
) -> str:
    headers = {"kid": kid} if kid is not None else None
    return jwt.encode(claims(**overrides), key, algorithm=algorithm, headers=headers)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned_token(kid: str = "rsa-1", **overrides: Any) -> str:
    """`alg: none`, built by hand (PyJWT will not make one with a kid)."""
    header = b64(json.dumps({"alg": "none", "typ": "JWT", "kid": kid}).encode())
    payload = b64(json.dumps(claims(**overrides)).encode())
    return f"{header}.{payload}."


def hs256_with_public_key(kid: str = "rsa-1") -> str:
    """HS256 whose HMAC secret is the RSA public key PEM (the key-confusion attack)."""
    import hashlib
    import hmac

    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    payload = b64(json.dumps(claims(scope="admin")).encode())
    signing_input = f"{header}.{payload}".encode()
    signature = hmac.new(public_pem(RSA_KEY), signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(signature)}"


def tampered(original: str, **changes: Any) -> str:
    """`original` with its payload changed and the old signature kept."""
    header, payload, signature = original.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data.update(changes)
    return f"{header}.{b64(json.dumps(data).encode())}.{signature}"
