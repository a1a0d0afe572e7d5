"""`router.yaml`: the router's configuration file, validated with errors naming the key.

Every key is optional; docs/router-config.md describes each one. Values may use
`${env.NAME}` / `${env.NAME:-default}` (see envsubst.py) for secrets.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Literal

import yaml

from auth.dev import is_production
from supergraph.dsn import DsnError, engine_url
from supergraph.http import config_values as v
from supergraph.http.config_aliases import upgrade
from supergraph.http.config_values import ConfigError
from supergraph.http.demand_control import parse_demand_control
from supergraph.http.edge_limits import HTTP1_LIMIT_KEYS, EdgeLimits, parse_edge_limits
from supergraph.http.entity_cache_config import KEYS as ENTITY_CACHE_KEYS
from supergraph.http.entity_cache_config import parse_entity_cache
from supergraph.http.envsubst import EnvError, expand
from supergraph.http.forwarded import parse_networks
from supergraph.http.security import SECURITY_KEYS, SecurityConfig, parse_security
from supergraph.http.subscription_config import SubscriptionConfig, parse_subscription
from supergraph.http.telemetry_config import TOP_KEYS as TELEMETRY_KEYS
from supergraph.http.telemetry_config import TelemetryConfig, parse_telemetry
from supergraph.http.traffic_config import SUBGRAPH_KEYS as TRAFFIC_SUBGRAPH_KEYS
from supergraph.http.traffic_config import TrafficConfig, parse_traffic
from supergraph.limits import MAX_RECURSION, OperationLimits, count_limits
from supergraph.pipeline.caches import DEFAULT_CACHE_BYTES, DEFAULT_CACHE_ENTRIES
from supergraph.pipeline.demand_control import DemandControlOptions
from supergraph.pipeline.entity_cache import EntityCacheOptions
from supergraph.pipeline.fresh import FreshOperationsOptions
from supergraph.pipeline.persisted.store import DEFAULT_MEMORY_MAX_BYTES, DEFAULT_MEMORY_SIZE
from supergraph.pipeline.subgraphs import DEFAULT_MAX_RESPONSE_BYTES
from supergraph.usage.recorder import UsageSettings

__all__ = ["ConfigError", "RouterConfig", "load_config", "parse_config"]

logger = logging.getLogger("supergraph.config")


@dataclass(frozen=True, slots=True)
class SubgraphConfig:
    url: str | None = None
    timeout: float | None = None
    deduplicate_query: bool | None = None
    """None: as `traffic_shaping.deduplicate_query`."""


@dataclass(frozen=True, slots=True)
class LimitsConfig(OperationLimits):
    """`limits` (and the top-level `introspection`): the operation limits the pipeline
    enforces (OperationLimits, where each is defined with its router default), then what
    the edge and the subgraph requests enforce. Built with `with_router_defaults()`:
    `LimitsConfig()` alone is the library's (every counting limit off)."""

    max_body_bytes: int = 2_000_000
    """As Apollo Router's default (2 MB): 413 above it."""
    subgraph_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    """`subgraph.all.http_max_response_bytes`: the most bytes a subgraph answer may have."""
    subgraph_response_bytes_by_name: Mapping[str, int] = field(default_factory=dict)
    """`subgraph.subgraphs.<name>.http_max_response_bytes`: per subgraph, instead."""

    def operation_limits(self) -> OperationLimits:
        """The pipeline's part, as a plain OperationLimits (field by field, whatever they are)."""
        return OperationLimits(**{f.name: getattr(self, f.name) for f in fields(OperationLimits)})


@dataclass(frozen=True, slots=True)
class BatchingConfig:
    """Off by default, as in Apollo Router: a batch multiplies one request's cost."""

    enabled: bool = False
    max_size: int = 10


GRAPHIQL_ASSETS = ("bundled", "cdn")


@dataclass(frozen=True, slots=True)
class GraphiQLConfig:
    enabled: bool = True
    """`sandbox.enabled`: browsers get GraphiQL at the GraphQL path (Apollo: Sandbox)."""
    assets_dir: str | None = None
    """A folder with GraphiQL's assets in npm's layout; None: `assets`."""
    assets: str = "bundled"
    """bundled: the files shipped in the package (works offline); cdn: unpkg.com, with
    subresource integrity hashes."""


@dataclass(frozen=True, slots=True)
class CorsConfig:
    origins: tuple[str, ...] = ()
    """No origin is allowed unless listed ("*" for any, without credentials)."""
    allow_credentials: bool = False
    max_age: int | None = None
    match_origins: tuple[str, ...] = ()
    """Regular expressions an origin may match instead (Apollo's `match_origins`)."""
    methods: tuple[str, ...] = ("GET", "POST", "OPTIONS")
    expose_headers: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = (
        "content-type",
        "authorization",
        "apollographql-client-name",
        "apollographql-client-version",
        "apollo-require-preflight",
        "x-apollo-operation-name",
    )


