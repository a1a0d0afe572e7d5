"""Authentication at the edge, identity forwarding and header rules: router.yaml sections
`authentication`, `authorization`, `identity` and `headers` (see docs/auth.md).

    authorization:
      reject_unauthorized: false       # true: refuse the whole operation instead
      policy_hook: mypackage.policies:decide     # `@policy` decisions (default: deny)
    identity:                          # the verified identity sent to every subgraph
      header: x-supergraph-identity
      private_key_file: keys/router-identity.pem # or development: true (the dev key)
      algorithm: EdDSA
      kid: router-1
      ttl: 60
      issuer: supergraph-router
      audience: subgraphs

Per request, `EdgeSecurity.context` reads the bearer token (401 UNAUTHENTICATED
when it is invalid, or missing while required), then gives the request's claims
and its subgraph headers: the header rules, and last the router-signed identity
token (also for anonymous callers, so subgraphs can refuse whatever did not
come through the router). The operations of a batch share their request's
headers, so they share one authentication (`SharedAuthentication`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Final

from cryptography.hazmat.primitives.serialization import load_pem_private_key
from starlette.requests import cookie_parser

from auth import (
    AuthConfigError,
    AuthenticationConfig,
    AuthenticationRequired,
    Claims,
    IdentityTokens,
    TokenSigner,
    TokenVerifier,
    bearer_token,
    load_policy_hook,
    parse_authentication,
)
from auth.dev import dev_identity_signer, ensure_development, load_or_create_dev_key
from auth.requirements import PolicyHook, deny_all
from auth.signing import PrivateKey
from supergraph.authorization import AuthorizationOptions
from supergraph.http import config_values as v
from supergraph.http.config_values import ConfigError
from supergraph.http.headers import RESERVED, HeaderRules, parse_headers
from supergraph.http.jwt_config import fold
from supergraph.http.request import RequestHeaders
from supergraph.pipeline.request import GraphQLRequest, SubgraphHeaders

IDENTITY_HEADER: Final = "x-supergraph-identity"
SECURITY_KEYS: Final = frozenset({"authentication", "authorization", "identity", "headers"})


@dataclass(frozen=True, slots=True)
class IdentityConfig:
    signer: TokenSigner
    header: str = IDENTITY_HEADER


@dataclass(frozen=True, slots=True)
class SecurityConfig:
    authentication: AuthenticationConfig | None = None
    identity: IdentityConfig | None = None
    headers: HeaderRules = field(default_factory=HeaderRules)
    reject_unauthorized: bool = False
    policy_hook: PolicyHook = deny_all
    token_header: str = "authorization"
    """`authentication.router.jwt.header_name`, lower case."""

    def authorization_options(self) -> AuthorizationOptions:
        return AuthorizationOptions(
            reject_unauthorized=self.reject_unauthorized, policy_hook=self.policy_hook
        )


def parse_security(top: Mapping[str, object]) -> SecurityConfig:
    """The security sections of a parsed router.yaml (errors name the key)."""
    apollo = fold(top)
    try:
        authentication = (
            parse_authentication(apollo.authentication) if apollo.authentication else None
        )
        identity = _identity(top.get("identity"))
    except AuthConfigError as error:
        raise ConfigError(str(error)) from error
    reserved = RESERVED | {identity.header if identity else IDENTITY_HEADER}
    authorization = v.section(
        top, "authorization", {"directives", "policy_hook", "require_authentication"}
    )
    directives = v.mapping(authorization.get("directives") or {}, "authorization.directives")
    v.only(directives, {"reject_unauthorized"}, "authorization.directives.")
    hook_path = v.optional_string(authorization.get("policy_hook"), "authorization.policy_hook")
    try:
        hook = load_policy_hook(hook_path) if hook_path else deny_all
    except AuthConfigError as error:
        raise ConfigError(f"authorization.policy_hook: {error}") from error
    return SecurityConfig(
        authentication=authentication,
        identity=identity,
        headers=parse_headers(top.get("headers"), reserved),
        reject_unauthorized=v.boolean(
            directives.get("reject_unauthorized", False),
            "authorization.directives.reject_unauthorized",
        ),
        policy_hook=hook,
        token_header=apollo.header_name,
    )


def _identity(raw: object) -> IdentityConfig | None:
    if raw is None:
        return None
    keys = {"header", "private_key_file", "development", "algorithm", "kid", "ttl", "issuer"}
    values = v.mapping(raw, "identity")
    v.only(values, keys | {"audience"}, "identity.")
    header = v.string(values.get("header", IDENTITY_HEADER), "identity.header").lower()
    ttl = v.positive_int(values.get("ttl", 60), "identity.ttl")
    if v.boolean(values.get("development", False), "identity.development"):
        ensure_development("identity.development")
        return IdentityConfig(dev_identity_signer(load_or_create_dev_key(), ttl=ttl), header)
    path = Path(v.string(values.get("private_key_file"), "identity.private_key_file"))
    try:
        key = load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as error:
        raise ConfigError(f"identity.private_key_file: cannot load {path}: {error}") from error
    if not isinstance(key, PrivateKey):
        raise ConfigError("identity.private_key_file: unsupported key type")
    signer = TokenSigner(
        key,
        v.string(values.get("algorithm", "EdDSA"), "identity.algorithm"),
        v.string(values.get("issuer", "supergraph-router"), "identity.issuer"),
        v.string(values.get("audience", "subgraphs"), "identity.audience"),
        ttl=ttl,
        kid=v.optional_string(values.get("kid"), "identity.kid"),
    )
    return IdentityConfig(signer, header)


@dataclass(frozen=True, slots=True)
class SecurityContext:
    """What the edge adds to a request: who calls, and the headers for the subgraphs."""

    claims: Claims | None
    subgraph_headers: Mapping[str, str] | None
    subgraph_headers_by_name: Mapping[str, Mapping[str, str]] | None
    headers_now: Callable[[], SubgraphHeaders] | None = None
    """The subgraph headers with an identity token signed now (GraphQLRequest.headers_now)."""

    def on(self, graphql_request: GraphQLRequest) -> GraphQLRequest:
        """`graphql_request` with these claims and subgraph headers."""
        return replace(
            graphql_request,
            claims=self.claims,
            subgraph_headers=self.subgraph_headers,
            subgraph_headers_by_name=self.subgraph_headers_by_name,
            headers_now=self.headers_now,
        )


class EdgeSecurity:
    """Authenticates requests and computes their subgraph headers; one per app."""

    def __init__(self, config: SecurityConfig, subgraphs: Iterable[str]) -> None:
        self.config = config
        known = set(subgraphs)
        unknown = sorted(set(config.headers.subgraphs) - known)
        if unknown:
            raise ConfigError(f"headers.subgraphs.{unknown[0]}: not a subgraph of the supergraph")
        authentication = config.authentication
        self._verifier = TokenVerifier(authentication.verifier) if authentication else None
        self._identity = IdentityTokens(config.identity.signer) if config.identity else None
        header = config.identity.header if config.identity else IDENTITY_HEADER
        self._identity_header = header
        self._reserved = RESERVED | {header}

    @property
    def active(self) -> bool:
        c = self.config
        return c.authentication is not None or c.identity is not None or not c.headers.empty

    async def authenticate(self, headers: RequestHeaders) -> Claims | None:
        """The caller's verified claims, None when anonymous; raises `AuthError`.
        `headers`: the request's, by lower-case name (the first of repeated ones)."""
        authentication = self.config.authentication
        if authentication is None or self._verifier is None:
            return None
        cookie = None
        if authentication.cookie:
            cookies: dict[str, str] = {}
            for header in headers.getlist("cookie"):  # later ones win, as in Starlette
                cookies.update(cookie_parser(header))
            cookie = cookies.get(authentication.cookie)
        token = bearer_token(
            headers.get(self.config.token_header),
            cookie,
            max_bytes=authentication.verifier.max_token_bytes,
        )
        if token is None:
            if authentication.required:
                raise AuthenticationRequired()
            return None
        return await self._verifier.verify(token)

    async def context(self, headers: RequestHeaders) -> SecurityContext:
        """The caller's claims and subgraph headers; raises `AuthError`.
        `headers`: the request's, by lower-case name (the first of repeated ones)."""
        claims = await self.authenticate(headers)
        rules = self.config.headers
        common = rules.apply(headers, None, self._reserved) if not rules.empty else {}
        if self._identity is not None:
            common[self._identity_header] = self._identity.token_for(claims)
        by_name: dict[str, Mapping[str, str]] = {}
        for name in rules.subgraphs:
            for_subgraph = {**common, **rules.apply(headers, name, self._reserved)}
            if self._identity is not None:
                for_subgraph[self._identity_header] = common[self._identity_header]
            by_name[name] = for_subgraph
        if self._identity is None:
            return SecurityContext(claims, common or None, by_name or None)
        now = _IdentityNow(self._identity, self._identity_header, claims, common, by_name)
        return SecurityContext(claims, common or None, by_name or None, now)

    async def aclose(self) -> None:
        if self._verifier is not None:
            await self._verifier.aclose()


