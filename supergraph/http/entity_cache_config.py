"""router.yaml `response_cache` (Apollo Router 2's response cache shape; a 1.x
`preview_entity_cache` is moved here first, its `redis` and `subgraphs` under
`subgraph.all` and `subgraph.subgraphs`: config_aliases.py), docs/entity-cache.md:

    response_cache:
      enabled: true
      invalidation:
        path: /invalidation             # POST, on the router's listener
        listen: 127.0.0.1:4000          # accepted (Apollo's); the router's listener serves it
        events:                         # ours: domain events that invalidate entities
          urls: [nats://127.0.0.1:4222]
          rules:
            - {subject: events.products.ProductUpdated, type: Product, key: {upc: upc}}
      subgraph:
        all:
          enabled: true
          ttl: 60s                      # the life of an answer without max-age
          private_id: sub               # the claim naming the caller (private data)
          redis: {urls: [redis://127.0.0.1:6379], timeout: 500ms, namespace: "supergraph:cache:"}
          invalidation: {enabled: true, shared_key: "${env.INVALIDATION_KEY}"}
        subgraphs:
          accounts: {enabled: false}
          products: {ttl: 120s}
      max_entry_bytes: 256kib           # ours: larger answers are not cached
      max_entries_per_tag: 100000       # ours: live entries per type/subgraph index in Redis
      in_memory: {max_bytes: 64mib}     # ours: the store without redis (one process)
"""

from __future__ import annotations

from collections.abc import Mapping

from supergraph.http import config_values as v
from supergraph.http.config_values import ConfigError
from supergraph.pipeline.entity_cache import (
    DEFAULT_MAX_ENTRY_BYTES,
    DEFAULT_MAX_TAG_MEMBERS,
    DEFAULT_MEMORY_BYTES,
    DEFAULT_NAMESPACE,
    CacheSettings,
    EntityCacheOptions,
    EventRule,
    SubgraphCache,
)

KEYS = ("response_cache",)
_TOP = {
    "enabled",
    "invalidation",
    "subgraph",
    "max_entry_bytes",
    "max_entries_per_tag",
    "in_memory",
}
_SUBGRAPH = {"enabled", "ttl"}
_ALL = {*_SUBGRAPH, "redis", "private_id", "invalidation"}


def parse_entity_cache(top: Mapping[str, object]) -> EntityCacheOptions | None:
    key = "response_cache"
    raw = top.get(key)
    if raw is None:
        return None
    section = v.mapping(raw, key)
    v.only(section, _TOP, f"{key}.")
    enabled = v.boolean(section.get("enabled", False), f"{key}.enabled")
    subgraph = v.mapping(section.get("subgraph") or {}, f"{key}.subgraph")
    v.only(subgraph, {"all", "subgraphs"}, f"{key}.subgraph.")
    where = f"{key}.subgraph.all"
    every = v.mapping(subgraph.get("all") or {}, where)
    v.only(every, _ALL, f"{where}.")
    defaults = _subgraph_cache(every, SubgraphCache(), where)
    by_name = {
        name: _subgraph_cache(
            v.mapping(raw or {}, f"{key}.subgraph.subgraphs.{name}"),
            defaults,
            f"{key}.subgraph.subgraphs.{name}",
            strict=True,
        )
        for name, raw in v.mapping(
            subgraph.get("subgraphs") or {}, f"{key}.subgraph.subgraphs"
        ).items()
    }
    redis = v.mapping(every.get("redis") or {}, f"{where}.redis")
    v.only(redis, {"urls", "timeout", "namespace"}, f"{where}.redis.")
    invalidation = v.mapping(section.get("invalidation") or {}, f"{key}.invalidation")
    v.only(invalidation, {"listen", "path", "events"}, f"{key}.invalidation.")
    shared = v.mapping(every.get("invalidation") or {}, f"{where}.invalidation")
    v.only(shared, {"enabled", "shared_key"}, f"{where}.invalidation.")
    path = v.string(invalidation.get("path", "/invalidation"), f"{key}.invalidation.path")
    if not path.startswith("/"):
        raise ConfigError(f"{key}.invalidation.path: must start with /")
    if invalidation.get("listen") is not None:
        v.string(invalidation["listen"], f"{key}.invalidation.listen")
    endpoint = v.boolean(shared.get("enabled", False), f"{where}.invalidation.enabled")
    shared_key = v.optional_string(shared.get("shared_key"), f"{where}.invalidation.shared_key")
    if endpoint and shared_key is None:
        raise ConfigError(f"{where}.invalidation.shared_key: required when enabled")
    servers, rules = _events(invalidation.get("events"), f"{key}.invalidation.events")
    in_memory = v.mapping(section.get("in_memory") or {}, f"{key}.in_memory")
    v.only(in_memory, {"max_bytes"}, f"{key}.in_memory.")
    settings = CacheSettings(
        all=defaults,
        subgraphs=by_name,
        max_entry_bytes=v.byte_size(
            section.get("max_entry_bytes", DEFAULT_MAX_ENTRY_BYTES), f"{key}.max_entry_bytes"
        ),
        namespace=v.string(redis.get("namespace", DEFAULT_NAMESPACE), f"{where}.redis.namespace"),
    )
    options = EntityCacheOptions(
        settings,
        redis_urls=v.strings(redis["urls"], f"{where}.redis.urls") if "urls" in redis else (),
        redis_timeout=v.duration(redis.get("timeout", 0.5), f"{where}.redis.timeout"),
        max_tag_members=v.positive_int(
            section.get("max_entries_per_tag", DEFAULT_MAX_TAG_MEMBERS),
            f"{key}.max_entries_per_tag",
        ),
        memory_bytes=v.byte_budget(
            in_memory.get("max_bytes", DEFAULT_MEMORY_BYTES),
            f"{key}.in_memory.max_bytes",
        ),
        private_id=v.string(every.get("private_id", "sub"), f"{where}.private_id"),
        invalidation_path=path if endpoint else None,
        shared_key=shared_key if endpoint else None,
        event_servers=servers,
        event_rules=rules,
    )
    return options if enabled else None


def _subgraph_cache(
    values: Mapping[str, object], base: SubgraphCache, where: str, *, strict: bool = False
) -> SubgraphCache:
    if strict:
        v.only(values, _SUBGRAPH, f"{where}.")
    enabled = v.boolean(values.get("enabled", base.enabled), f"{where}.enabled")
    ttl = base.ttl if values.get("ttl") is None else v.duration(values["ttl"], f"{where}.ttl")
    return SubgraphCache(enabled, max(1, round(ttl)))


def _events(raw: object, where: str) -> tuple[tuple[str, ...], tuple[EventRule, ...]]:
    if raw is None:
        return (), ()
    events = v.mapping(raw, where)
    v.only(events, {"urls", "rules"}, f"{where}.")
    servers = v.strings(events.get("urls"), f"{where}.urls")
    items = events.get("rules")
    if not isinstance(items, list) or not items:
        raise ConfigError(f"{where}.rules: expected a list of rules")
    rules = []
    for i, item in enumerate(items):
        at = f"{where}.rules[{i}]"
        rule = v.mapping(item, at)
        v.only(rule, {"subject", "type", "key"}, f"{at}.")
        key = v.mapping(rule.get("key"), f"{at}.key")
        if not key:
            raise ConfigError(f"{at}.key: name at least one key field")
        fields = {name: v.string(source, f"{at}.key.{name}") for name, source in key.items()}
        rules.append(
            EventRule(
                v.string(rule.get("subject"), f"{at}.subject"),
                v.string(rule.get("type"), f"{at}.type"),
                fields,
            )
        )
    return servers, tuple(rules)
