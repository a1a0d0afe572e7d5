"""router.yaml security sections, `supergraph token`, development-only guards, policy hooks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from auth import Claims, grant_policies, load_policy_hook, parse_authentication
from auth.dev import DEV_AUDIENCE, DEV_ISSUER, load_or_create_dev_key, public_key_path
from auth.errors import AuthConfigError
from supergraph.__main__ import main
from supergraph.http.config import ConfigError, parse_config
from supergraph.http.server import build_app
from tests.auth import tokens
from tests.auth.graph import ACCOUNTS, RecordingSubgraph, supergraph_sdl
from tests.http.loopback import serve

AUTH: dict[str, Any] = {"keys": [{"jwk": tokens.jwk(tokens.RSA_KEY, "rsa-1")}]}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"authentication": {"keys": []}}, "no verification keys"),
        ({"authentication": {**AUTH, "bogus": 1}}, "authentication.bogus: unknown key"),
        ({"authentication": {**AUTH, "leeway": 3600}}, "leeway must be between"),
        (
            {
                "authentication": {
                    "keys": [{"kid": "h", "algorithms": ["HS256"], "secret_env": "NOPE"}]
                }
            },
            "NOPE is not set",
        ),
        (
            {
                "authentication": {
                    "keys": [
                        {
                            "algorithms": ["HS256"],
                            "public_key": tokens.public_pem(tokens.RSA_KEY).decode(),
                        }
                    ]
                }
            },
            "needs a shared secret",
        ),
        ({"authentication": {"jwks": [{"url": "ftp://x"}]}}, "url: expected an http"),
        ({"headers": {"all": [{"propagate": {"named": "host"}}]}}, "cannot be propagated"),
        (
            {"headers": {"all": [{"insert": {"name": "x-supergraph-identity", "value": "x"}}]}},
            "cannot be propagated or inserted",
        ),
        ({"headers": {"all": [{"forward": {"named": "a"}}]}}, "expected one of"),
        ({"authorization": {"policy_hook": "nowhere.module:fn"}}, "authorization.policy_hook"),
        ({"identity": {"private_key_file": "/nonexistent.pem"}}, "identity.private_key_file"),
    ],
)
def test_bad_security_config_names_the_key(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(raw, {})


def test_header_rules_for_unknown_subgraph_are_refused() -> None:
    config = parse_config({"headers": {"subgraphs": {"nope": [{"propagate": {"named": "a"}}]}}})
    sdl = supergraph_sdl({"accounts": "http://a/graphql", "orders": "http://o/graphql"})
    with pytest.raises(ConfigError, match=r"headers\.subgraphs\.nope"):
        build_app(sdl, config)


def test_development_features_are_refused_in_production(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SUPERGRAPH_DEV_KEY", str(tmp_path / "dev.pem"))
    monkeypatch.setenv("SUPERGRAPH_ENV", "production")
    assert main(["token", "--sub", "1"]) == 2
    assert "development only" in capsys.readouterr().err
    with pytest.raises(AuthConfigError, match="development only"):
        parse_authentication({"development": True})
    with pytest.raises(ConfigError, match="development only"):
        parse_config({"identity": {"development": True}})
    assert not (tmp_path / "dev.pem").exists()


def test_token_command_signs_with_the_dev_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key_path = tmp_path / "dev.pem"
    monkeypatch.setenv("SUPERGRAPH_DEV_KEY", str(key_path))
    monkeypatch.delenv("SUPERGRAPH_ENV", raising=False)
    assert main(["token", "--sub", "7", "--scope", "orders:read", "--ttl", "120"]) == 0
    token = capsys.readouterr().out.strip()
    assert oct(key_path.stat().st_mode & 0o777) == "0o600"
    public = load_or_create_dev_key(key_path).public_key()
    assert public_key_path(key_path).exists()
    claims = jwt.decode(
        token, public, algorithms=["EdDSA"], audience=DEV_AUDIENCE, issuer=DEV_ISSUER
    )
    assert claims["sub"] == "7" and claims["scope"] == "orders:read"
    assert claims["exp"] - claims["iat"] == 120
    assert main(["token", "--sub", "7", "--ttl", "0"]) == 2


def test_token_splits_comma_separated_scopes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SUPERGRAPH_DEV_KEY", str(tmp_path / "dev.pem"))
    monkeypatch.delenv("SUPERGRAPH_ENV", raising=False)
    args = ["token", "--sub", "3f2a9c1e-7b4d", "--scope", "orders:read,user:email", "--scope", "x"]
    assert main(args) == 0
    claims = jwt.decode(capsys.readouterr().out.strip(), options={"verify_signature": False})
    assert claims["scope"] == "orders:read user:email x"
    assert claims["sub"] == "3f2a9c1e-7b4d"  # opaque: any string, not only integers
    assert main(["token", "--sub", "1", "--scope", 'a"b']) == 2


def test_token_outside_the_checkout_names_the_missing_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No key where `supergraph dev` would have made one: an error with the way out,
    never a fresh key whose tokens the running router refuses."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SUPERGRAPH_DEV_KEY", raising=False)
    monkeypatch.delenv("SUPERGRAPH_ENV", raising=False)
    assert main(["token", "--sub", "1"]) == 2
    error = capsys.readouterr().err
    assert str(tmp_path / "data" / "dev-signing-key.pem") in error
    assert "SUPERGRAPH_DEV_KEY" in error and "--create-key" in error
    assert not (tmp_path / "data").exists()
    assert main(["token", "--sub", "1", "--create-key"]) == 0
    assert (tmp_path / "data" / "dev-signing-key.pem").exists()


@pytest.fixture
async def required_router(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    accounts = RecordingSubgraph(ACCOUNTS)
    async with serve(accounts.app) as url:
        sdl = supergraph_sdl({"accounts": f"{url}/graphql", "orders": f"{url}/graphql"})
        config = parse_config(
            {
                "authentication": {**AUTH, "required": True, "cookie": "session"},
                "subgraphs": {"accounts": {"url": f"{url}/graphql"}},
            }
        )
        async with (
            serve(build_app(sdl, config)) as router_url,
            httpx.AsyncClient(base_url=router_url) as client,
        ):
            yield client


async def test_required_authentication_and_cookie(required_router: httpx.AsyncClient) -> None:
    query = {"query": "{ users { id } }"}
    anonymous = await required_router.post("/graphql", json=query)
    assert anonymous.status_code == 401
    assert anonymous.json() == {
        "errors": [
            {"message": "Authentication is required.", "extensions": {"code": "UNAUTHENTICATED"}}
        ]
    }
    token = tokens.token(iss=None, aud=None)
    by_header = await required_router.post(
        "/graphql", json=query, headers={"authorization": f"Bearer {token}"}
    )
    assert by_header.status_code == 200 and by_header.json()["data"]["users"][0]["id"] == "1"
    required_router.cookies.set("session", token)
    by_cookie = await required_router.post("/graphql", json=query)
    assert by_cookie.status_code == 200
    required_router.cookies.set("session", "bad token")
    assert (await required_router.post("/graphql", json=query)).status_code == 401


async def async_hook(claims: Claims | None, policy: str) -> bool:
    return claims is not None and policy in claims.raw.get("policies", [])


async def test_policy_hooks_sync_or_async_and_loaded_by_name() -> None:
    claims = Claims.from_payload({"sub": "1", "policies": ["a"]})
    assert await grant_policies(async_hook, claims, ["a", "b"]) == frozenset({"a"})
    hook = load_policy_hook("tests.auth.graph:staff_policy")
    assert await grant_policies(hook, claims, ["staff"]) == frozenset({"staff"})
    assert await grant_policies(hook, None, ["staff"]) == frozenset()
    with pytest.raises(AuthConfigError):
        load_policy_hook("no_colon")


async def test_dev_router_and_subgraphs_share_the_dev_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from auth import TokenVerifier, WrongIssuer
    from auth.dev import dev_token_signer
    from subgraphs._common.identity import SubgraphIdentity
    from supergraph.cli.devauth import development_config, subgraph_environment
    from supergraph.http.config import RouterConfig

    monkeypatch.setenv("SUPERGRAPH_DEV_KEY", str(tmp_path / "dev.pem"))
    monkeypatch.delenv("SUPERGRAPH_ENV", raising=False)
    config = development_config(RouterConfig())
    security = config.security
    assert security.authentication is not None and security.identity is not None
    # A `supergraph token` token is accepted by the dev router...
    user_token = dev_token_signer(load_or_create_dev_key(tmp_path / "dev.pem")).sign("5", ["x"])
    claims = await TokenVerifier(security.authentication.verifier).verify(user_token)
    assert claims.subject == "5" and claims.scopes == frozenset({"x"})
    # ...and the subgraph children verify the router's identity tokens and require them.
    env = subgraph_environment()
    assert env["SUBGRAPHS_REQUIRE_IDENTITY"] == "1"
    identity = SubgraphIdentity.from_env(env)
    forwarded = security.identity.signer.sign("5", ["x"])
    seen = await identity.identify({"x-supergraph-identity": forwarded})
    assert seen.claims is not None and seen.claims.subject == "5"
    with pytest.raises(WrongIssuer):  # a user's own token is not the router's identity
        await identity.identify({"x-supergraph-identity": user_token})
    await identity.aclose()
