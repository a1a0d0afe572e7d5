"""The edge's rate limit: `traffic_shaping.router.global_rate_limit`, keyed as configured.

Checked once per operation (each operation of a batch counts), after
authentication (the subject is known) and before any GraphQL work, so a refused
request costs one limiter round trip. A refusal is HTTP 429 with `Retry-After`
(whole seconds, rounded up) and REQUEST_RATE_LIMITED, as Apollo Router answers;
in a batch, the operation's own answer is that error (the batch answers 200).

Keys (`key`, ours; Apollo's limit is one for all requests):

    global        one allowance for every request (Apollo Router's behaviour)
    client_name   per `apollographql-client-name` (no header: one shared allowance)
    subject       per authenticated subject (`sub`); anonymous requests per IP instead
    ip            per client address: the peer's, or behind proxies listed in
                  `supergraph.forwarded_allow_ips` the one they forward for (forwarded.py)
    persisted_id  per persisted operation id or APQ hash, else per query text (hashed)
"""

from __future__ import annotations

import hashlib
import math

from supergraph.errors import REQUEST_RATE_LIMITED
from supergraph.http.forwarded import TrustedProxies
from supergraph.http.request import RequestHeaders
from supergraph.pipeline.decode import Decoded
from supergraph.pipeline.request import GraphQLRequest
from supergraph.pipeline.traffic import RouterRateLimit

CLIENT_NAME_HEADER = "apollographql-client-name"
MESSAGE = "Your request has been rate limited"
"""Apollo Router's message."""


class RateLimited(Exception):
    code = REQUEST_RATE_LIMITED

    def __init__(self, wait: float) -> None:
        super().__init__(MESSAGE)
        self.retry_after = max(1, math.ceil(wait))


class EdgeRateLimit:
    def __init__(
        self, limit: RouterRateLimit, key: str, proxies: TrustedProxies | None = None
    ) -> None:
        self.limit = limit
        self.key = key
        self.proxies = proxies or TrustedProxies()

    async def check(
        self, headers: RequestHeaders, decoded: Decoded, request: GraphQLRequest
    ) -> None:
        """Raises RateLimited when this operation is over its allowance."""
        wait = await self.limit.check(self.key_of(headers, decoded, request))
        if wait is not None:
            raise RateLimited(wait)

    def key_of(self, headers: RequestHeaders, decoded: Decoded, request: GraphQLRequest) -> str:
        kind = self.key
        if kind == "client_name":
            return "client:" + (headers.get(CLIENT_NAME_HEADER) or "")
        if kind == "subject":
            claims = request.claims
            if claims is not None and claims.subject is not None:
                return "subject:" + claims.subject
            return "ip:" + (self.proxies.client_of(headers) or "")
        if kind == "ip":
            return "ip:" + (self.proxies.client_of(headers) or "")
        if kind == "persisted_id":
            return "operation:" + _operation_id(decoded, request)
        return "global"


def _operation_id(decoded: Decoded, request: GraphQLRequest) -> str:
    if decoded.document_id is not None:
        return decoded.document_id
    extensions = decoded.extensions
    apq = extensions.get("persistedQuery") if extensions is not None else None
    if isinstance(apq, dict) and isinstance(apq.get("sha256Hash"), str):
        return str(apq["sha256Hash"])
    text = request.query if isinstance(request.query, str) else ""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
