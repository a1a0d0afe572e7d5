"""The JSON Schema of router.yaml (`supergraph config schema`), for editors.

The tree below describes every key: its type, its description and its default,
the default taken from the config model (`RouterConfig()` and the modules' constants,
never restated). The parsers in config.py remain what decides; a test walks this
tree and proves they agree key by key (a wrong value at each path is refused naming
that path, each default is accepted), and that every top-level key the parser
accepts is described here. Deprecated keys are in the schema too, marked
`deprecated` with the key to use instead.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from supergraph.http import edge_limits as edge
from supergraph.http.config import (
    EXPOSE_QUERY_PLAN,
    GRAPHIQL_ASSETS,
    HTTP_CLIENTS,
    MAX_COMPUTE_PROCESSES,
    RouterConfig,
)
from supergraph.http.demand_control import MAX_LIST_SIZE
from supergraph.http.subscription_config import PROTOCOLS, SubscriptionConfig
from supergraph.http.traffic_config import MAX_CAPACITY, RATE_LIMIT_KEYS
from supergraph.limits import count_limits
from supergraph.pipeline.fresh import FreshOperationsOptions
from supergraph.pipeline.traffic import DEFAULT_KEY_PREFIX, BreakerSettings, RetrySettings
from supergraph.usage.recorder import UsageSettings

JSON = dict[str, Any]
_SUB = SubscriptionConfig()
SCHEMA_ID = "https://pyfederation.invalid/router.schema.json"


@dataclass(frozen=True, slots=True)
class Node:
    """One key's value: `kind` is the JSON Schema of a leaf, or an object of `keys`."""

    description: str
    kind: JSON = field(default_factory=dict)
    keys: Mapping[str, Node] | None = None
    values: Node | None = None
    """A mapping with free keys (subgraph names): each value's schema."""
    items: Node | None = None
    default: object = None
    deprecated: str | None = None
    """The key to use instead."""

    def schema(self) -> JSON:
        out: JSON = dict(self.kind)
        if out and self.keys is None and self.values is None and self.items is None:
            # Any value may be `${env.NAME}` (expanded when the file is loaded).
            out = {"anyOf": [out, _PLACEHOLDER]}
        if self.keys is not None:
            out["type"] = "object"
            out["properties"] = {name: node.schema() for name, node in self.keys.items()}
            out["additionalProperties"] = False
        if self.values is not None:
            out["type"] = "object"
            out["additionalProperties"] = self.values.schema()
        if self.items is not None:
            out["type"] = "array"
            out["items"] = self.items.schema()
        description = self.description
        if self.deprecated is not None:
            out["deprecated"] = True
            description = f"Deprecated: use {self.deprecated}. {description}"
        out["description"] = description
        if self.default is not None:
            out["default"] = self.default
        if self.keys is not None or self.values is not None:
            # `key:` with nothing after it is read as an empty section.
            out["type"] = ["object", "null"]
        return out


_PLACEHOLDER: JSON = {"type": "string", "pattern": r"^\$\{env\.[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}$"}


def _bool(description: str, default: bool | None = None) -> Node:
    return Node(description, {"type": "boolean"}, default=default)


def _int(description: str, default: int | None = None, *, nullable: bool = False) -> Node:
    kind: JSON = {"type": ["integer", "null"] if nullable else "integer", "minimum": 1}
    return Node(description, kind, default=default)