@dataclass(frozen=True, slots=True)
class CsrfConfig:
    enabled: bool = True
    required_headers: tuple[str, ...] = ("x-apollo-operation-name", "apollo-require-preflight")


@dataclass(frozen=True, slots=True)
class InMemoryCacheConfig:
    """`supergraph.query_planning.cache.in_memory`: bounds of each of the document,
    plan and authorized-plan caches (entries and bytes, by the caches' accounting)."""

    limit: int = DEFAULT_CACHE_ENTRIES
    max_bytes: int = DEFAULT_CACHE_BYTES


@dataclass(frozen=True, slots=True)
class SupergraphConfig:
    query_planning_cache: InMemoryCacheConfig = field(default_factory=InMemoryCacheConfig)
    defer_support: bool = True
    """`supergraph.defer_support` (Apollo's key): false answers @defer in one body."""


@dataclass(frozen=True, slots=True)
class PersistedQueriesConfig:
    apq: bool = True
    manifests: tuple[str, ...] = ()
    """`persisted_queries.local_manifests` (read when `persisted_queries.enabled`)."""
    safelist: str = "off"
    client_name_header: str = "apollographql-client-name"
    free_form_clients: tuple[str, ...] = ()
    redis_url: str | None = None
    """None: registrations stay in this process's memory."""
    redis_key_prefix: str = "supergraph:apq:"
    ttl: int | None = None
    memory_size: int = DEFAULT_MEMORY_SIZE
    memory_max_bytes: int = DEFAULT_MEMORY_MAX_BYTES
    """The in-process store's budget (hash and query text of each registration)."""


HTTP_CLIENTS = ("http1", "aiohttp")


@dataclass(frozen=True, slots=True)
class TrafficShapingConfig:
    deduplicate_query: bool = True
    """Identical in-flight subgraph queries share one request (see executor/dedup.py).
    On by default, as in Hive Gateway: the key includes every forwarded header."""
    http_client: str = "http1"
    """http1: our pooled HTTP/1.1 client (executor/http1_transport.py); aiohttp: aiohttp's."""


MAX_COMPUTE_PROCESSES = 32


@dataclass(frozen=True, slots=True)
class ComputeJobsConfig:
    processes: int | None = None
    """Child processes compiling fresh operations (0: a thread of the router process;
    None: 1, or 0 under `--workers`, whose processes already use the cores)."""
    fresh_operations: FreshOperationsOptions | None = field(default_factory=FreshOperationsOptions)
    """`compute_jobs.fresh_operations`: their admission and priority (None: off)."""


@dataclass(frozen=True, slots=True)
class ListenConfig:
    """`supergraph.listen` and `supergraph.path`: where clients reach the router."""

    host: str | None = None
    """None: the command's (`--host`, default 127.0.0.1)."""
    port: int | None = None
    path: str = "/graphql"
    forwarded_allow_ips: tuple[str, ...] = ()
    """`supergraph.forwarded_allow_ips` (uvicorn's name): proxies, as addresses or CIDR
    networks, whose Forwarded / X-Forwarded-For headers name the client (forwarded.py);
    none by default: the connection's peer is the client."""


