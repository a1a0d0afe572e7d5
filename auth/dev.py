"""The development key: what `supergraph dev` trusts and `supergraph token` signs with.

One Ed25519 key pair, created on first use at `SUPERGRAPH_DEV_KEY` (default
`./data/dev-signing-key.pem`, mode 0600) with its public half next to it
(`.pub.pem`). User tokens carry `iss: supergraph-dev`, `aud: supergraph`; the
router's identity tokens for subgraphs carry `iss: supergraph-router`,
`aud: subgraphs`, signed with the same key in development only.

Everything here refuses to run when `SUPERGRAPH_ENV` says production.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)

from auth.errors import AuthConfigError
from auth.keys import VerificationKey
from auth.signing import TokenSigner

DEV_KEY_ENV: Final = "SUPERGRAPH_DEV_KEY"
ENVIRONMENT_ENV: Final = "SUPERGRAPH_ENV"
DEFAULT_DEV_KEY: Final = "./data/dev-signing-key.pem"
DEV_KID: Final = "supergraph-dev"
DEV_ALGORITHM: Final = "EdDSA"
DEV_ISSUER: Final = "supergraph-dev"
DEV_AUDIENCE: Final = "supergraph"
ROUTER_ISSUER: Final = "supergraph-router"
SUBGRAPH_AUDIENCE: Final = "subgraphs"
_PRODUCTION: Final = frozenset({"production", "prod"})


class DevelopmentOnly(AuthConfigError):
    """A development-only feature was asked for in a production environment."""


def is_production(env: Mapping[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    return env.get(ENVIRONMENT_ENV, "").strip().lower() in _PRODUCTION


def ensure_development(what: str, env: Mapping[str, str] | None = None) -> None:
    if is_production(env):
        raise DevelopmentOnly(f"{what} is for development only ({ENVIRONMENT_ENV} is production)")


def dev_key_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get(DEV_KEY_ENV) or DEFAULT_DEV_KEY)


def public_key_path(private_path: Path) -> Path:
    return private_path.with_name(private_path.name.removesuffix(".pem") + ".pub.pem")


def load_or_create_dev_key(path: Path | None = None) -> ed25519.Ed25519PrivateKey:
    """The development private key, created (with its `.pub.pem`) when missing."""
    ensure_development("the development signing key")
    path = path or dev_key_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = ed25519.Ed25519PrivateKey.generate()
        pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # created concurrently: read theirs
        else:
            with os.fdopen(fd, "wb") as file:
                file.write(pem)
            public = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
            public_key_path(path).write_bytes(public)
            return key
    loaded = load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, ed25519.Ed25519PrivateKey):
        raise AuthConfigError(f"{path}: not an Ed25519 private key")
    public_path = public_key_path(path)
    if not public_path.exists():
        public_path.write_bytes(
            loaded.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
        )
    return loaded


def dev_verification_key(key: ed25519.Ed25519PrivateKey) -> VerificationKey:
    return VerificationKey(DEV_KID, key.public_key(), frozenset({DEV_ALGORITHM}))


def dev_token_signer(key: ed25519.Ed25519PrivateKey, ttl: int = 3600) -> TokenSigner:
    """Signs user tokens that the development router accepts."""
    return TokenSigner(key, DEV_ALGORITHM, DEV_ISSUER, DEV_AUDIENCE, ttl=ttl, kid=DEV_KID)


def dev_identity_signer(key: ed25519.Ed25519PrivateKey, ttl: int = 60) -> TokenSigner:
    """Signs the development router's identity tokens for subgraphs."""
    return TokenSigner(key, DEV_ALGORITHM, ROUTER_ISSUER, SUBGRAPH_AUDIENCE, ttl=ttl, kid=DEV_KID)