_DURATION: JSON = {
    "anyOf": [
        {"type": "number", "exclusiveMinimum": 0},
        {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*(ms|s|m|h)?\s*$"},
    ]
}
_SIZE: JSON = {
    "anyOf": [
        {"type": "integer", "minimum": 1},
        {"type": "string", "pattern": r"(?i)^\s*\d+\s*(b|kb|kib|mb|mib|gb|gib)?\s*$"},
    ]
}


def _duration(description: str, default: float | None = None, *, nullable: bool = False) -> Node:
    kind = {"anyOf": [*_DURATION["anyOf"], {"type": "null"}]} if nullable else _DURATION
    return Node(description, kind, default=default)


def _size(description: str, default: int | None = None) -> Node:
    return Node(description, _SIZE, default=default)


def _str(description: str, default: str | None = None, enum: tuple[str, ...] = ()) -> Node:
    kind: JSON = {"type": "string", "minLength": 1}
    if enum:
        kind["enum"] = list(enum)
    return Node(description, kind, default=default)


def _strs(description: str, default: tuple[str, ...] | None = None) -> Node:
    kind: JSON = {"type": "array", "items": {"type": "string", "minLength": 1}}
    return Node(description, kind, default=list(default) if default is not None else None)


def _obj(description: str, **keys: Node) -> Node:
    return Node(description, keys=keys)


def _by_subgraph(description: str, value: Node) -> Node:
    return Node(description, values=value)


def _per_subgraph(
    description: str,
    every: Node,
    one: Node,
    *,
    each: str = "Per subgraph, over `all`.",
    **more: Node,
) -> Node:
    """Apollo Router's per-subgraph section: `all` (every subgraph) and `subgraphs`
    (by name, `one` each), beside the section's `more` keys."""
    return _obj(description, all=every, subgraphs=_by_subgraph(each, one), **more)


def _old(node: Node, instead: str) -> Node:
    return Node(
        node.description,
        node.kind,
        node.keys,
        node.values,
        node.items,
        None,
        instead,
    )


D = RouterConfig()
_HEADER_RULE = Node(
    "One rule: propagate (named, with rename/default, or matching a regex), insert"
    " (name, value) or remove (named or matching).",
    {
        "type": "object",
        "minProperties": 1,
        "maxProperties": 1,
        "properties": {
            "propagate": {
                "type": "object",
                "properties": {
                    "named": {"type": "string"},
                    "matching": {"type": "string"},
                    "rename": {"type": "string"},
                    "default": {"type": "string"},
                },
                "additionalProperties": False,
            },
            "insert": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "value": {"type": "string"}},
                "required": ["name", "value"],
                "additionalProperties": False,
            },
            "remove": {
                "type": "object",
                "properties": {"named": {"type": "string"}, "matching": {"type": "string"}},
                "additionalProperties": False,
            },
        },
        "additionalProperties": False,
    },
)
_HEADER_RULES = Node("Header rules, applied in order.", items=_HEADER_RULE)
_REQUEST = _obj("Rules for the requests to subgraphs.", request=_HEADER_RULES)
_HEADERS: JSON = {"anyOf": [_REQUEST.schema(), {**_HEADER_RULES.schema(), "deprecated": True}]}
_SHAPING = {
    "timeout": _duration("Each subgraph request's timeout (SUBGRAPH_TIMEOUT)."),
    "deduplicate_query": _bool(
        "Identical in-flight subgraph queries share one request (on by default here; Apollo: off)."
    ),
}
_RATE: dict[str, Node] = {
    "capacity": Node(
        "Requests allowed per interval (and the largest burst). Required.",
        {"type": "integer", "minimum": 1, "maximum": MAX_CAPACITY},
    ),
    "interval": _duration("The interval. Required."),
}
_RETRY = RetrySettings()
_BREAKER = BreakerSettings()


def _response_bytes(default: int | None = None) -> dict[str, Node]:
    return {
        "http_max_response_bytes": _size("Bytes.", default),
        "http_max_response_size": _size("Apollo's spelling of the same."),
    }


def _count(description: str, default: int) -> Node:
    return Node(description, {"type": "integer", "minimum": 0}, default=default)


def _ratio(description: str, default: float, *, zero: bool) -> Node:
    low: JSON = {"minimum": 0} if zero else {"exclusiveMinimum": 0}
    return Node(description, {"type": "number", **low, "maximum": 1}, default=default)


