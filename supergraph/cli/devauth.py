"""Authentication for `supergraph dev`: the development key everywhere.

The router accepts `supergraph token` tokens (unless router.yaml configures its
own `authentication`) and signs identity tokens for the subgraphs with the same
key (unless it configures `identity`); the subgraph children verify them with
the key's public half and refuse requests that did not come through the router.
"""

from __future__ import annotations

import os
from dataclasses import replace

from auth import parse_authentication
from auth.dev import (
    dev_identity_signer,
    dev_key_path,
    ensure_development,
    load_or_create_dev_key,
    public_key_path,
)
from supergraph.http.config import RouterConfig
from supergraph.http.security import IdentityConfig


def development_config(config: RouterConfig) -> RouterConfig:
    """`config` with the development authentication and identity where it has none."""
    ensure_development("supergraph dev")
    key = load_or_create_dev_key(dev_key_path())
    security = config.security
    if security.authentication is None:
        security = replace(security, authentication=parse_authentication({"development": True}))
    if security.identity is None:
        security = replace(security, identity=IdentityConfig(dev_identity_signer(key)))
    return replace(config, security=security)


def subgraph_environment() -> dict[str, str]:
    """The environment for the subgraph children: verify the router's dev identity."""
    ensure_development("supergraph dev")
    path = dev_key_path()
    load_or_create_dev_key(path)
    env = os.environ.copy()
    env.setdefault("SUBGRAPHS_IDENTITY_PUBLIC_KEY_FILE", str(public_key_path(path).resolve()))
    env.setdefault("SUBGRAPHS_REQUIRE_IDENTITY", "1")
    return env
