"""The attack and mistake table: every case is refused with its own typed reason.

JWKS cases talk to a real HTTP server on a free loopback port.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest

from auth import (
    BadSignature,
    Claims,
    DisallowedAlgorithm,
    JWKSKeySet,
    KeysUnavailable,
    MalformedCredentials,
    MalformedToken,
    TokenExpired,
    TokenNotYetValid,
    TokenTooLarge,
    TokenVerifier,
    UnknownKey,
    VerifierSettings,
    WrongAudience,
    WrongIssuer,
    bearer_token,
    hmac_key,
    public_key_from_pem,
)
from auth.errors import AuthError, MissingClaim
from auth.keys import VerificationKey
from tests.auth import tokens
from tests.auth.jwks_server import JWKSServer
from tests.http.loopback import serve

RSA = public_key_from_pem(tokens.public_pem(tokens.RSA_KEY), ["RS256"], kid="rsa-1")
HS = hmac_key(tokens.HS_SECRET, kid="hs-1")


def verifier(*keys: VerificationKey, jwks: tuple[JWKSKeySet, ...] = ()) -> TokenVerifier:
    return TokenVerifier(
        VerifierSettings(
            keys=keys or (RSA, HS),
            issuer=(tokens.ISSUER,),
            audience=(tokens.AUDIENCE,),
            leeway=5,
            max_token_bytes=4096,
            jwks=jwks,
        )
    )


@dataclass(frozen=True)
class Case:
    name: str
    token: Callable[[], str]
    error: type[AuthError]


def now() -> int:
    """The time when the token is made (not when this module was imported: in a long
    session the tests run many minutes later, and a token "600 s in the future" at
    import is valid by then)."""
    return int(time.time())


ATTACKS = [
    Case("alg none", lambda: tokens.unsigned_token(), DisallowedAlgorithm),
    Case("alg none without kid", lambda: tokens.unsigned_token(kid=""), DisallowedAlgorithm),
    Case("HS256 signed with the RS public key", tokens.hs256_with_public_key, DisallowedAlgorithm),
    Case(
        "RS256 token presented with an HS kid",
        lambda: tokens.token(kid="hs-1"),
        DisallowedAlgorithm,
    ),
    Case(
        "expired",
        lambda: tokens.token(exp=now() - 60, iat=now() - 600, nbf=now() - 600),
        TokenExpired,
    ),
    Case("not yet valid (nbf)", lambda: tokens.token(nbf=now() + 600), TokenNotYetValid),
    Case("issued in the future (iat)", lambda: tokens.token(iat=now() + 600), TokenNotYetValid),
    Case("wrong issuer", lambda: tokens.token(iss="https://evil.test/"), WrongIssuer),
    Case("no issuer", lambda: tokens.token(iss=None), MissingClaim),
    Case("wrong audience", lambda: tokens.token(aud="someone-else"), WrongAudience),
    Case("no exp", lambda: tokens.token(exp=None), MissingClaim),
    Case("unknown kid (no JWKS)", lambda: tokens.token(kid="nope"), UnknownKey),
    Case("signed by another RSA key", lambda: tokens.token(tokens.OTHER_RSA_KEY), BadSignature),
    Case("tampered payload", lambda: tokens.tampered(tokens.token(), sub="2"), BadSignature),
    Case("tampered scope", lambda: tokens.tampered(tokens.token(), scope="admin"), BadSignature),
    Case(
        "HS256 with a wrong secret", lambda: tokens.token(b"x" * 48, "HS256", "hs-1"), BadSignature
    ),
    Case("garbage", lambda: "not.a.token", MalformedToken),
    Case("oversized", lambda: tokens.token(pad="x" * 5000), TokenTooLarge),
]


@pytest.mark.parametrize("case", ATTACKS, ids=[c.name for c in ATTACKS])
async def test_attack_is_refused(case: Case) -> None:
    with pytest.raises(case.error) as caught:
        await verifier().verify(case.token())
    # The reason is one fixed, client-safe sentence: no PyJWT internals, no key material.
    assert caught.value.reason == case.error.reason


async def test_valid_tokens_of_every_key_type() -> None:
    from auth import key_from_jwk

    ec = key_from_jwk(tokens.jwk(tokens.EC_KEY, "ec-1"))
    ed = key_from_jwk(tokens.jwk(tokens.ED_KEY, "ed-1"))
    check = verifier(RSA, HS, ec, ed)
    for key, alg, kid in [
        (tokens.RSA_KEY, "RS256", "rsa-1"),
        (tokens.HS_SECRET, "HS256", "hs-1"),
        (tokens.EC_KEY, "ES256", "ec-1"),
        (tokens.ED_KEY, "EdDSA", "ed-1"),
    ]:
        claims = await check.verify(tokens.token(key, alg, kid, scope="a b"))
        assert claims == Claims(
            subject="1",
            scopes=frozenset({"a", "b"}),
            issuer=tokens.ISSUER,
            audience=(tokens.AUDIENCE,),
            expires_at=claims.expires_at,
            raw=claims.raw,
        )


async def test_leeway_accepts_small_clock_skew() -> None:
    claims = await verifier().verify(tokens.token(exp=int(time.time()) - 2))
    assert claims.subject == "1"


@pytest.mark.parametrize(
    "header",
    [
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer ",
        "Token abc.def.ghi",
        "Bearer abc.def.ghi extra",
        "Bearer  abc.def.ghi",
        "abc.def.ghi",
        'Bearer "abc.def.ghi"',
    ],
)
def test_wrong_header_form_is_refused_not_anonymous(header: str) -> None:
    with pytest.raises(MalformedCredentials):
        bearer_token(header)


def test_header_forms_that_are_accepted() -> None:
    assert bearer_token(None) is None
    assert bearer_token("") is None
    assert bearer_token("Bearer a.b.c") == "a.b.c"
    assert bearer_token("bearer a.b.c") == "a.b.c"
    assert bearer_token(None, "c.o.k") == "c.o.k"
    assert bearer_token("Bearer a.b.c", "c.o.k") == "a.b.c"
    with pytest.raises(TokenTooLarge):
        bearer_token("Bearer " + "a" * 9000)


def test_keys_refuse_algorithm_confusion_at_configuration() -> None:
    from auth import AuthConfigError

    with pytest.raises(AuthConfigError, match="shared secret"):
        public_key_from_pem(tokens.public_pem(tokens.RSA_KEY), ["HS256"])
    with pytest.raises(AuthConfigError, match="RSA"):
        public_key_from_pem(tokens.public_pem(tokens.EC_KEY), ["RS256"])
    with pytest.raises(AuthConfigError, match="not supported"):
        public_key_from_pem(tokens.public_pem(tokens.RSA_KEY), ["none"])
    with pytest.raises(AuthConfigError, match="32 bytes"):
        hmac_key(b"short")


# -- JWKS over real HTTP ------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def jwks_server() -> AsyncIterator[tuple[JWKSServer, str]]:
    server = JWKSServer([tokens.jwk(tokens.RSA_KEY, "rsa-1")])
    async with serve(server.app) as url:
        yield server, f"{url}/jwks.json"


async def test_jwks_key_is_fetched_once_and_cached(jwks_server: tuple[JWKSServer, str]) -> None:
    server, url = jwks_server
    clock = FakeClock()
    key_set = JWKSKeySet(url, ttl=300, min_refresh_interval=30, clock=clock)
    check = verifier(HS, jwks=(key_set,))
    for _ in range(3):
        assert (await check.verify(tokens.token())).subject == "1"
    assert server.fetches == 1
    clock.now += 301  # TTL over: refetched on next use
    await check.verify(tokens.token())
    assert server.fetches == 2
    await check.aclose()


async def test_unknown_kid_refreshes_then_rate_limits(jwks_server: tuple[JWKSServer, str]) -> None:
    server, url = jwks_server
    clock = FakeClock()
    key_set = JWKSKeySet(url, ttl=300, min_refresh_interval=30, clock=clock)
    check = verifier(HS, jwks=(key_set,))
    await check.verify(tokens.token())
    assert server.fetches == 1
    # A key rotated in at the provider: the unknown kid triggers one refresh and verifies.
    server.keys.append(tokens.jwk(tokens.EC_KEY, "ec-2"))
    clock.now += 31
    assert (await check.verify(tokens.token(tokens.EC_KEY, "ES256", "ec-2"))).subject == "1"
    assert server.fetches == 2
    # A flood of made-up kids within the interval: refused without any fetch.
    for n in range(50):
        with pytest.raises(UnknownKey):
            await check.verify(tokens.token(kid=f"made-up-{n}"))
    assert server.fetches == 2
    # After the interval, one more refresh is allowed.
    clock.now += 31
    with pytest.raises(UnknownKey):
        await check.verify(tokens.token(kid="made-up-again"))
    assert server.fetches == 3
    await check.aclose()


async def test_jwks_down_with_cached_keys_keeps_verifying(
    jwks_server: tuple[JWKSServer, str],
) -> None:
    server, url = jwks_server
    clock = FakeClock()
    key_set = JWKSKeySet(url, ttl=60, min_refresh_interval=30, clock=clock)
    check = verifier(HS, jwks=(key_set,))
    await check.verify(tokens.token())
    server.up = False
    clock.now += 120  # cache is stale and the endpoint is down
    assert (await check.verify(tokens.token())).subject == "1"
    assert server.fetches == 2
    # Still down: bad tokens are still refused, good ones still pass, no fetch storm.
    for _ in range(10):
        assert (await check.verify(tokens.token())).subject == "1"
        with pytest.raises(BadSignature):
            await check.verify(tokens.token(tokens.OTHER_RSA_KEY))
        with pytest.raises(UnknownKey):
            await check.verify(tokens.token(kid="other"))
    assert server.fetches == 2
    await check.aclose()


async def test_jwks_down_without_cached_keys_refuses(jwks_server: tuple[JWKSServer, str]) -> None:
    server, url = jwks_server
    server.up = False
    clock = FakeClock()
    key_set = JWKSKeySet(url, min_refresh_interval=30, clock=clock)
    check = verifier(HS, jwks=(key_set,))
    for _ in range(5):
        with pytest.raises(KeysUnavailable):
            await check.verify(tokens.token())
    assert server.fetches == 1  # one attempt per interval, not one per request
    # A token signed with a static key still works during the outage.
    assert (await check.verify(tokens.token(tokens.HS_SECRET, "HS256", "hs-1"))).subject == "1"
    server.up = True
    clock.now += 31
    assert (await check.verify(tokens.token())).subject == "1"
    await check.aclose()


async def test_jwks_unreachable_port_refuses() -> None:
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there
    key_set = JWKSKeySet(f"http://127.0.0.1:{port}/jwks.json", timeout=2)
    with pytest.raises(KeysUnavailable):
        await verifier(HS, jwks=(key_set,)).verify(tokens.token())
    await key_set.aclose()


async def test_jwks_alg_none_and_symmetric_keys_are_ignored(
    jwks_server: tuple[JWKSServer, str],
) -> None:
    server, url = jwks_server
    server.keys = [
        {"kty": "oct", "k": tokens.b64(tokens.HS_SECRET), "kid": "oct-1", "alg": "HS256"},
        {**tokens.jwk(tokens.RSA_KEY, "rsa-none"), "alg": "none"},
        tokens.jwk(tokens.RSA_KEY, "rsa-1"),
    ]
    check = verifier(RSA, jwks=(JWKSKeySet(url),))
    with pytest.raises(UnknownKey):
        await check.verify(tokens.token(tokens.HS_SECRET, "HS256", "oct-1"))
    with pytest.raises((UnknownKey, DisallowedAlgorithm)):
        await check.verify(tokens.unsigned_token(kid="rsa-none"))
    await check.aclose()


async def test_concurrent_lookups_share_one_jwks_fetch(jwks_server: tuple[JWKSServer, str]) -> None:
    import asyncio

    server, url = jwks_server
    key_set = JWKSKeySet(url, min_refresh_interval=30)
    check = verifier(HS, jwks=(key_set,))
    good = tokens.token()
    results = await asyncio.gather(
        *(check.verify(good) for _ in range(10)),
        *(check.verify(tokens.token(kid=f"bogus-{n}")) for n in range(10)),
        return_exceptions=True,
    )
    assert all(isinstance(r, Claims) for r in results[:10])
    assert all(isinstance(r, UnknownKey) for r in results[10:])
    assert server.fetches == 1
    await check.aclose()