@dataclass(frozen=True, slots=True)
class RouterConfig:
    """The parsed router.yaml. Field names are internal; the keys they come from are
    Apollo Router's (see `parse_config` and docs/router-config.md)."""

    subgraph_timeout: float = 30.0
    expose_query_plan: bool = False
    subgraphs: Mapping[str, SubgraphConfig] = field(default_factory=dict)
    mask_subgraph_errors: bool = False
    limits: LimitsConfig = field(default_factory=LimitsConfig.with_router_defaults)
    batching: BatchingConfig = field(default_factory=BatchingConfig)
    graphiql: GraphiQLConfig = field(default_factory=GraphiQLConfig)
    cors: CorsConfig = field(default_factory=CorsConfig)
    csrf: CsrfConfig = field(default_factory=CsrfConfig)
    persisted_queries: PersistedQueriesConfig = field(default_factory=PersistedQueriesConfig)
    security: SecurityConfig = field(default_factory=SecurityConfig)
    """authentication, authorization, identity, headers (see security.py, docs/auth.md)."""
    traffic_shaping: TrafficShapingConfig = field(default_factory=TrafficShapingConfig)
    edge: EdgeLimits = field(default_factory=EdgeLimits)
    """limits.http1_* and server.http: what one connection may cost (edge_limits.py)."""
    supergraph: SupergraphConfig = field(default_factory=SupergraphConfig)
    compute_jobs: ComputeJobsConfig = field(default_factory=ComputeJobsConfig)
    usage_reporting: UsageSettings | None = None
    """Which schema elements operations use, per client (docs/usage.md); None: off."""
    demand_control: DemandControlOptions | None = None
    """Operation cost limits (docs/demand-control.md); None: off."""
    entity_cache: EntityCacheOptions | None = None
    """`response_cache`: subgraph answers cached (docs/entity-cache.md); None: off."""
    include_subgraph_errors_by_name: Mapping[str, bool] = field(default_factory=dict)
    """`include_subgraph_errors.subgraphs`: per subgraph, over `.all`
    (`mask_subgraph_errors` is `not all`)."""
    listen: ListenConfig = field(default_factory=ListenConfig)
    warnings: tuple[str, ...] = field(default=(), compare=False)
    """Deprecated keys the file used, each naming its new key (logged at start)."""
    telemetry: TelemetryConfig = field(default_factory=TelemetryConfig)
    """`telemetry` and `health_check`: tracing, logs, the admin listener (telemetry_config.py)."""
    subscription: SubscriptionConfig = field(default_factory=SubscriptionConfig)
    """Subscriptions: upstream paths, caps, buffers, keep-alives (docs/subscriptions.md)."""
    traffic: TrafficConfig = field(default_factory=TrafficConfig)
    """`traffic_shaping`'s rate limits, retries, circuit breakers, inbound de-duplication
    (traffic_config.py)."""

    def masks_errors_of(self, subgraph: str) -> bool:
        """Whether error messages from `subgraph` are redacted."""
        return not self.include_subgraph_errors_by_name.get(subgraph, not self.mask_subgraph_errors)

    def named_subgraphs(self) -> Iterator[tuple[str, Iterable[str]]]:
        """(key, subgraph names it lists): each name must be one of the supergraph's."""
        yield "override_subgraph_url", [n for n, s in self.subgraphs.items() if s.url]
        yield (
            "traffic_shaping.subgraphs",
            [
                n
                for n, s in self.subgraphs.items()
                if s.timeout is not None or s.deduplicate_query is not None
            ],
        )
        yield "traffic_shaping.subgraphs", self.traffic.subgraphs
        yield "include_subgraph_errors.subgraphs", self.include_subgraph_errors_by_name
        yield "limits.subgraph.subgraphs", self.limits.subgraph_response_bytes_by_name
        yield "subscription.mode.passthrough.subgraphs", self.subscription.subgraphs
        if self.entity_cache is not None:
            yield "response_cache.subgraph.subgraphs", self.entity_cache.settings.subgraphs

    @property
    def introspection(self) -> bool:
        """The top-level `introspection` key: an operation limit (`limits.introspection`)."""
        return self.limits.introspection

    def deduplicates(self, subgraph: str) -> bool:
        """Whether identical in-flight queries to `subgraph` share one request."""
        own = self.subgraphs.get(subgraph)
        if own is not None and own.deduplicate_query is not None:
            return own.deduplicate_query
        return self.traffic_shaping.deduplicate_query


TOP_KEYS = {
    # Apollo Router's sections (docs/router-config.md, "Apollo Router's keys").
    "supergraph",
    "override_subgraph_url",
    "traffic_shaping",
    "include_subgraph_errors",
    "limits",
    "batching",
    "homepage",
    "sandbox",
    "cors",
    "csrf",
    "apq",
    "persisted_queries",
    "plugins",
    "server",
    "demand_control",
    "subscription",
    *ENTITY_CACHE_KEYS,
    *SECURITY_KEYS,
    *TELEMETRY_KEYS,
    # This router's own, where Apollo has no equivalent.
    "graphiql",
    "compute_jobs",
    "usage_reporting",
}


def load_config(path: str | Path, env: Mapping[str, str] | None = None) -> RouterConfig:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror}") from error
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from error
    try:
        config = parse_config({} if raw is None else raw, os.environ if env is None else env)
    except ConfigError as error:
        raise ConfigError(f"{path}: {error}") from error
    for warning in config.warnings:
        logger.warning("%s: %s", path, warning)
    return config


_DEFAULT = RouterConfig()
"""Where parsing takes the default of every key left out: the dataclasses' defaults
(development's; `_defaults` sets production's)."""


def _defaults(env: Mapping[str, str]) -> RouterConfig:
    """`SUPERGRAPH_ENV=production`: subgraph errors redacted, introspection and the
    GraphiQL page off, unless the file says otherwise (as Apollo Router outside `--dev`)."""
    if not is_production(env):
        return _DEFAULT
    return dataclasses.replace(
        _DEFAULT,
        mask_subgraph_errors=True,
        limits=dataclasses.replace(_DEFAULT.limits, introspection=False),
        graphiql=dataclasses.replace(_DEFAULT.graphiql, enabled=False),
    )