class _IdentityNow:
    """A request's subgraph headers with the identity token as of now: the same
    mappings while theirs is the one `IdentityTokens` hands out (it re-signs at half
    its lifetime), so a subscription's event costs a dictionary lookup; copies with
    the new token after that (never changed once handed out)."""

    __slots__ = ("_by_name", "_claims", "_common", "_header", "_tokens")

    def __init__(
        self,
        tokens: IdentityTokens,
        header: str,
        claims: Claims | None,
        common: dict[str, str],
        by_name: dict[str, Mapping[str, str]],
    ) -> None:
        self._tokens = tokens
        self._header = header
        self._claims = claims
        self._common = common
        self._by_name = by_name

    def __call__(self) -> SubgraphHeaders:
        header = self._header
        token = self._tokens.token_for(self._claims)
        if self._common[header] != token:
            self._common = {**self._common, header: token}
            self._by_name = {
                name: {**headers, header: token} for name, headers in self._by_name.items()
            }
        return self._common, self._by_name or None


class SharedAuthentication:
    """One request's `EdgeSecurity.context`, worked out once for all who ask: the
    operations of a batch share the request's headers, so one token verification
    answers them all (the same claims, or the same `AuthError` for each). Worked out
    when the first operation needs it, so an operation refused before (a persisted
    query miss, a malformed entry) is answered as it would be alone."""

    def __init__(self, security: EdgeSecurity, headers: RequestHeaders) -> None:
        self._security = security
        self._headers = headers
        self._found: asyncio.Future[SecurityContext] | None = None

    async def context(self) -> SecurityContext:
        """The request's security context; raises `AuthError`."""
        if self._found is None:
            self._found = asyncio.ensure_future(self._security.context(self._headers))
            self._found.add_done_callback(_retrieve)
        # Shielded: one operation cancelled does not cancel the others' authentication.
        return await asyncio.shield(self._found)


def _retrieve(found: asyncio.Future[SecurityContext]) -> None:
    # Every waiter re-raises a failure; this keeps asyncio from also logging it as
    # never retrieved when no waiter is left.
    if not found.cancelled():
        found.exception()