_RESILIENCE = {
    "global_rate_limit": _obj(
        "Apollo's: at most `capacity` requests to the subgraph per `interval` (counted in"
        " traffic_shaping.redis when set); over it, the fetch fails with REQUEST_RATE_LIMITED.",
        **_RATE,
    ),
    "experimental_retry": _obj(
        "Apollo's: retry failed queries (connection, 5xx, 429) within a budget.",
        min_per_sec=_count("Retries a second allowed whatever the traffic.", _RETRY.min_per_sec),
        ttl=_duration("Seconds the budget remembers requests and retries.", _RETRY.ttl),
        retry_percent=_ratio(
            "Retries allowed as a share of the requests.", _RETRY.retry_percent, zero=True
        ),
        retry_mutations=_bool("Retry mutations too (not idempotent).", _RETRY.retry_mutations),
        max_retries=_count("Ours: retries of one request at most.", _RETRY.max_retries),
        backoff=_duration("Ours: the first retry's backoff bound (jittered).", _RETRY.backoff),
        backoff_max=_duration("Ours: the largest backoff bound.", _RETRY.backoff_max),
    ),
    "circuit_breaker": _obj(
        "Ours (Apollo has none; Hive Router's shape): stop sending to a failing subgraph"
        " (SUBGRAPH_CIRCUIT_BREAKER_REJECTED).",
        enabled=_bool("On when the section is present.", True),
        error_threshold=_ratio(
            "The failed share of the window that opens it.", _BREAKER.error_threshold, zero=False
        ),
        volume_threshold=_int(
            "Requests in the window before it may open.", _BREAKER.volume_threshold
        ),
        window=_duration("Seconds of outcomes judged.", _BREAKER.window),
        reset_timeout=_duration("Seconds open before probing.", _BREAKER.reset_timeout),
        half_open_attempts=_int(
            "Probes that must all succeed to close it.", _BREAKER.half_open_attempts
        ),
    ),
}
_LIMITS = D.limits
_PQ = D.persisted_queries
_JWKS_ENTRY = _obj(
    "A JWKS: fetched over http(s) and refreshed, or read once from a file:// URL.",
    url=_str("https://... or file:///path/jwks.json"),
    issuer=_str("An accepted `iss` (the union over the entries applies to every key)."),
    issuers=_strs("Accepted `iss` values."),
    audiences=_strs("Accepted `aud` values."),
    poll_interval=_duration("How long fetched keys are kept before a refresh.", 300),
    algorithms=_strs("file:// JWKS only: the algorithms its keys may verify."),
)
_OUR_AUTH = Node(
    "This router's own authentication keys (docs/auth.md).",
    {"type": ["object", "array", "string", "number", "boolean", "null"]},
)
_USAGE = UsageSettings(store="")
_FRESH = FreshOperationsOptions()

_CACHE_ONE_SUBGRAPH = _obj(
    "One subgraph.",
    enabled=_bool("Cache this subgraph's answers."),
    ttl=_duration("Life of an answer without max-age."),
)
_PASSTHROUGH = _obj(
    "A subgraph's subscriptions.",
    path=_str("The subscription path on its host (default: its URL's path)."),
    protocol=_str("The graphql-ws library's protocol.", PROTOCOLS[0], PROTOCOLS),
    heartbeat_interval=Node(
        "WebSocket pings to the subgraph: a duration, or disable.",
        {"anyOf": [*_DURATION["anyOf"], {"enum": ["disable", "enable"]}]},
        default="15s",
    ),
)

_RESPONSE_CACHE = _obj(
    "Apollo's response cache: subgraph entities and root fields (docs/entity-cache.md).",
    enabled=_bool("On.", False),
    invalidation=_obj(
        "Invalidation: Apollo's endpoint, and ours from domain events.",
        path=_str("The endpoint's path (POST, on the router's listener).", "/invalidation"),
        listen=_str("Apollo's address of the endpoint: the router's listener serves it."),
        events=_obj(
            "Ours: NATS subjects whose events invalidate an entity.",
            urls=_strs("NATS servers (nats://host:4222)."),
            rules=Node(
                "Each: subject, type, key (key field -> the payload field with its value).",
                {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["subject", "type", "key"],
                        "properties": {
                            "subject": {"type": "string", "minLength": 1},
                            "type": {"type": "string", "minLength": 1},
                            "key": {
                                "type": "object",
                                "minProperties": 1,
                                "additionalProperties": {"type": "string", "minLength": 1},
                            },
                        },
                        "additionalProperties": False,
                    },
                },
            ),
        ),
    ),
    subgraph=_per_subgraph(
        "Per subgraph settings.",
        _obj(
            "Every subgraph (the defaults of `subgraphs`).",
            enabled=_bool("Cache this subgraph's answers.", True),
            ttl=_duration("Life of an answer without max-age.", 60),
            private_id=_str("The claim naming the caller (private data).", "sub"),
            redis=_obj(
                "The Redis every replica shares (absent: in memory, one process).",
                urls=_strs("redis:// URLs (the first is used)."),
                timeout=_duration("Per command; a slower one is a miss.", 0.5),
                namespace=_str("Key prefix.", "supergraph:cache:"),
            ),
            invalidation=_obj(
                "The invalidation endpoint.",
                enabled=_bool("Serve it.", False),
                shared_key=_str("The Authorization header it requires."),
            ),
        ),
        _CACHE_ONE_SUBGRAPH,
    ),
    max_entry_bytes=_size("Ours: a larger entry is not cached.", 256 * 1024),
    max_entries_per_tag=_int(
        "Ours: live entries one Redis index (type, subgraph, root fields) may name;"
        " past it the soonest to expire are evicted.",
        100_000,
    ),
    in_memory=_obj(
        "Ours: the store without redis.",
        max_bytes=_size("Its byte budget (least recently used dropped).", 64 * 1024 * 1024),
    ),
)
_RESPONSE_CACHE_KEYS = _RESPONSE_CACHE.keys or {}
# Apollo Router 1.x's entity cache: response_cache's keys, plus its earlier `redis`
# (with `ttl`) and `subgraphs` at the top (config_aliases.py moves them).
_PREVIEW_ENTITY_CACHE = _old(
    Node(
        "Apollo Router 1.x's entity cache, read as response_cache.",
        keys={
            **_RESPONSE_CACHE_KEYS,
            "redis": _obj(
                "1.x: subgraph.all.redis (its ttl: subgraph.all.ttl).",
                urls=_strs("redis:// URLs."),
                timeout=_duration("Per command."),
                namespace=_str("Key prefix."),
                ttl=_duration("Life of an answer without max-age."),
            ),
            "subgraphs": _by_subgraph("1.x: subgraph.subgraphs.", _CACHE_ONE_SUBGRAPH),
        },
    ),
    "response_cache",
)