def parse_config(raw: object, env: Mapping[str, str] | None = None) -> RouterConfig:
    """A router.yaml's content (parsed YAML) -> RouterConfig; `env` for `${env.NAME}`
    and `SUPERGRAPH_ENV` (None: no variables, development defaults)."""
    env = {} if env is None else env
    try:
        raw = expand(raw, env)
    except EnvError as error:
        raise ConfigError(str(error)) from error
    upgraded = upgrade(v.mapping(raw, "the configuration"))
    try:
        return _parse(upgraded.raw, _defaults(env), tuple(upgraded.warnings))
    except ConfigError as error:
        raise upgraded.explain(error) from error


def _parse(top: Mapping[str, object], d: RouterConfig, warnings: tuple[str, ...]) -> RouterConfig:
    v.only(top, TOP_KEYS, "")
    shaping = v.section(
        top, "traffic_shaping", {"all", "subgraphs", "http_client", "router", "redis"}
    )
    every = v.mapping(_or_empty(shaping.get("all")), "traffic_shaping.all")
    v.only(every, _SHAPING_KEYS, "traffic_shaping.all.")
    plugins = v.section(top, "plugins", {EXPOSE_QUERY_PLAN})
    errors_all, errors_by_name = _include_subgraph_errors(top, not d.mask_subgraph_errors)
    return RouterConfig(
        subgraph_timeout=v.duration(
            every.get("timeout", d.subgraph_timeout), "traffic_shaping.all.timeout"
        ),
        expose_query_plan=v.boolean(
            plugins.get(EXPOSE_QUERY_PLAN, d.expose_query_plan), f"plugins.{EXPOSE_QUERY_PLAN}"
        ),
        subgraphs=_subgraphs(top, shaping),
        mask_subgraph_errors=not errors_all,
        limits=_limits(top, d.limits),
        batching=_batching(top),
        graphiql=_graphiql(top, d.graphiql),
        cors=_cors(top),
        csrf=_csrf(top),
        persisted_queries=_persisted_queries(top),
        security=parse_security(top),
        traffic_shaping=_traffic_shaping(shaping, every),
        edge=parse_edge_limits(top),
        supergraph=_supergraph(top),
        compute_jobs=_compute_jobs(top),
        usage_reporting=_usage_reporting(top),
        demand_control=parse_demand_control(top),
        entity_cache=parse_entity_cache(top),
        include_subgraph_errors_by_name=errors_by_name,
        listen=_listen(top),
        warnings=warnings,
        telemetry=parse_telemetry(top),
        subscription=parse_subscription(top),
        traffic=parse_traffic(shaping),
    )


EXPOSE_QUERY_PLAN = "experimental.expose_query_plan"
_SHAPING_KEYS = {"timeout", "deduplicate_query", *TRAFFIC_SUBGRAPH_KEYS}


_USAGE_KEYS = {
    "store",
    "sample_rate",
    "flush_interval",
    "max_keys",
    "max_pending_bytes",
    "client_name_header",
    "client_version_header",
}


def _usage_reporting(top: Mapping[str, object]) -> UsageSettings | None:
    """`usage_reporting: {store: sqlite:///usage.db, sample_rate: 0.1, ...}`."""
    if top.get("usage_reporting") is None:
        return None
    s = v.section(top, "usage_reporting", _USAGE_KEYS)
    where = "usage_reporting."
    d = UsageSettings(store="")
    rate = s.get("sample_rate", d.sample_rate)
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate <= 1:
        raise ConfigError(f"{where}sample_rate: expected a number in (0, 1], got {rate!r}")
    store = v.string(s.get("store"), f"{where}store")
    try:
        engine_url(store)  # a typo fails at start, not at every flush
    except DsnError as error:
        raise ConfigError(f"{where}store: {error}") from None
    return UsageSettings(
        store=store,
        sample_rate=float(rate),
        flush_interval=v.duration(
            s.get("flush_interval", d.flush_interval), f"{where}flush_interval"
        ),
        max_keys=v.positive_int(s.get("max_keys", d.max_keys), f"{where}max_keys"),
        max_pending_bytes=v.byte_size(
            s.get("max_pending_bytes", d.max_pending_bytes), f"{where}max_pending_bytes"
        ),
        client_name_header=v.string(
            s.get("client_name_header", d.client_name_header), f"{where}client_name_header"
        ).lower(),
        client_version_header=v.string(
            s.get("client_version_header", d.client_version_header),
            f"{where}client_version_header",
        ).lower(),
    )


