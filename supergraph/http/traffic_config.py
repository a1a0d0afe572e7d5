"""router.yaml `traffic_shaping`: rate limits, retries, circuit breakers, inbound de-duplication.

traffic_shaping:
  router:
    global_rate_limit:          # Apollo Router's: `capacity` requests per `interval`
      capacity: 100
      interval: 1s
      key: client_name          # ours: global (default), client_name, subject, ip,
                                #   persisted_id: one allowance per value
    deduplicate_query: false    # ours: identical in-flight client queries share one run
  all:                          # every subgraph (a subgraph's own section replaces it)
    global_rate_limit: {capacity: 1000, interval: 1s}
    experimental_retry:         # Apollo Router's keys, plus max_retries/backoff
      min_per_sec: 10
      ttl: 10s
      retry_percent: 0.2
      retry_mutations: false
    circuit_breaker:            # ours (Apollo has none; the shape of Hive Router's)
      enabled: true
      error_threshold: 0.5
      volume_threshold: 10
      window: 10s
      reset_timeout: 5s
      half_open_attempts: 1
  subgraphs:
    products: {global_rate_limit: ..., experimental_retry: ..., circuit_breaker: ...}
  redis:                        # ours: where rate limits are counted (absent: in memory)
    urls: [redis://127.0.0.1:6379]
    key_prefix: "supergraph:rate:"
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from supergraph.http import config_values as v
from supergraph.http.config_values import ConfigError
from supergraph.pipeline.traffic import (
    DEFAULT_KEY_PREFIX,
    BreakerSettings,
    RateLimit,
    RetrySettings,
    SubgraphPolicy,
)

RATE_LIMIT_KEYS = ("global", "client_name", "subject", "ip", "persisted_id")
SUBGRAPH_KEYS = {"global_rate_limit", "experimental_retry", "circuit_breaker"}
"""The keys of `traffic_shaping.all` and `.subgraphs.<name>` read here."""
ROUTER_KEYS = {"global_rate_limit", "deduplicate_query"}
"""Apollo's `traffic_shaping.router.timeout` is refused by name (not supported: the
edge's own limits apply), never silently ignored."""
MAX_CAPACITY = 2**31 - 1


@dataclass(frozen=True, slots=True)
class RouterRateLimitConfig:
    limit: RateLimit
    key: str = "global"


@dataclass(frozen=True, slots=True)
class TrafficConfig:
    rate_limit: RouterRateLimitConfig | None = None
    """`traffic_shaping.router.global_rate_limit` (None: off)."""
    deduplicate_inbound: bool = False
    """`traffic_shaping.router.deduplicate_query`: off by default (an error or a slow
    answer is shared too); private requests and mutations are never shared."""
    all: SubgraphPolicy = field(default_factory=SubgraphPolicy)
    subgraphs: Mapping[str, SubgraphPolicy] = field(default_factory=dict)
    """Per subgraph, where it has its own section (replacing `all`, key by key)."""
    redis_url: str | None = None
    key_prefix: str = DEFAULT_KEY_PREFIX

    def policy(self, subgraph: str) -> SubgraphPolicy:
        return self.subgraphs.get(subgraph, self.all)

    @property
    def needs_limiter(self) -> bool:
        policies = [self.all, *self.subgraphs.values()]
        return self.rate_limit is not None or any(p.rate_limit is not None for p in policies)


def parse_traffic(shaping: Mapping[str, object]) -> TrafficConfig:
    """The parts of `traffic_shaping` (already checked to be a mapping) read here."""
    router = v.mapping(_or_empty(shaping.get("router")), "traffic_shaping.router")
    v.only(router, ROUTER_KEYS, "traffic_shaping.router.")
    every = v.mapping(_or_empty(shaping.get("all")), "traffic_shaping.all")
    default = _policy(every, "traffic_shaping.all", SubgraphPolicy())
    named = v.mapping(_or_empty(shaping.get("subgraphs")), "traffic_shaping.subgraphs")
    subgraphs: dict[str, SubgraphPolicy] = {}
    for name, raw in named.items():
        where = f"traffic_shaping.subgraphs.{name}"
        own = v.mapping(_or_empty(raw), where)
        if SUBGRAPH_KEYS & set(own):
            subgraphs[str(name)] = _policy(own, where, default)
    redis = v.mapping(_or_empty(shaping.get("redis")), "traffic_shaping.redis")
    v.only(redis, {"urls", "key_prefix", "namespace"}, "traffic_shaping.redis.")
    redis_url = _redis_url(redis)
    prefix = DEFAULT_KEY_PREFIX
    if "namespace" in redis:
        prefix = v.string(redis["namespace"], "traffic_shaping.redis.namespace") + ":rate:"
    if "key_prefix" in redis:
        prefix = v.string(redis["key_prefix"], "traffic_shaping.redis.key_prefix")
    return TrafficConfig(
        rate_limit=_router_rate_limit(router.get("global_rate_limit")),
        deduplicate_inbound=v.boolean(
            router.get("deduplicate_query", False), "traffic_shaping.router.deduplicate_query"
        ),
        all=default,
        subgraphs=subgraphs,
        redis_url=redis_url,
        key_prefix=prefix,
    )


