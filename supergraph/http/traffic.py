"""Wires `traffic_shaping`'s rate limits, breakers and retries into an app being built:
the limiter both the edge and the subgraph transport count in, and their metrics.

router_rate_limited_total                         operations refused by the router's limit
router_subgraph_rate_limited_total{subgraph}      fetches refused by a subgraph's limit
router_subgraph_circuit_state{subgraph}           0 closed, 1 open, 2 half-open
router_subgraph_circuit_rejected_total{subgraph}  fetches refused by an open breaker
router_subgraph_circuit_transitions_total{subgraph,state}  times each state was entered
router_subgraph_retries_total{subgraph,result}    retries sent, or refused by the budget
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from supergraph.http.forwarded import TrustedProxies
from supergraph.http.metrics import Metrics
from supergraph.http.rate_limit import EdgeRateLimit
from supergraph.http.traffic_config import TrafficConfig
from supergraph.pipeline.subgraphs import Subgraphs
from supergraph.pipeline.traffic import Limiter, RouterRateLimit, SubgraphPolicy, limiter


@dataclass(frozen=True, slots=True)
class Traffic:
    limiter: Limiter | None
    policies: dict[str, SubgraphPolicy]
    edge: EdgeRateLimit | None


def traffic(
    config: TrafficConfig, subgraphs: Iterable[str], forwarded_allow_ips: Iterable[str] = ()
) -> Traffic:
    """`forwarded_allow_ips`: the proxies whose forwarding headers name the client."""
    shared = limiter(config.redis_url, config.key_prefix) if config.needs_limiter else None
    edge = None
    if config.rate_limit is not None and shared is not None:
        edge = EdgeRateLimit(
            RouterRateLimit(shared, config.rate_limit.limit),
            config.rate_limit.key,
            TrustedProxies(forwarded_allow_ips),
        )
    policies = {name: config.policy(name) for name in subgraphs}
    return Traffic(shared, policies, edge)


def watch(metrics: Metrics, built: Traffic, subgraphs: Subgraphs) -> None:
    edge = built.edge
    if edge is not None:
        limit = edge.limit
        metrics.watch(
            "router_rate_limited",
            "Operations refused by traffic_shaping.router.global_rate_limit (429).",
            (),
            lambda: [((), float(limit.refused))],
        )
    resilience = subgraphs.resilience
    if resilience is None:
        return
    metrics.watch(
        "router_subgraph_rate_limited",
        "Subgraph fetches refused by the subgraph's global_rate_limit (not sent).",
        ("subgraph",),
        resilience.rate_limited_counts,
    )
    metrics.watch_gauges(
        "router_subgraph_circuit_state",
        "The subgraph's circuit breaker: 0 closed, 1 open, 2 half-open.",
        ("subgraph",),
        resilience.circuit_states,
    )
    metrics.watch(
        "router_subgraph_circuit_rejected",
        "Subgraph fetches refused by an open circuit breaker (not sent).",
        ("subgraph",),
        resilience.circuit_rejections,
    )
    metrics.watch(
        "router_subgraph_circuit_transitions",
        "Times the subgraph's circuit breaker entered each state.",
        ("subgraph", "state"),
        resilience.circuit_transitions,
    )
    metrics.watch(
        "router_subgraph_retries",
        "Retries of failed subgraph queries: sent, or over_budget (not sent).",
        ("subgraph", "result"),
        resilience.retries,
    )
