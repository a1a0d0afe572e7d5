"""`router.yaml`: the router's configuration file, validated with errors naming the key.

Every key is optional; docs/router-config.md describes each one. Values may use
`${env.NAME}` / `${env.NAME:-default}` (see envsubst.py) for secrets.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Literal

import yaml

from supergraph.http import config_values as v
from supergraph.http.config_values import ConfigError
from supergraph.http.demand_control import parse_demand_control
from supergraph.http.edge_limits import HTTP1_LIMIT_KEYS, EdgeLimits, parse_edge_limits
from supergraph.http.envsubst import EnvError, expand
from supergraph.http.security import SECURITY_KEYS, SecurityConfig, parse_security
from supergraph.limits import MAX_RECURSION, OperationLimits
from supergraph.pipeline.caches import DEFAULT_CACHE_BYTES, DEFAULT_CACHE_ENTRIES
from supergraph.pipeline.demand_control import DemandControlOptions
from supergraph.pipeline.persisted.store import DEFAULT_MEMORY_MAX_BYTES, DEFAULT_MEMORY_SIZE
from supergraph.pipeline.subgraphs import DEFAULT_MAX_RESPONSE_BYTES
from supergraph.usage.recorder import UsageSettings

__all__ = ["ConfigError", "RouterConfig", "load_config", "parse_config"]


@dataclass(frozen=True, slots=True)
class SubgraphConfig:
    url: str | None = None
    timeout: float | None = None
    deduplicate_query: bool | None = None
    """None: as `traffic_shaping.deduplicate_query`."""


@dataclass(frozen=True, slots=True)
class LimitsConfig(OperationLimits):
    """`limits` (and the top-level `introspection`): the operation limits the pipeline
    enforces (OperationLimits: every one off unless set; the router's defaults are set
    here, the only place), then what the edge and the subgraph requests enforce.

    A new operation limit: its field and check in OperationLimits, its default here when
    the router has one, its key in `_limits` below, docs/router-config.md."""

    max_aliases: int | None = 100
    """Aliased fields (fragments expanded): dashboards alias dozens, abuse hundreds."""
    max_tokens: int | None = 15_000
    """As Apollo Router's parser default: bounds the cost of parsing hostile documents."""
    max_query_length: int | None = 262_144
    """Characters of GraphQL text: a long token (string, comment, name) costs the pure-Python
    lexer as much per character as a 15,000-token document costs in all, up to here."""
    max_expanded_fields: int | None = 15_000
    """As many fields as `max_tokens` lets plain text hold: fragments must not multiply it."""
    max_fetches: int | None = 1_000
    """Subgraph fetches per plan: far above real operations, far below an alias flood."""
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


@dataclass(frozen=True, slots=True)
class GraphiQLConfig:
    enabled: bool = True
    assets_dir: str | None = None
    """A folder with GraphiQL's assets in npm's layout (offline installs); None: a CDN."""


@dataclass(frozen=True, slots=True)
class CorsConfig:
    origins: tuple[str, ...] = ()
    """No origin is allowed unless listed ("*" for any, without credentials)."""
    allow_credentials: bool = False
    max_age: int | None = None
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


@dataclass(frozen=True, slots=True)
class PersistedQueriesConfig:
    apq: bool = True
    manifest: str | None = None
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


@dataclass(frozen=True, slots=True)
class RouterConfig:
    subgraph_timeout: float = 30.0
    expose_query_plan: bool = False
    subgraphs: Mapping[str, SubgraphConfig] = field(default_factory=dict)
    mask_subgraph_errors: bool = False
    limits: LimitsConfig = field(default_factory=LimitsConfig)
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
    "subgraph_timeout",
    "expose_query_plan",
    "subgraphs",
    "introspection",
    "mask_subgraph_errors",
    "limits",
    "batching",
    "graphiql",
    "cors",
    "csrf",
    "persisted_queries",
    "traffic_shaping",
    "server",
    "supergraph",
    "compute_jobs",
    "usage_reporting",
    "demand_control",
    *SECURITY_KEYS,
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
        return parse_config({} if raw is None else raw, os.environ if env is None else env)
    except ConfigError as error:
        raise ConfigError(f"{path}: {error}") from error


_DEFAULT = RouterConfig()
"""Where parsing takes the default of every key left out: the dataclasses' defaults."""


