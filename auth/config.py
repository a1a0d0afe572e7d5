"""Authentication settings from a plain mapping (a `router.yaml` section, or a subgraph's).

    authentication:
      required: false            # true: anonymous requests get 401
      cookie: session_token      # also read the token from this cookie (optional)
      issuer: https://id.example.com/     # or a list; checked when set
      audience: api.example.com           # or a list; checked when set
      leeway: 30                 # seconds of clock skew for exp/nbf/iat (0..300)
      max_token_bytes: 8192
      required_claims: [exp]
      keys:                      # static keys, each with its own algorithms
        - {kid: rsa-1, algorithms: [RS256], public_key_file: keys/rsa-1.pub.pem}
        - {kid: hs-1, algorithms: [HS256], secret_env: JWT_HS_SECRET}
        - {jwk: {kty: OKP, crv: Ed25519, x: ..., kid: ed-1}}
      jwks:
        - {url: https://id.example.com/.well-known/jwks.json, ttl: 300, min_refresh_interval: 30}
      development: false         # trust the `supergraph token` dev key (refused in production)

Errors are `AuthConfigError` naming the key.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from auth.dev import (
    DEV_AUDIENCE,
    DEV_ISSUER,
    dev_verification_key,
    ensure_development,
    load_or_create_dev_key,
)
from auth.errors import AuthConfigError
from auth.jwks import JWKSKeySet
from auth.keys import VerificationKey, hmac_key, key_from_jwk, public_key_from_pem
from auth.verify import DEFAULT_MAX_TOKEN_BYTES, VerifierSettings

_TOP = frozenset(
    {
        "required",
        "cookie",
        "issuer",
        "audience",
        "leeway",
        "max_token_bytes",
        "required_claims",
        "keys",
        "jwks",
        "development",
    }
)
_KEY = frozenset(
    {"kid", "algorithms", "public_key", "public_key_file", "jwk", "secret_env", "secret_file"}
)
_JWKS = frozenset({"url", "ttl", "min_refresh_interval", "timeout"})


@dataclass(frozen=True, slots=True)
class AuthenticationConfig:
    verifier: VerifierSettings
    required: bool = False
    cookie: str | None = None


def parse_authentication(
    raw: object, *, base: Path | None = None, env: Mapping[str, str] | None = None
) -> AuthenticationConfig:
    """Settings from the mapping; relative key files resolve against `base`."""
    env = os.environ if env is None else env
    values = _mapping(raw, "authentication")
    _only(values, _TOP, "authentication")
    development = _bool(values.get("development", False), "authentication.development")
    keys = [
        _key(item, f"authentication.keys[{index}]", base, env)
        for index, item in enumerate(_list(values.get("keys", []), "authentication.keys"))
    ]
    jwks = [
        _jwks(item, f"authentication.jwks[{index}]")
        for index, item in enumerate(_list(values.get("jwks", []), "authentication.jwks"))
    ]
    issuer = _strings(values.get("issuer", []), "authentication.issuer")
    audience = _strings(values.get("audience", []), "authentication.audience")
    if development:
        ensure_development("authentication.development", env)
        keys.append(dev_verification_key(load_or_create_dev_key()))
        issuer = issuer or (DEV_ISSUER,)
        audience = audience or (DEV_AUDIENCE,)
    cookie = values.get("cookie")
    if cookie is not None and not (isinstance(cookie, str) and cookie):
        raise AuthConfigError("authentication.cookie: expected a cookie name")
    try:
        settings = VerifierSettings(
            keys=tuple(keys),
            jwks=tuple(jwks),
            issuer=issuer,
            audience=audience,
            leeway=_number(values.get("leeway", 30), "authentication.leeway"),
            max_token_bytes=int(
                _number(
                    values.get("max_token_bytes", DEFAULT_MAX_TOKEN_BYTES),
                    "authentication.max_token_bytes",
                )
            ),
            required_claims=_strings(
                values.get("required_claims", ["exp"]), "authentication.required_claims"
            ),
        )
    except AuthConfigError as error:
        raise AuthConfigError(f"authentication: {error}") from error
    return AuthenticationConfig(
        settings,
        required=_bool(values.get("required", False), "authentication.required"),
        cookie=cookie,
    )


def _key(raw: object, where: str, base: Path | None, env: Mapping[str, str]) -> VerificationKey:
    values = _mapping(raw, where)
    _only(values, _KEY, where)
    kid = values.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise AuthConfigError(f"{where}.kid: expected a string")
    algorithms = _strings(values.get("algorithms", []), f"{where}.algorithms")
    sources = [
        name
        for name in ("public_key", "public_key_file", "jwk", "secret_env", "secret_file")
        if name in values
    ]
    if len(sources) != 1:
        raise AuthConfigError(
            f"{where}: give exactly one of public_key, public_key_file, jwk, secret_env, secret_file"
        )
    source = sources[0]
    if source != "jwk" and not algorithms:
        raise AuthConfigError(f"{where}.algorithms: list the algorithms this key may verify")
    try:
        match source:
            case "public_key":
                return public_key_from_pem(str(values[source]), algorithms, kid=kid)
            case "public_key_file":
                pem = _read(values[source], f"{where}.public_key_file", base)
                return public_key_from_pem(pem, algorithms, kid=kid)
            case "jwk":
                jwk = dict(_mapping(values[source], f"{where}.jwk"))
                if kid is not None:
                    jwk["kid"] = kid
                return key_from_jwk(jwk, algorithms or None)
            case "secret_env":
                name = str(values[source])
                secret = env.get(name)
                if not secret:
                    raise AuthConfigError(f"environment variable {name} is not set")
                return _hmac(secret.encode(), algorithms, kid)
            case _:
                return _hmac(
                    _read(values[source], f"{where}.secret_file", base).strip(), algorithms, kid
                )
    except AuthConfigError as error:
        raise AuthConfigError(f"{where}: {error}") from error


def _hmac(secret: bytes, algorithms: Sequence[str], kid: str | None) -> VerificationKey:
    key = hmac_key(secret, kid=kid, algorithm=algorithms[0])
    return VerificationKey(kid, key.key, frozenset(algorithms))


def _jwks(raw: object, where: str) -> JWKSKeySet:
    values = _mapping(raw, where)
    _only(values, _JWKS, where)
    url = values.get("url")
    if not (isinstance(url, str) and url.startswith(("https://", "http://"))):
        raise AuthConfigError(f"{where}.url: expected an http(s) URL")
    return JWKSKeySet(
        url,
        ttl=_number(values.get("ttl", 300), f"{where}.ttl"),
        min_refresh_interval=_number(
            values.get("min_refresh_interval", 30), f"{where}.min_refresh_interval"
        ),
        timeout=_number(values.get("timeout", 5), f"{where}.timeout"),
    )


def _read(value: object, where: str, base: Path | None) -> bytes:
    path = Path(str(value))
    if base is not None and not path.is_absolute():
        path = base / path
    try:
        return path.read_bytes()
    except OSError as error:
        raise AuthConfigError(f"{where}: cannot read {path}: {error.strerror}") from error


def _mapping(raw: object, where: str) -> Mapping[str, object]:
    if not isinstance(raw, dict):
        raise AuthConfigError(f"{where}: expected a mapping")
    return raw


def _list(raw: object, where: str) -> list[object]:
    if not isinstance(raw, list):
        raise AuthConfigError(f"{where}: expected a list")
    return raw


def _only(values: Mapping[str, object], allowed: frozenset[str], where: str) -> None:
    for key in values:
        if key not in allowed:
            raise AuthConfigError(
                f"{where}.{key}: unknown key (allowed: {', '.join(sorted(allowed))})"
            )


def _strings(raw: object, where: str) -> tuple[str, ...]:
    if isinstance(raw, str):
        return (raw,)
    if isinstance(raw, list) and all(isinstance(v, str) for v in raw):
        return tuple(raw)
    raise AuthConfigError(f"{where}: expected a string or a list of strings")


def _bool(raw: object, where: str) -> bool:
    if not isinstance(raw, bool):
        raise AuthConfigError(f"{where}: expected true or false")
    return raw


def _number(raw: object, where: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or raw < 0:
        raise AuthConfigError(f"{where}: expected a non-negative number")
    return float(raw)