def _router_rate_limit(raw: object) -> RouterRateLimitConfig | None:
    if raw is None:
        return None
    where = "traffic_shaping.router.global_rate_limit"
    section = v.mapping(raw, where)
    v.only(section, {"capacity", "interval", "key"}, f"{where}.")
    key = v.choice(section.get("key", "global"), RATE_LIMIT_KEYS, f"{where}.key")
    return RouterRateLimitConfig(_rate_limit(section, where), key)


def _rate_limit(section: Mapping[str, object], where: str) -> RateLimit:
    """Both keys are required (as in Apollo); a wrong value is named before a missing one."""
    capacity = section.get("capacity")
    if capacity is not None:
        capacity = v.positive_int(capacity, f"{where}.capacity")
        if capacity > MAX_CAPACITY:
            raise ConfigError(f"{where}.capacity: at most {MAX_CAPACITY}, got {capacity}")
    interval = section.get("interval")
    if interval is not None:
        interval = v.duration(interval, f"{where}.interval")
    if capacity is None:
        raise ConfigError(f"{where}.capacity: required")
    if interval is None:
        raise ConfigError(f"{where}.interval: required")
    return RateLimit(capacity, interval)


def _policy(section: Mapping[str, object], where: str, default: SubgraphPolicy) -> SubgraphPolicy:
    limit = default.rate_limit
    if "global_rate_limit" in section:
        raw = v.mapping(_or_empty(section["global_rate_limit"]), f"{where}.global_rate_limit")
        v.only(raw, {"capacity", "interval"}, f"{where}.global_rate_limit.")
        limit = _rate_limit(raw, f"{where}.global_rate_limit")
    retry = default.retry
    if "experimental_retry" in section:
        retry = _retry(section["experimental_retry"], f"{where}.experimental_retry")
    breaker = default.breaker
    if "circuit_breaker" in section:
        breaker = _breaker(section["circuit_breaker"], f"{where}.circuit_breaker")
    return SubgraphPolicy(limit, breaker, retry)


_RETRY_KEYS = {
    "min_per_sec",
    "ttl",
    "retry_percent",
    "retry_mutations",
    "max_retries",
    "backoff",
    "backoff_max",
}


def _retry(raw: object, where: str) -> RetrySettings:
    section = v.mapping(_or_empty(raw), where)
    v.only(section, _RETRY_KEYS, f"{where}.")
    d = RetrySettings()
    percent = section.get("retry_percent", d.retry_percent)
    if isinstance(percent, bool) or not isinstance(percent, int | float) or not 0 <= percent <= 1:
        raise ConfigError(f"{where}.retry_percent: expected a number from 0 to 1, got {percent!r}")
    backoff = v.duration(section.get("backoff", d.backoff), f"{where}.backoff")
    backoff_max = v.duration(section.get("backoff_max", d.backoff_max), f"{where}.backoff_max")
    if backoff_max < backoff:
        raise ConfigError(f"{where}.backoff_max: below backoff ({backoff_max} < {backoff})")
    return RetrySettings(
        min_per_sec=_count(section.get("min_per_sec", d.min_per_sec), f"{where}.min_per_sec"),
        ttl=v.duration(section.get("ttl", d.ttl), f"{where}.ttl"),
        retry_percent=float(percent),
        retry_mutations=v.boolean(
            section.get("retry_mutations", d.retry_mutations), f"{where}.retry_mutations"
        ),
        max_retries=_count(section.get("max_retries", d.max_retries), f"{where}.max_retries"),
        backoff=backoff,
        backoff_max=backoff_max,
    )


_BREAKER_KEYS = {
    "enabled",
    "error_threshold",
    "volume_threshold",
    "window",
    "reset_timeout",
    "half_open_attempts",
}


def _breaker(raw: object, where: str) -> BreakerSettings | None:
    section = v.mapping(_or_empty(raw), where)
    v.only(section, _BREAKER_KEYS, f"{where}.")
    d = BreakerSettings()
    threshold = section.get("error_threshold", d.error_threshold)
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, int | float)
        or not 0 < threshold <= 1
    ):
        raise ConfigError(
            f"{where}.error_threshold: expected a number in (0, 1], got {threshold!r}"
        )
    settings = BreakerSettings(
        error_threshold=float(threshold),
        volume_threshold=v.positive_int(
            section.get("volume_threshold", d.volume_threshold), f"{where}.volume_threshold"
        ),
        window=v.duration(section.get("window", d.window), f"{where}.window"),
        reset_timeout=v.duration(
            section.get("reset_timeout", d.reset_timeout), f"{where}.reset_timeout"
        ),
        half_open_attempts=v.positive_int(
            section.get("half_open_attempts", d.half_open_attempts), f"{where}.half_open_attempts"
        ),
    )
    return settings if v.boolean(section.get("enabled", True), f"{where}.enabled") else None


def _count(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"{where}: expected a whole number >= 0, got {value!r}")
    return value


def _redis_url(redis: Mapping[str, object]) -> str | None:
    if "urls" not in redis:
        return None
    urls = v.strings(redis["urls"], "traffic_shaping.redis.urls")
    if len(urls) != 1:
        raise ConfigError("traffic_shaping.redis.urls: one URL (a cluster is not supported)")
    if not urls[0].startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError("traffic_shaping.redis.urls[0]: expected a redis:// URL")
    return urls[0]


def _or_empty(value: object) -> object:
    return {} if value is None else value
