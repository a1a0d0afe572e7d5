"""How the pipeline reaches its subgraphs: the transport, built from settings.

The edge reads router.yaml (http/config.py) and says what it wants here, in the
pipeline's terms: which client, the answer size limits, which subgraphs share
identical in-flight requests. Which transport classes exist and how they stack
(executor/) stays below the pipeline; the edge never names them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

from supergraph.executor.dedup import DeduplicatingTransport
from supergraph.executor.http1_transport import Http1Transport
from supergraph.executor.http_transport import HttpTransport
from supergraph.executor.rate_limit import Limiter
from supergraph.executor.request_id_transport import with_request_ids
from supergraph.executor.resilience import ResilientTransport, SubgraphPolicy
from supergraph.executor.subscriptions import (
    SubscriptionTransport as SubscriptionTransport,  # the edge names it (never executor/)
)
from supergraph.executor.subscriptions import (
    UpstreamSettings,
    WebSocketSubscriptions,
)
from supergraph.executor.tracing_transport import with_tracing
from supergraph.executor.transport import (
    DEFAULT_MAX_RESPONSE_BYTES as DEFAULT_MAX_RESPONSE_BYTES,  # router.yaml's default (http/config.py)
)
from supergraph.executor.transport import ResponseLimits, SubgraphTransport


@dataclass(frozen=True, slots=True)
class SubgraphSettings:
    urls: Mapping[str, str]
    client: str = "http1"
    """http1: our pooled HTTP/1.1 client (executor/http1_transport.py); aiohttp: aiohttp's."""
    response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    response_bytes_by_name: Mapping[str, int] = field(default_factory=dict)
    deduplicated: Collection[str] = ()
    """Subgraphs whose identical in-flight queries share one request (executor/dedup.py)."""
    traced: bool = False
    """Tracing is on: each request carries the trace context, in a client span
    (executor/tracing_transport.py, below the de-duplicator: not part of its key)."""
    policies: Mapping[str, SubgraphPolicy] = field(default_factory=dict)
    """Per subgraph: outbound rate limit, circuit breaker, retries (executor/resilience.py,
    below the de-duplicator: a shared request counts once)."""
    limiter: Limiter | None = None
    """Where outbound rate limits are counted (pipeline/traffic.py `limiter`)."""


@dataclass(frozen=True, slots=True)
class Subgraphs:
    transport: SubgraphTransport
    deduplicated_counts: Callable[[], list[tuple[tuple[str], float]]] | None
    """(subgraph,), requests answered by an identical one in flight: metrics rows
    (None: no subgraph shares requests)."""
    resilience: ResilientTransport | None = None
    """The rate limits, breakers and retries (metrics read their counts; None: off)."""


def connect(settings: SubgraphSettings, on_request: Callable[[str], None] | None) -> Subgraphs:
    """The transport for `settings`; `on_request` is told each subgraph request sent."""
    limits = ResponseLimits(settings.response_bytes, settings.response_bytes_by_name)
    urls = settings.urls
    transport: SubgraphTransport = (
        HttpTransport(urls, on_request=on_request, response_limits=limits)
        if settings.client == "aiohttp"
        else Http1Transport(urls, on_request=on_request, response_limits=limits)
    )
    transport = with_request_ids(transport)
    if settings.traced:
        transport = with_tracing(transport, urls)
    resilience = None
    # It owns the limiter (closed with the transport), the edge's included.
    if settings.limiter is not None or any(p.active for p in settings.policies.values()):
        transport = resilience = ResilientTransport(transport, settings.policies, settings.limiter)
    shared = [name for name in urls if name in settings.deduplicated]
    if not shared:
        return Subgraphs(transport, None, resilience)
    dedup = DeduplicatingTransport(transport, subgraphs=shared)
    return Subgraphs(dedup, dedup.counts, resilience)


def subscription_transport(
    urls: Mapping[str, str],
    paths: Mapping[str, str],
    heartbeat_interval: float | None,
    max_message_bytes: int,
    heartbeats: Mapping[str, float | None] | None = None,
) -> SubscriptionTransport:
    """graphql-transport-ws to each subgraph, at its URL with `paths` (router.yaml
    `subscription.mode.passthrough`) replacing the URL's path."""
    return WebSocketSubscriptions(
        UpstreamSettings(
            urls,
            paths,
            heartbeat_interval,
            max_message_bytes=max_message_bytes,
            heartbeats=heartbeats or {},
        )
    )