def _compute_jobs(top: Mapping[str, object]) -> ComputeJobsConfig:
    s = v.section(top, "compute_jobs", {"processes", "fresh_operations"})
    processes = s.get("processes")
    where = "compute_jobs.processes"
    if processes is not None and (
        isinstance(processes, bool)
        or not isinstance(processes, int)
        or not 0 <= processes <= MAX_COMPUTE_PROCESSES
    ):
        raise ConfigError(f"{where}: expected 0 to {MAX_COMPUTE_PROCESSES}, got {processes!r}")
    return ComputeJobsConfig(processes, _fresh_operations(s))


def _fresh_operations(compute: Mapping[str, object]) -> FreshOperationsOptions | None:
    where = "compute_jobs.fresh_operations"
    s = v.mapping(_or_empty(compute.get("fresh_operations")), where)
    v.only(
        s,
        {field.name for field in dataclasses.fields(FreshOperationsOptions)} | {"enabled"},
        f"{where}.",
    )
    if not v.boolean(s.get("enabled", True), f"{where}.enabled"):
        return None
    default = FreshOperationsOptions()
    timeout = s.get("queue_timeout")
    return FreshOperationsOptions(
        concurrency_limit=v.optional_int(s.get("concurrency_limit"), f"{where}.concurrency_limit"),
        max_queued=v.positive_int(s.get("max_queued", default.max_queued), f"{where}.max_queued"),
        max_queued_per_client=v.optional_int(
            s.get("max_queued_per_client"), f"{where}.max_queued_per_client"
        ),
        queue_timeout=default.queue_timeout
        if timeout is None
        else v.duration(timeout, f"{where}.queue_timeout"),
        yield_to_cached=v.boolean(
            s.get("yield_to_cached", default.yield_to_cached), f"{where}.yield_to_cached"
        ),
        compile_share=_share(s.get("compile_share", default.compile_share), where),
    )