def parse_config(raw: object, env: Mapping[str, str] | None = None) -> RouterConfig:
    try:
        raw = expand(raw, {} if env is None else env)
    except EnvError as error:
        raise ConfigError(str(error)) from error
    top = v.mapping(raw, "the configuration")
    v.only(top, TOP_KEYS, "")
    subgraphs = {
        str(name): _subgraph(value, f"subgraphs.{name}")
        for name, value in v.mapping(_or_empty(top.get("subgraphs")), "subgraphs").items()
    }
    d = _DEFAULT
    return RouterConfig(
        subgraph_timeout=v.seconds(
            top.get("subgraph_timeout", d.subgraph_timeout), "subgraph_timeout"
        ),
        expose_query_plan=v.boolean(
            top.get("expose_query_plan", d.expose_query_plan), "expose_query_plan"
        ),
        subgraphs=subgraphs,
        mask_subgraph_errors=v.boolean(
            top.get("mask_subgraph_errors", d.mask_subgraph_errors), "mask_subgraph_errors"
        ),
        limits=_limits(top),
        batching=_batching(top),
        graphiql=_graphiql(top),
        cors=_cors(top),
        csrf=_csrf(top),
        persisted_queries=_persisted_queries(top),
        security=parse_security(top),
        traffic_shaping=_traffic_shaping(top),
        edge=parse_edge_limits(top),
        supergraph=_supergraph(top),
        compute_jobs=_compute_jobs(top),
        usage_reporting=_usage_reporting(top),
        demand_control=parse_demand_control(top),
    )


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
    return UsageSettings(
        store=v.string(s.get("store"), f"{where}store"),
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
    s = v.section(top, "compute_jobs", {"processes"})
    processes = s.get("processes")
    where = "compute_jobs.processes"
    if processes is not None and (
        isinstance(processes, bool)
        or not isinstance(processes, int)
        or not 0 <= processes <= MAX_COMPUTE_PROCESSES
    ):
        raise ConfigError(f"{where}: expected 0 to {MAX_COMPUTE_PROCESSES}, got {processes!r}")
    return ComputeJobsConfig(processes)


def _or_empty(value: object) -> object:
    """`key:` with nothing after it reads as null: the same as leaving it out."""
    return {} if value is None else value


def _subgraph(raw: object, where: str) -> SubgraphConfig:
    values = v.mapping(raw, where)
    v.only(values, {"url", "timeout", "deduplicate_query"}, f"{where}.")
    url = values.get("url")
    if url is not None and not (isinstance(url, str) and url.startswith(("http://", "https://"))):
        raise ConfigError(f"{where}.url: expected an http(s) URL, got {url!r}")
    timeout = values.get("timeout")
    dedup = values.get("deduplicate_query")
    return SubgraphConfig(
        url,
        None if timeout is None else v.seconds(timeout, f"{where}.timeout"),
        None if dedup is None else v.boolean(dedup, f"{where}.deduplicate_query"),
    )


def _traffic_shaping(top: Mapping[str, object]) -> TrafficShapingConfig:
    s = v.section(top, "traffic_shaping", {"deduplicate_query", "http_client"})
    d = _DEFAULT.traffic_shaping
    return TrafficShapingConfig(
        v.boolean(
            s.get("deduplicate_query", d.deduplicate_query), "traffic_shaping.deduplicate_query"
        ),
        v.choice(s.get("http_client", d.http_client), HTTP_CLIENTS, "traffic_shaping.http_client"),
    )


def _limits(top: Mapping[str, object]) -> LimitsConfig:
    keys = {
        "max_body_bytes",
        "max_depth",
        "max_aliases",
        "max_root_fields",
        "max_tokens",
        "max_expanded_fields",
        "max_fetches",
        "max_planning_steps",
        *HTTP1_LIMIT_KEYS,
        "subgraph",
        "parser_max_recursion",
        "max_query_length",
        "introspection_max_depth",
        "introspection_max_bytes",
    }
    s = v.section(top, "limits", keys)
    d = _DEFAULT.limits
    response_bytes, response_bytes_by_name = _subgraph_limits(s.get("subgraph"))

    def optional(key: str) -> int | None:
        return v.optional_int(s.get(key, getattr(d, key)), f"limits.{key}")

    return LimitsConfig(
        max_body_bytes=v.positive_int(
            s.get("max_body_bytes", d.max_body_bytes), "limits.max_body_bytes"
        ),
        max_depth=optional("max_depth"),
        max_aliases=optional("max_aliases"),
        max_root_fields=optional("max_root_fields"),
        max_tokens=optional("max_tokens"),
        max_expanded_fields=optional("max_expanded_fields"),
        max_fetches=optional("max_fetches"),
        max_planning_steps=optional("max_planning_steps"),
        subgraph_response_bytes=response_bytes,
        subgraph_response_bytes_by_name=response_bytes_by_name,
        max_query_length=optional("max_query_length"),
        parser_max_recursion=_recursion(s.get("parser_max_recursion", d.parser_max_recursion)),
        introspection=v.boolean(top.get("introspection", d.introspection), "introspection"),
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


def _graphiql(top: Mapping[str, object]) -> GraphiQLConfig:
    s = v.section(top, "graphiql", {"enabled", "assets_dir"})
    assets_dir = v.optional_string(s.get("assets_dir"), "graphiql.assets_dir")
    if assets_dir is not None and not Path(assets_dir).is_dir():
        raise ConfigError(f"graphiql.assets_dir: {assets_dir} is not a folder")
    enabled = s.get("enabled", _DEFAULT.graphiql.enabled)
    return GraphiQLConfig(v.boolean(enabled, "graphiql.enabled"), assets_dir)


def _cors(top: Mapping[str, object]) -> CorsConfig:
    s = v.section(top, "cors", {"origins", "allow_credentials", "max_age", "allow_headers"})
    default = _DEFAULT.cors
    origins = v.strings(s.get("origins", list(default.origins)), "cors.origins")
    credentials = v.boolean(
        s.get("allow_credentials", default.allow_credentials), "cors.allow_credentials"
    )
    if credentials and "*" in origins:
        # Browsers refuse it, and echoing any origin with credentials would let any site in.
        raise ConfigError('cors.allow_credentials: cannot be true with origin "*"')
    headers = s.get("allow_headers")
    return CorsConfig(
        origins=origins,
        allow_credentials=credentials,
        max_age=v.optional_int(s.get("max_age"), "cors.max_age"),
        allow_headers=default.allow_headers
        if headers is None
        else v.strings(headers, "cors.allow_headers"),
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


def _persisted_queries(top: Mapping[str, object]) -> PersistedQueriesConfig:
    keys = {
        "apq",
        "manifest",
        "safelist",
        "client_name_header",
        "free_form_clients",
        "redis_url",
        "redis_key_prefix",
        "ttl",
        "memory_size",
        "memory_max_bytes",
    }
    s = v.section(top, "persisted_queries", keys)
    where = "persisted_queries."
    default = _DEFAULT.persisted_queries
    # YAML 1.1 reads a bare `off` as false: accept it as the mode "off".
    safelist = "off" if s.get("safelist") is False else s.get("safelist", default.safelist)
    mode = v.choice(safelist, ("off", "log", "enforce"), f"{where}safelist")
    manifest = v.optional_string(s.get("manifest"), f"{where}manifest")
    if mode != "off" and manifest is None:
        raise ConfigError(f"{where}safelist: '{mode}' needs {where}manifest (the list)")
    redis_url = v.optional_string(s.get("redis_url"), f"{where}redis_url")
    if redis_url is not None and not redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(f"{where}redis_url: expected a redis:// URL")
    return PersistedQueriesConfig(
        apq=v.boolean(s.get("apq", default.apq), f"{where}apq"),
        manifest=manifest,
        safelist=mode,
        client_name_header=v.string(
            s.get("client_name_header", default.client_name_header), f"{where}client_name_header"
        ).lower(),
        free_form_clients=v.strings(
            s.get("free_form_clients", list(default.free_form_clients)), f"{where}free_form_clients"
        ),
        redis_url=redis_url,
        redis_key_prefix=v.string(
            s.get("redis_key_prefix", default.redis_key_prefix), f"{where}redis_key_prefix"
        ),
        ttl=v.optional_int(s.get("ttl"), f"{where}ttl"),
        memory_size=v.positive_int(
            s.get("memory_size", default.memory_size), f"{where}memory_size"
        ),
        memory_max_bytes=v.byte_budget(
            s.get("memory_max_bytes", default.memory_max_bytes), f"{where}memory_max_bytes"
        ),
    )


def _supergraph(top: Mapping[str, object]) -> SupergraphConfig:
    where = "supergraph.query_planning.cache.in_memory"
    s = v.nested(top, where, {"limit", "max_bytes"})
    d = _DEFAULT.supergraph.query_planning_cache
    return SupergraphConfig(
        InMemoryCacheConfig(
            limit=v.positive_int(s.get("limit", d.limit), f"{where}.limit"),
            max_bytes=v.byte_budget(s.get("max_bytes", d.max_bytes), f"{where}.max_bytes"),
        )
    )
