"""Assemble a serving app from a supergraph SDL and a `RouterConfig`."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path

from starlette.applications import Starlette

from supergraph.http.app import create_app
from supergraph.http.config import ConfigError, RouterConfig, load_config, parse_config
from supergraph.http.graphiql import MissingAsset, local_assets
from supergraph.http.metrics import Metrics
from supergraph.http.security import EdgeSecurity
from supergraph.http.traffic import traffic
from supergraph.http.traffic import watch as watch_traffic
from supergraph.pipeline.demand_control import DemandControlOptions
from supergraph.pipeline.entity_cache import EntityCacheRuntime
from supergraph.pipeline.options import ExecutorOptions, RouterOptions
from supergraph.pipeline.router import Router
from supergraph.pipeline.subgraphs import (
    SubgraphSettings,
    SubscriptionTransport,
    connect,
    subscription_transport,
)
from supergraph.schema import SupergraphError, load_supergraph
from supergraph.telemetry import metrics as otel_metrics
from supergraph.telemetry import setup as tracing_setup
from supergraph.telemetry.settings import SettingsError


def build_app(
    sdl: str, config: RouterConfig | None = None, metrics: Metrics | None = None
) -> Starlette:
    """The app for `supergraph serve`: one HTTP transport pool, metrics, the router.
    `metrics` is kept across hot reloads (and is file-backed under `--workers`)."""
    config = config or RouterConfig()
    supergraph = load_supergraph(sdl)
    for prefix, names in config.named_subgraphs():
        unknown = sorted(set(names) - set(supergraph.subgraphs))
        if unknown:
            known = ", ".join(sorted(supergraph.subgraphs))
            raise ConfigError(f"{prefix}.{unknown[0]}: not a subgraph of the supergraph ({known})")
    if config.graphiql.assets_dir is not None:
        try:
            local_assets(config.graphiql.assets_dir)
        except MissingAsset as error:
            raise ConfigError(f"graphiql.assets_dir: {error}") from error
    urls = {
        name: (config.subgraphs[name].url if name in config.subgraphs else None) or subgraph.url
        for name, subgraph in supergraph.subgraphs.items()
    }
    if metrics is None:
        metrics = Metrics(urls)
    else:
        metrics.add_subgraphs(urls)
    try:
        tracing_settings = config.telemetry.tracing.resolved(os.environ)
        metrics_settings = config.telemetry.metrics.resolved(os.environ)
    except SettingsError as error:
        raise ConfigError(str(error)) from error
    # Process-wide: the tracer and meter (and their exporters) of the app serving from now on.
    tracing_setup.apply(tracing_settings)
    otel_metrics.apply(metrics_settings)
    shaped = traffic(config.traffic, urls, config.listen.forwarded_allow_ips)
    settings = SubgraphSettings(
        urls,
        client=config.traffic_shaping.http_client,
        response_bytes=config.limits.subgraph_response_bytes,
        response_bytes_by_name=config.limits.subgraph_response_bytes_by_name,
        deduplicated=[name for name in urls if config.deduplicates(name)],
        traced=bool(tracing_settings.enabled),
        policies=shaped.policies,
        limiter=shaped.limiter,
    )
    subgraphs = connect(settings, metrics.on_subgraph_request)
    watch_traffic(metrics, shaped, subgraphs)
    if subgraphs.deduplicated_counts is not None:
        metrics.watch(
            "router_subgraph_deduplicated_requests",
            "Subgraph requests answered by an identical one in flight (not sent).",
            ("subgraph",),
            subgraphs.deduplicated_counts,
        )
    security = EdgeSecurity(config.security, supergraph.subgraphs)
    entity_cache = None
    if config.entity_cache is not None:
        entity_cache = EntityCacheRuntime(config.entity_cache)
        for name, documentation, labels, rows in entity_cache.metric_rows():
            metrics.watch(name, documentation, labels, rows)
    router = Router(
        supergraph,
        subgraphs.transport,
        router_options(config, metrics),
        subscriptions=_subscriptions(config, urls) if config.subscription.enabled else None,
        entity_cache=entity_cache,
    )
    inbound = router.inbound
    if inbound is not None:
        metrics.watch(
            "router_inbound_deduplicated_requests",
            "Client operations answered by an identical one's execution in flight.",
            (),
            lambda: [((), float(inbound.deduplicated))],
        )
    return create_app(
        router,
        metrics,
        config,
        security=security if security.active else None,
        rate_limit=shaped.edge,
    )


def _subscriptions(config: RouterConfig, urls: Mapping[str, str]) -> SubscriptionTransport:
    subscription = config.subscription
    paths = {
        name: path for name in urls if (path := subscription.passthrough(name).path) is not None
    }
    return subscription_transport(
        urls,
        paths,
        subscription.all.heartbeat_interval,
        config.limits.subgraph_response_bytes,
        {name: subscription.passthrough(name).heartbeat_interval for name in urls},
    )


class StartupError(Exception):
    """The supergraph or router.yaml cannot be served; the message names the file and why."""


def load_app(
    supergraph_path: str, config_path: str | None = None, metrics: Metrics | None = None
) -> Starlette:
    """`build_app` from the files as they are now (start-up, each worker, each hot reload)."""
    try:
        sdl = Path(supergraph_path).read_text(encoding="utf-8")
    except OSError as error:
        raise StartupError(f"{supergraph_path}: {error.strerror}") from error
    try:
        # No file is the empty file: production's defaults apply all the same.
        config = load_config(config_path) if config_path else parse_config({}, os.environ)
        return build_app(sdl, config, metrics)
    except ConfigError as error:
        raise StartupError(f"bad configuration: {error}") from error
    except SupergraphError as error:
        raise StartupError(f"bad supergraph {supergraph_path}: {error}") from error


def router_options(config: RouterConfig, metrics: Metrics | None = None) -> RouterOptions:
    timeouts = {
        name: sub.timeout for name, sub in config.subgraphs.items() if sub.timeout is not None
    }
    plan_cache = config.supergraph.query_planning_cache
    processes = config.compute_jobs.processes
    if processes is None:
        # Under --workers (file-backed metrics) the worker processes already use the cores.
        processes = 0 if metrics is not None and metrics.multiprocess_dir is not None else 1
    return RouterOptions(
        executor=ExecutorOptions(
            default_timeout=config.subgraph_timeout,
            timeouts=timeouts,
            observer=metrics.on_fetch if metrics is not None else None,
        ),
        expose_query_plan=config.expose_query_plan,
        authorization=dataclasses.replace(
            config.security.authorization_options(), variant_cache_size=plan_cache.limit
        ),
        document_cache_size=plan_cache.limit,
        plan_cache_size=plan_cache.limit,
        document_cache_bytes=plan_cache.max_bytes,
        plan_cache_bytes=plan_cache.max_bytes,
        limits=config.limits.operation_limits(),
        compute_processes=processes,
        fresh_operations=config.compute_jobs.fresh_operations,
        usage=config.usage_reporting,
        demand_control=_demand_control(config, metrics),
        deduplicate_inbound=config.traffic.deduplicate_inbound,
        subscription=config.subscription.options(),
        defer_support=config.supergraph.defer_support,
    )


def _demand_control(config: RouterConfig, metrics: Metrics | None) -> DemandControlOptions | None:
    options = config.demand_control
    if options is None or metrics is None:
        return options
    return dataclasses.replace(options, observer=metrics.on_cost)