TREE = _obj(
    "router.yaml: the router's configuration (Apollo Router's keys where Apollo has the"
    " feature; docs/router-config.md).",
    supergraph=_obj(
        "The GraphQL endpoint.",
        listen=_str("HOST:PORT to listen on (the command's --host/--port win)."),
        path=_str("The GraphQL endpoint's path.", D.listen.path),
        forwarded_allow_ips=_strs(
            "Proxies (addresses or CIDR networks) whose Forwarded / X-Forwarded-For headers"
            " name the client, for rate limits by IP (uvicorn's name). Default: none.",
            (),
        ),
        introspection=_bool(
            "Allow __schema/__type (INTROSPECTION_DISABLED otherwise). Default: true, false"
            " with SUPERGRAPH_ENV=production."
        ),
        defer_support=_bool(
            "Answer @defer in parts (multipart/mixed;deferSpec=20220824); false: in one body.",
            D.supergraph.defer_support,
        ),
        query_planning=_obj(
            "Query planning.",
            cache=_obj(
                "The plan caches.",
                in_memory=_obj(
                    "Each of the document, plan and authorized-plan caches.",
                    limit=_int("Entries.", D.supergraph.query_planning_cache.limit),
                    max_bytes=_size("Bytes.", D.supergraph.query_planning_cache.max_bytes),
                ),
            ),
        ),
    ),
    override_subgraph_url=_by_subgraph(
        "A subgraph's URL instead of the supergraph's.",
        Node("An http(s) URL.", {"type": "string", "pattern": "^https?://"}),
    ),
    traffic_shaping=_per_subgraph(
        "Subgraph requests.",
        _obj(
            "Every subgraph.",
            **{
                **_SHAPING,
                "timeout": _duration(
                    "Each subgraph request's timeout (SUBGRAPH_TIMEOUT).", D.subgraph_timeout
                ),
                **_RESILIENCE,
            },
        ),
        _obj("One subgraph.", **_SHAPING, **_RESILIENCE),
        http_client=_str(
            "Ours: the subgraph HTTP client.", D.traffic_shaping.http_client, HTTP_CLIENTS
        ),
        router=_obj(
            "Client requests.",
            global_rate_limit=_obj(
                "Apollo's: at most `capacity` operations per `interval`, shared by replicas"
                " through traffic_shaping.redis; over it, 429 REQUEST_RATE_LIMITED.",
                **_RATE,
                key=_str(
                    "Ours: one allowance per key value (default global).",
                    None,
                    RATE_LIMIT_KEYS,
                ),
            ),
            deduplicate_query=_bool(
                "Ours: identical in-flight anonymous queries share one execution.", False
            ),
        ),
        redis=_obj(
            "Ours: where rate limits are counted, shared by replicas (absent: in memory).",
            urls=_strs("One redis:// URL."),
            namespace=_str("Keys start with `<namespace>:rate:`."),
            key_prefix=_str("Keys start with this.", DEFAULT_KEY_PREFIX),
        ),
    ),
    include_subgraph_errors=_per_subgraph(
        "Whether subgraph error messages reach clients (else 'Subgraph errors redacted',"
        " path and code kept).",
        _bool("Every subgraph. Default: true, false with SUPERGRAPH_ENV=production."),
        _bool("Include this one's."),
    ),
    limits=_obj(
        "What one request may cost (docs/router-config.md, Limits).",
        http_max_request_bytes=_size("Request body bytes (413).", _LIMITS.max_body_bytes),
        parser_max_recursion=_int("Nesting depth (at most 200).", _LIMITS.parser_max_recursion),
        **{
            limit.key: _int(limit.doc, limit.router_default, nullable=True)
            for limit in count_limits()
        },
        introspection_max_depth=_bool("graphql-js's introspection depth rule.", True),
        introspection_max_bytes=Node(
            "Bytes of introspection per response; auto: twice the full introspection.",
            {"anyOf": [{"const": "auto"}, {"type": "integer", "minimum": 1}, {"type": "null"}]},
            default="auto",
        ),
        http1_max_request_headers=_int("Headers per request (431).", edge.DEFAULT_MAX_HEADERS),
        http1_max_request_buf_size=_size(
            "Request line and headers (431).", edge.DEFAULT_MAX_HEAD_BYTES
        ),
        subgraph=_per_subgraph(
            "Subgraph answers.",
            _obj("Every subgraph.", **_response_bytes(_LIMITS.subgraph_response_bytes)),
            _obj("One subgraph.", **_response_bytes()),
        ),
        max_body_bytes=_old(_size("Request body bytes."), "limits.http_max_request_bytes"),
        max_tokens=_old(_int("Tokens.", nullable=True), "limits.parser_max_tokens"),
    ),
    server=_obj(
        "Connections.",
        http=_obj(
            "Per connection; read at start.",
            header_read_timeout=_duration("408 after it.", edge.DEFAULT_HEADER_READ_TIMEOUT),
            body_read_timeout=_duration("408 after it.", edge.DEFAULT_BODY_READ_TIMEOUT),
            keep_alive_timeout=_duration("Idle connections.", edge.DEFAULT_KEEP_ALIVE_TIMEOUT),
            max_connections=_int("Per process.", edge.DEFAULT_MAX_CONNECTIONS),
        ),
    ),
    batching=_obj(
        "Several operations in one POST (a JSON array).",
        enabled=_bool("Off by default, as Apollo Router.", D.batching.enabled),
        max_size=_int("Operations per batch.", D.batching.max_size),
    ),
    sandbox=_obj(
        "The explorer browsers get at the GraphQL path (here GraphiQL).",
        enabled=_bool("Default: true, false with SUPERGRAPH_ENV=production."),
    ),
    homepage=_obj(
        "Apollo's landing page: `enabled: false` serves no page (unless sandbox.enabled).",
        enabled=_bool("See sandbox.enabled."),
        graph_ref=_str("Accepted, unused."),
    ),
    graphiql=_obj(
        "Ours: where GraphiQL's files come from.",
        assets=_str(
            "bundled: shipped in the package (offline); cdn: unpkg.com with SRI hashes.",
            D.graphiql.assets,
            GRAPHIQL_ASSETS,
        ),
        assets_dir=_str("A node_modules folder with graphiql, react and react-dom."),
        enabled=_old(_bool("The page."), "sandbox.enabled"),
    ),
    cors=_obj(
        "Cross-origin browsers (no origin allowed unless listed).",
        origins=_strs("Allowed origins.", D.cors.origins),
        match_origins=_strs("Regular expressions an origin may fully match."),
        allow_any_origin=_bool("Access-Control-Allow-Origin: * (no credentials).", False),
        allow_credentials=_bool("Cookies and Authorization across origins.", False),
        allow_headers=_strs("Request headers allowed.", D.cors.allow_headers),
        expose_headers=_strs("Response headers exposed."),
        methods=_strs("Methods allowed.", D.cors.methods),
        max_age=_duration("How long a preflight may be cached (null: 600 s).", nullable=True),
        policies=Node(
            "Apollo Router 2's policies: their origins and match_origins.",
            items=_obj(
                "One policy.",
                origins=_strs("Allowed origins."),
                match_origins=_strs("Regular expressions."),
            ),
        ),
    ),
    csrf=_obj(
        "Apollo's CSRF prevention.",
        enabled=_bool("Refuse simple requests without a preflight header.", D.csrf.enabled),
        required_headers=_strs("Any of them makes a request non-simple.", D.csrf.required_headers),
    ),
    apq=_obj(
        "Automatic persisted queries.",
        enabled=_bool("APQ on.", _PQ.apq),
        router=_obj(
            "The router's store.",
            cache=_obj(
                "Where registrations live.",
                in_memory=_obj(
                    "Without Redis.",
                    limit=_int("Registrations.", _PQ.memory_size),
                    max_bytes=_size("Bytes (ours).", _PQ.memory_max_bytes),
                ),
                redis=_obj(
                    "Shared by replicas.",
                    urls=_strs("One redis:// URL."),
                    ttl=_duration("How long a registration lives."),
                    namespace=_str("Keys are NAMESPACE:apq:HASH."),
                    key_prefix=_str("Ours: the exact key prefix.", _PQ.redis_key_prefix),
                ),
            ),
        ),
    ),
    persisted_queries=_obj(
        "The persisted query list (Apollo's manifest format).",
        enabled=_bool("Resolve ids from local_manifests.", False),
        local_manifests=_strs("Manifest files, merged."),
        log_unknown=_bool("Log operations not in the list.", False),
        safelist=Node(
            "Run only listed operations (QUERY_NOT_IN_SAFELIST), or the deprecated off|log|enforce.",
            {
                "anyOf": [
                    {
                        "type": "object",
                        "properties": {
                            "enabled": {"type": "boolean"},
                            "require_id": {"type": "boolean", "const": False},
                        },
                        "additionalProperties": False,
                    },
                    {"enum": ["off", "log", "enforce", False], "deprecated": True},
                ]
            },
        ),
        client_name_header=_str("Ours: the header naming the client.", _PQ.client_name_header),
        free_form_clients=_strs("Ours: clients that may send any operation.", ()),
        apq=_old(_bool("APQ on."), "apq.enabled"),
        manifest=_old(_str("A manifest file."), "persisted_queries.local_manifests"),
        redis_url=_old(_str("A redis:// URL."), "apq.router.cache.redis.urls"),
        redis_key_prefix=_old(_str("Key prefix."), "apq.router.cache.redis.key_prefix"),
        ttl=_old(_int("Seconds."), "apq.router.cache.redis.ttl"),
        memory_size=_old(_int("Registrations."), "apq.router.cache.in_memory.limit"),
        memory_max_bytes=_old(_size("Bytes."), "apq.router.cache.in_memory.max_bytes"),
    ),
    plugins=_obj(
        "Apollo Router's plugins: only expose_query_plan.",
        **{
            EXPOSE_QUERY_PLAN: _bool(
                "Answer the plan to `Apollo-Expose-Query-Plan: true` (extensions.apolloQueryPlan).",
                D.expose_query_plan,
            )
        },
    ),
    demand_control=_obj(
        "Apollo's demand control: the static cost of operations (docs/demand-control.md).",
        enabled=_bool("On (every key of the section is required)."),
        mode=_str(
            "measure: report the cost; enforce: refuse above max.", None, ("measure", "enforce")
        ),
        strategy=_obj(
            "How cost is estimated.",
            static_estimated=_obj(
                "Apollo's static estimate.",
                list_size=Node(
                    "Items assumed for a list without @listSize.",
                    {"type": "integer", "minimum": 0, "maximum": MAX_LIST_SIZE},
                ),
                max=Node("The most an operation may cost.", {"type": "number", "minimum": 0}),
            ),
        ),
    ),
    response_cache=_RESPONSE_CACHE,
    subscription=_obj(
        "Federated subscriptions (docs/subscriptions.md).",
        enabled=_bool("Off: every subscription refused (SUBSCRIPTIONS_DISABLED).", _SUB.enabled),
        mode=_obj(
            "How the router reaches the subgraphs' subscriptions.",
            passthrough=_per_subgraph(
                "graphql-transport-ws to the subgraph that owns the field.",
                _PASSTHROUGH,
                _PASSTHROUGH,
            ),
        ),
        max_opened_subscriptions=_int(
            "Open subscriptions per process (null: no cap).",
            _SUB.max_opened_subscriptions,
            nullable=True,
        ),
        queue_capacity=_int(
            "Events buffered per subscription; full: the oldest is dropped.", _SUB.queue_capacity
        ),
        max_subscriptions_per_connection=_int(
            "Ours: operations open on one WebSocket.", _SUB.max_subscriptions_per_connection
        ),
        keep_alive_interval=_duration(
            "Ours: heartbeats to clients (WebSocket ping, SSE comment, multipart {}).",
            _SUB.keep_alive_interval,
        ),
        connection_init_timeout=_duration(
            "Ours: a WebSocket sends connection_init within this.", _SUB.connection_init_timeout
        ),
    ),
    authentication=_obj(
        "JWT authentication (docs/auth.md).",
        router=_obj(
            "Apollo Router's shape.",
            jwt=_obj(
                "JWT.",
                header_name=_str("The header carrying the token.", "Authorization"),
                header_value_prefix=_str("Only Bearer.", "Bearer"),
                sources=Node(
                    "Other places: a cookie.",
                    items=_obj(
                        "A source.",
                        type=_str("header or cookie.", None, ("header", "cookie")),
                        name=_str("Its name."),
                        value_prefix=_str("Bearer."),
                    ),
                ),
                jwks=Node("JWKS.", items=_JWKS_ENTRY),
                ignore_other_prefixes=_bool("Not supported (must be false).", False),
            ),
        ),
        keys=_OUR_AUTH,
        development=_bool("Trust the `supergraph token` dev key (refused in production).", False),
        leeway=Node("Seconds of clock skew for exp/nbf/iat.", {"type": "number"}, default=30),
        max_token_bytes=_int("Largest token.", 8192),
        required_claims=_strs("Claims a token must have.", ("exp",)),
        jwks=_old(_OUR_AUTH, "authentication.router.jwt.jwks"),
        issuer=_old(_OUR_AUTH, "authentication.router.jwt.jwks[].issuers"),
        audience=_old(_OUR_AUTH, "authentication.router.jwt.jwks[].audiences"),
        cookie=_old(_str("A cookie name."), "authentication.router.jwt.sources"),
        required=_old(_bool("Refuse anonymous requests."), "authorization.require_authentication"),
    ),
    authorization=_obj(
        "@authenticated, @requiresScopes, @policy.",
        require_authentication=_bool("Anonymous requests get 401.", False),
        directives=_obj(
            "The directives.",
            reject_unauthorized=_bool("Refuse the whole operation instead of nulling.", False),
        ),
        policy_hook=_str("module:function deciding @policy."),
        reject_unauthorized=_old(
            _bool("Refuse the whole operation."), "authorization.directives.reject_unauthorized"
        ),
    ),
    identity=_obj(
        "Ours: the verified identity signed for the subgraphs.",
        header=_str("Its header.", "x-supergraph-identity"),
        private_key_file=_str("PEM private key."),
        development=_bool("The dev key.", False),
        algorithm=_str("Signing algorithm.", "EdDSA"),
        kid=_str("Key id."),
        ttl=_int("Seconds.", 60),
        issuer=_str("iss.", "supergraph-router"),
        audience=_str("aud.", "subgraphs"),
    ),
    headers=_per_subgraph(
        "Headers sent to subgraphs.",
        Node("Every subgraph: {request: [rules]} (a bare list is deprecated).", _HEADERS),
        Node("{request: [rules]}", _HEADERS),
        each="Per subgraph, after `all`.",
    ),
    telemetry=_obj(
        "Apollo Router's telemetry: tracing, logs, metrics (docs/observability.md).",
        instrumentation=_obj(
            "What the router records.",
            spans=_obj(
                "Span attributes.",
                supergraph=_obj(
                    "The operation span.",
                    attributes=_obj(
                        "Optional attributes.",
                        **{
                            "graphql.document": _bool(
                                "The operation's text on its span (off: it may hold data).",
                                False,
                            )
                        },
                    ),
                ),
            ),
            events=_obj(
                "Log events.",
                router=_obj(
                    "The router's events.",
                    response=_str(
                        "info: one access log line per request; off: none.",
                        "info",
                        ("info", "off"),
                    ),
                ),
            ),
        ),
        exporters=_obj(
            "Where telemetry goes.",
            tracing=_obj(
                "Traces (OTEL_* variables apply where this says nothing).",
                common=_obj(
                    "Settings of every trace exporter.",
                    service_name=_str("service.name of the router's spans."),
                    sampler=Node(
                        "Share of traces recorded: a ratio from 0 to 1, always_on or always_off.",
                        {
                            "anyOf": [
                                {"type": "number", "minimum": 0, "maximum": 1},
                                {"type": "string", "enum": ["always_on", "always_off"]},
                            ]
                        },
                    ),
                    parent_based_sampler=_bool("Follow the client's sampling decision."),
                ),
                propagation=_obj(
                    "W3C trace context in and out.",
                    trace_context=_bool("Send traceparent to subgraphs.", True),
                    trust_incoming=_bool("Continue the client's trace (else link to it).", True),
                ),
                otlp=_obj(
                    "The OTLP exporter.",
                    enabled=_bool("Export spans over OTLP."),
                    endpoint=_str("The collector's URL (default: OTLP's standard one)."),
                    protocol=_str("grpc or http (protobuf).", None, ("grpc", "http")),
                    batch_processor=_obj(
                        "How spans are batched.",
                        scheduled_delay=_duration("Between exports."),
                        max_queue_size=_int("Spans waiting at most (then dropped)."),
                        max_export_batch_size=_int("Spans per export at most."),
                    ),
                ),
            ),
            logging=_obj(
                "Logs.",
                stdout=_obj(
                    "Log lines on the standard streams.",
                    enabled=_bool("Accepted for Apollo configurations (always on).", True),
                    format=_str(
                        "json or text (default: text on a terminal, else json).",
                        None,
                        ("json", "text"),
                    ),
                ),
            ),
            metrics=_obj(
                "Metrics: OpenTelemetry over OTLP, and Prometheus on the admin listener.",
                common=_obj(
                    "Settings of every metrics exporter.",
                    service_name=_str("service.name of the router's metrics."),
                ),
                otlp=_obj(
                    "The OTLP exporter (OTEL_* variables apply where this says nothing).",
                    enabled=_bool("Export metrics over OTLP."),
                    endpoint=_str("The collector's URL (default: OTLP's standard one)."),
                    protocol=_str("grpc or http (protobuf).", None, ("grpc", "http")),
                    temporality=_str(
                        "cumulative or delta sums.", "cumulative", ("cumulative", "delta")
                    ),
                    batch_processor=_obj(
                        "How metrics are exported.",
                        scheduled_delay=_duration("Between exports (default 60s)."),
                    ),
                ),
                prometheus=_obj(
                    "The Prometheus exposition on the admin listener.",
                    enabled=_bool("Serve the metrics.", True),
                    listen=_str("host:port of their own (default: the health check's)."),
                    path=_str("Their path.", "/metrics"),
                ),
            ),
        ),
    ),
    health_check=_obj(
        "The admin listener: /health, /health/ready and the metrics, off the public port.",
        enabled=_bool("Serve the health checks.", True),
        listen=_str("host:port (SUPERGRAPH_ADMIN_LISTEN overrides the default).", "127.0.0.1:8088"),
        path=_str("The liveness path.", "/health"),
    ),
    compute_jobs=_obj(
        "Ours: compile processes.",
        processes=Node(
            "Child processes (0: a thread).",
            {"type": ["integer", "null"], "minimum": 0, "maximum": MAX_COMPUTE_PROCESSES},
        ),
        fresh_operations=_obj(
            "Operations no cache holds: admitted in turn per client, below cached ones.",
            enabled=_bool("Admission and priority on.", True),
            concurrency_limit=_int(
                "Compiled at once (null: one per compile process).", None, nullable=True
            ),
            max_queued=_int("Waiting, all clients.", _FRESH.max_queued),
            max_queued_per_client=_int(
                "Waiting, one client (null: max_queued).", None, nullable=True
            ),
            queue_timeout=_duration("Longest wait for a turn.", _FRESH.queue_timeout),
            yield_to_cached=_bool(
                "Their first shaping steps aside for cached requests.", _FRESH.yield_to_cached
            ),
            compile_share=Node(
                "Most of the time compilations may use (the slot then stays closed).",
                {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
                default=_FRESH.compile_share,
            ),
        ),
    ),
    usage_reporting=_obj(
        "Ours: schema usage per client (docs/usage.md); off unless present.",
        store=_str("sqlite:///... or postgresql://..."),
        sample_rate=Node(
            "Share of requests counted.",
            {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
            default=_USAGE.sample_rate,
        ),
        flush_interval=_duration("Counts go to the store.", _USAGE.flush_interval),
        max_keys=_int("Counters between flushes.", _USAGE.max_keys),
        max_pending_bytes=_size("Operation text waiting.", _USAGE.max_pending_bytes),
        client_name_header=_str("Client name.", _USAGE.client_name_header),
        client_version_header=_str("Client version.", _USAGE.client_version_header),
    ),
    # Deprecated top-level keys.
    preview_entity_cache=_PREVIEW_ENTITY_CACHE,
    subgraph_timeout=_old(_duration("Subgraph timeout."), "traffic_shaping.all.timeout"),
    introspection=_old(_bool("Introspection."), "supergraph.introspection"),
    mask_subgraph_errors=_old(_bool("Redact."), "include_subgraph_errors.all (negated)"),
    expose_query_plan=_old(_bool("Expose plans."), f"plugins.{EXPOSE_QUERY_PLAN}"),
    subgraphs=_old(
        _by_subgraph(
            "Per subgraph.",
            _obj(
                "One subgraph.",
                url=_str("URL."),
                timeout=_duration("Timeout."),
                deduplicate_query=_bool("De-duplication."),
            ),
        ),
        "override_subgraph_url and traffic_shaping.subgraphs",
    ),
)


def json_schema() -> JSON:
    schema = TREE.schema()
    schema["type"] = ["object", "null"]
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def leaves(node: Node = TREE, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Node]]:
    """(path, node) of every key with a fixed name, deprecated ones included."""
    for name, child in (node.keys or {}).items():
        where = (*path, name)
        yield where, child
        yield from leaves(child, where)