def _share(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise ConfigError(f"{where}.compile_share: expected a number in (0, 1], got {value!r}")
    return float(value)


def _or_empty(value: object) -> object:
    """`key:` with nothing after it reads as null: the same as leaving it out."""
    return {} if value is None else value


def _subgraphs(
    top: Mapping[str, object], shaping: Mapping[str, object]
) -> dict[str, SubgraphConfig]:
    """`override_subgraph_url.<name>` and `traffic_shaping.subgraphs.<name>`, by name."""
    urls = v.mapping(_or_empty(top.get("override_subgraph_url")), "override_subgraph_url")
    shaped = v.mapping(_or_empty(shaping.get("subgraphs")), "traffic_shaping.subgraphs")
    out: dict[str, SubgraphConfig] = {}
    for name in [*urls, *(n for n in shaped if n not in urls)]:
        url = urls.get(name)
        where = f"override_subgraph_url.{name}"
        if url is not None and not (
            isinstance(url, str) and url.startswith(("http://", "https://"))
        ):
            raise ConfigError(f"{where}: expected an http(s) URL, got {url!r}")
        own_where = f"traffic_shaping.subgraphs.{name}"
        own = v.mapping(_or_empty(shaped.get(name)), own_where)
        v.only(own, _SHAPING_KEYS, f"{own_where}.")
        timeout, dedup = own.get("timeout"), own.get("deduplicate_query")
        out[str(name)] = SubgraphConfig(
            url if isinstance(url, str) else None,
            None if timeout is None else v.duration(timeout, f"{own_where}.timeout"),
            None if dedup is None else v.boolean(dedup, f"{own_where}.deduplicate_query"),
        )
    return out


def _traffic_shaping(
    shaping: Mapping[str, object], every: Mapping[str, object]
) -> TrafficShapingConfig:
    d = _DEFAULT.traffic_shaping
    return TrafficShapingConfig(
        v.boolean(
            every.get("deduplicate_query", d.deduplicate_query),
            "traffic_shaping.all.deduplicate_query",
        ),
        v.choice(
            shaping.get("http_client", d.http_client), HTTP_CLIENTS, "traffic_shaping.http_client"
        ),
    )


def _include_subgraph_errors(
    top: Mapping[str, object], default: bool
) -> tuple[bool, dict[str, bool]]:
    """`include_subgraph_errors: {all: bool, subgraphs: {name: bool}}`."""
    s = v.section(top, "include_subgraph_errors", {"all", "subgraphs"})
    every = v.boolean(s.get("all", default), "include_subgraph_errors.all")
    named = v.mapping(_or_empty(s.get("subgraphs")), "include_subgraph_errors.subgraphs")
    return every, {
        str(name): v.boolean(value, f"include_subgraph_errors.subgraphs.{name}")
        for name, value in named.items()
    }


def _listen(top: Mapping[str, object]) -> ListenConfig:
    """`supergraph.listen: host:port` and `supergraph.path` (Apollo's; ours: /graphql)."""
    s = v.section(top, "supergraph", _SUPERGRAPH_KEYS)
    host: str | None = None
    port: int | None = None
    if s.get("listen") is not None:
        listen = v.string(s.get("listen"), "supergraph.listen")
        host, sep, port_text = listen.rpartition(":")
        host = host.removeprefix("[").removesuffix("]")
        if not sep or not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ConfigError(f"supergraph.listen: expected HOST:PORT, got {listen!r}")
        port = int(port_text)
    path = v.string(s.get("path", _DEFAULT.listen.path), "supergraph.path")
    if not path.startswith("/") or "*" in path or ":" in path or path == "/health":
        raise ConfigError(
            f"supergraph.path: expected a fixed path such as /graphql (no wildcards), got {path!r}"
        )
    where = "supergraph.forwarded_allow_ips"
    proxies = v.strings(s.get("forwarded_allow_ips") or [], where)
    try:
        parse_networks(proxies)
    except ValueError as error:
        raise ConfigError(f"{where}: {error} (expected addresses or CIDR networks)") from None
    return ListenConfig(host, port, path.rstrip("/") or "/", proxies)


_SUPERGRAPH_KEYS = {
    "listen",
    "path",
    "introspection",
    "query_planning",
    "defer_support",
    "forwarded_allow_ips",
}


def _limits(top: Mapping[str, object], d: LimitsConfig) -> LimitsConfig:
    counts = count_limits()
    keys = {
        "http_max_request_bytes",
        *(limit.key for limit in counts),
        *HTTP1_LIMIT_KEYS,
        "subgraph",
        "parser_max_recursion",
        "introspection_max_depth",
        "introspection_max_bytes",
    }
    s = v.section(top, "limits", keys)
    response_bytes, response_bytes_by_name = _subgraph_limits(s.get("subgraph"))
    return LimitsConfig(
        **{
            limit.name: v.optional_int(
                s.get(limit.key, getattr(d, limit.name)), f"limits.{limit.key}"
            )
            for limit in counts
        },
        max_body_bytes=v.byte_size(
            s.get("http_max_request_bytes", d.max_body_bytes), "limits.http_max_request_bytes"
        ),
        subgraph_response_bytes=response_bytes,
        subgraph_response_bytes_by_name=response_bytes_by_name,
        parser_max_recursion=_recursion(s.get("parser_max_recursion", d.parser_max_recursion)),
        introspection=v.boolean(
            v.section(top, "supergraph", _SUPERGRAPH_KEYS).get("introspection", d.introspection),
            "supergraph.introspection",
        ),
        introspection_max_depth=v.boolean(
            s.get("introspection_max_depth", d.introspection_max_depth),
            "limits.introspection_max_depth",
        ),
        introspection_max_bytes=_introspection_bytes(
            s.get("introspection_max_bytes", d.introspection_max_bytes)
        ),
    )


def _subgraph_limits(raw: object) -> tuple[int, dict[str, int]]:
    """`limits.subgraph` in Apollo Router's shape: `all`, then `subgraphs.<name>` over it."""
    where = "limits.subgraph"
    values = v.mapping(_or_empty(raw), where)
    v.only(values, {"all", "subgraphs"}, f"{where}.")
    default = (
        _response_bytes(values.get("all"), f"{where}.all")
        or _DEFAULT.limits.subgraph_response_bytes
    )
    by_name: dict[str, int] = {}
    named = v.mapping(_or_empty(values.get("subgraphs")), f"{where}.subgraphs")
    for name, own in named.items():
        value = _response_bytes(own, f"{where}.subgraphs.{name}")
        if value is not None:
            by_name[str(name)] = value
    return default, by_name


def _response_bytes(raw: object, where: str) -> int | None:
    """`http_max_response_bytes` (bytes), or Apollo Router's `http_max_response_size`
    (bytes, or a size such as "10MiB" or "10mb")."""
    limits = v.mapping(_or_empty(raw), where)
    keys = {"http_max_response_bytes", "http_max_response_size"}
    v.only(limits, keys, f"{where}.")
    if len(limits) > 1:
        raise ConfigError(
            f"{where}: set http_max_response_bytes or http_max_response_size, not both"
        )
    for key, value in limits.items():
        return v.byte_size(value, f"{where}.{key}")
    return None


def _recursion(raw: object) -> int:
    value = v.positive_int(raw, "limits.parser_max_recursion")
    if value > MAX_RECURSION:
        raise ConfigError(
            f"limits.parser_max_recursion: at most {MAX_RECURSION} (graphql-core's parser and"
            f" validation stop there), got {value}"
        )
    return value


def _introspection_bytes(raw: object) -> int | Literal["auto"] | None:
    if raw == "auto":
        return "auto"
    return v.optional_int(raw, "limits.introspection_max_bytes")


def _batching(top: Mapping[str, object]) -> BatchingConfig:
    s = v.section(top, "batching", {"enabled", "max_size"})
    d = _DEFAULT.batching
    return BatchingConfig(
        enabled=v.boolean(s.get("enabled", d.enabled), "batching.enabled"),
        max_size=v.positive_int(s.get("max_size", d.max_size), "batching.max_size"),
    )


def _graphiql(top: Mapping[str, object], d: GraphiQLConfig) -> GraphiQLConfig:
    """`sandbox.enabled` (the page browsers get; Apollo's Sandbox, here GraphiQL),
    `homepage.enabled: false` (no page, unless `sandbox.enabled`), and where GraphiQL's
    files come from (`graphiql`, ours)."""
    sandbox = v.section(top, "sandbox", {"enabled"})
    homepage = v.section(top, "homepage", {"enabled", "graph_ref"})
    s = v.section(top, "graphiql", {"assets", "assets_dir"})
    enabled = d.enabled
    if "enabled" in homepage and not v.boolean(homepage["enabled"], "homepage.enabled"):
        enabled = False
    if "enabled" in sandbox:
        enabled = v.boolean(sandbox["enabled"], "sandbox.enabled")
    v.optional_string(homepage.get("graph_ref"), "homepage.graph_ref")
    assets_dir = v.optional_string(s.get("assets_dir"), "graphiql.assets_dir")
    if assets_dir is not None and not Path(assets_dir).is_dir():
        raise ConfigError(f"graphiql.assets_dir: {assets_dir} is not a folder")
    assets = v.choice(s.get("assets", d.assets), GRAPHIQL_ASSETS, "graphiql.assets")
    if assets_dir is not None and "assets" in s:
        raise ConfigError(
            "graphiql.assets_dir: set graphiql.assets or graphiql.assets_dir, not both"
        )
    return GraphiQLConfig(enabled, assets_dir, assets)


_CORS_KEYS = {
    "origins",
    "match_origins",
    "allow_any_origin",
    "allow_credentials",
    "allow_headers",
    "expose_headers",
    "methods",
    "max_age",
    "policies",
}
_POLICY_KEYS = {"origins", "match_origins"}


def _cors(top: Mapping[str, object]) -> CorsConfig:
    """Apollo Router's `cors`: its 1.x keys, and 2.x `policies` as far as they list
    origins (per-policy headers or credentials are not supported)."""
    s = v.section(top, "cors", _CORS_KEYS)
    default = _DEFAULT.cors
    origins = list(v.strings(s.get("origins", list(default.origins)), "cors.origins"))
    patterns = list(v.strings(s.get("match_origins", []), "cors.match_origins"))
    policies = s.get("policies")
    if policies is not None:
        if not isinstance(policies, list):
            raise ConfigError(f"cors.policies: expected a list, got {policies!r}")
        for index, raw in enumerate(policies):
            where = f"cors.policies[{index}]"
            policy = v.mapping(raw, where)
            v.only(policy, _POLICY_KEYS, f"{where}.")
            origins += v.strings(policy.get("origins", []), f"{where}.origins")
            patterns += v.strings(policy.get("match_origins", []), f"{where}.match_origins")
    for index, pattern in enumerate(patterns):
        try:
            re.compile(pattern)
        except re.error as error:
            raise ConfigError(f"cors.match_origins[{index}]: bad pattern: {error}") from error
    if v.boolean(s.get("allow_any_origin", False), "cors.allow_any_origin"):
        origins = ["*"]
    credentials = v.boolean(
        s.get("allow_credentials", default.allow_credentials), "cors.allow_credentials"
    )
    if credentials and "*" in origins:
        # Browsers refuse it, and echoing any origin with credentials would let any site in.
        raise ConfigError('cors.allow_credentials: cannot be true with origin "*"')
    headers = s.get("allow_headers")
    max_age = s.get("max_age")
    return CorsConfig(
        origins=tuple(origins),
        allow_credentials=credentials,
        max_age=None if max_age is None else max(1, round(v.duration(max_age, "cors.max_age"))),
        allow_headers=default.allow_headers
        if headers is None
        else v.strings(headers, "cors.allow_headers"),
        match_origins=tuple(patterns),
        methods=tuple(
            m.upper() for m in v.strings(s.get("methods", list(default.methods)), "cors.methods")
        ),
        expose_headers=v.strings(s.get("expose_headers", []), "cors.expose_headers"),
    )


def _csrf(top: Mapping[str, object]) -> CsrfConfig:
    s = v.section(top, "csrf", {"enabled", "required_headers"})
    headers = s.get("required_headers")
    default = _DEFAULT.csrf
    return CsrfConfig(
        enabled=v.boolean(s.get("enabled", default.enabled), "csrf.enabled"),
        required_headers=default.required_headers
        if headers is None
        else tuple(h.lower() for h in v.strings(headers, "csrf.required_headers")),
    )


_PQ_KEYS = {
    "enabled",
    "log_unknown",
    "safelist",
    "local_manifests",
    "client_name_header",
    "free_form_clients",
}


def _persisted_queries(top: Mapping[str, object]) -> PersistedQueriesConfig:
    """Apollo Router's `persisted_queries` (the list) and `apq` (automatic ones)."""
    s = v.section(top, "persisted_queries", _PQ_KEYS)
    where = "persisted_queries."
    default = _DEFAULT.persisted_queries
    enabled = v.boolean(s.get("enabled", False), f"{where}enabled")
    manifests = v.strings(s.get("local_manifests", []), f"{where}local_manifests")
    safelist = v.mapping(_or_empty(s.get("safelist")), f"{where}safelist")
    v.only(safelist, {"enabled", "require_id"}, f"{where}safelist.")
    if v.boolean(safelist.get("require_id", False), f"{where}safelist.require_id"):
        raise ConfigError(
            f"{where}safelist.require_id: not supported (listed operations may be sent as text)"
        )
    mode = "off"
    if v.boolean(s.get("log_unknown", False), f"{where}log_unknown"):
        mode = "log"
    if v.boolean(safelist.get("enabled", False), f"{where}safelist.enabled"):
        mode = "enforce"
    if (mode != "off" or manifests) and not enabled:
        raise ConfigError(f"{where}enabled: must be true for the list (local_manifests, safelist)")
    if enabled and not manifests:
        raise ConfigError(f"{where}local_manifests: list at least one manifest file")
    apq = v.section(top, "apq", {"enabled", "router"})
    cache = v.nested(top, "apq.router.cache", {"in_memory", "redis"}, siblings=set(apq))
    memory = v.mapping(_or_empty(cache.get("in_memory")), "apq.router.cache.in_memory")
    v.only(memory, {"limit", "max_bytes"}, "apq.router.cache.in_memory.")
    redis = v.mapping(_or_empty(cache.get("redis")), "apq.router.cache.redis")
    v.only(redis, {"urls", "ttl", "namespace", "key_prefix"}, "apq.router.cache.redis.")
    urls = v.strings(redis["urls"], "apq.router.cache.redis.urls") if "urls" in redis else ()
    if len(urls) > 1:
        raise ConfigError("apq.router.cache.redis.urls: one URL (a cluster is not supported)")
    redis_url = urls[0] if urls else None
    if redis_url is not None and not redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError("apq.router.cache.redis.urls[0]: expected a redis:// URL")
    prefix = default.redis_key_prefix
    if "namespace" in redis:
        prefix = v.string(redis["namespace"], "apq.router.cache.redis.namespace") + ":apq:"
    if "key_prefix" in redis:
        prefix = v.string(redis["key_prefix"], "apq.router.cache.redis.key_prefix")
    ttl = redis.get("ttl")
    return PersistedQueriesConfig(
        apq=v.boolean(apq.get("enabled", default.apq), "apq.enabled"),
        manifests=manifests,
        safelist=mode,
        client_name_header=v.string(
            s.get("client_name_header", default.client_name_header), f"{where}client_name_header"
        ).lower(),
        free_form_clients=v.strings(
            s.get("free_form_clients", list(default.free_form_clients)), f"{where}free_form_clients"
        ),
        redis_url=redis_url,
        redis_key_prefix=prefix,
        ttl=None if ttl is None else round(v.duration(ttl, "apq.router.cache.redis.ttl")),
        memory_size=v.positive_int(
            memory.get("limit", default.memory_size), "apq.router.cache.in_memory.limit"
        ),
        memory_max_bytes=v.byte_budget(
            memory.get("max_bytes", default.memory_max_bytes),
            "apq.router.cache.in_memory.max_bytes",
        ),
    )


def _supergraph(top: Mapping[str, object]) -> SupergraphConfig:
    where = "supergraph.query_planning.cache.in_memory"
    s = v.nested(top, where, {"limit", "max_bytes"}, siblings=_SUPERGRAPH_KEYS)
    d = _DEFAULT.supergraph.query_planning_cache
    top_keys = v.section(top, "supergraph", _SUPERGRAPH_KEYS)
    defer = top_keys.get("defer_support", _DEFAULT.supergraph.defer_support)
    return SupergraphConfig(
        InMemoryCacheConfig(
            limit=v.positive_int(s.get("limit", d.limit), f"{where}.limit"),
            max_bytes=v.byte_budget(s.get("max_bytes", d.max_bytes), f"{where}.max_bytes"),
        ),
        v.boolean(defer, "supergraph.defer_support"),
    )
