"""router.yaml's deprecated keys, moved to Apollo Router's names before parsing.

The parsers in config.py read one shape, Apollo Router's, wherever Apollo has the
feature. The keys this router used before it adopted Apollo's names still work: each
is moved to its Apollo place here, with a warning naming the new key. Giving both
the old and the new key is an error (which one would win is a guess).

An error about a moved value names the key the file has (`explain`), not the place
it was moved to.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from supergraph.http.config_values import ConfigError

Path = tuple[str, ...]


@dataclass(slots=True)
class Upgraded:
    raw: dict[str, object]
    warnings: list[str] = field(default_factory=list)
    moved: dict[str, str] = field(default_factory=dict)
    """New dotted path -> the deprecated one the file used."""

    def explain(self, error: ConfigError) -> ConfigError:
        """`error`, naming the deprecated key when it is about a moved value."""
        message = str(error)
        for new, old in sorted(self.moved.items(), key=lambda item: -len(item[0])):
            if message == new or message.startswith((f"{new}:", f"{new}.", f"{new}[")):
                rest = message[len(new) :]
                return ConfigError(f"{old}{rest} (deprecated: now {new})")
        return error


def _dotted(path: Path) -> str:
    return ".".join(path)


_MISSING = object()


def _lookup(raw: Mapping[str, object], path: Path) -> object:
    """The value at `path`, or `_MISSING` (a key set to null is present)."""
    current: object = raw
    for key in path:
        if not isinstance(current, dict) or key not in current:
            return _MISSING
        current = current[key]
    return current


def _get(raw: Mapping[str, object], path: Path) -> object:
    value = _lookup(raw, path)
    return None if value is _MISSING else value


def _has(raw: Mapping[str, object], path: Path) -> bool:
    return _lookup(raw, path) is not _MISSING


def _pop(raw: dict[str, object], path: Path) -> object:
    parent = _get(raw, path[:-1]) if len(path) > 1 else raw
    assert isinstance(parent, dict)
    value = parent.pop(path[-1])
    # An emptied parent (e.g. `subgraphs.products: {}`) leaves nothing to parse.
    for depth in range(len(path) - 1, 0, -1):
        holder = _get(raw, path[:depth])
        if holder == {}:
            owner = _get(raw, path[: depth - 1]) if depth > 1 else raw
            assert isinstance(owner, dict)
            owner.pop(path[depth - 1])
    return value


def _put(raw: dict[str, object], path: Path, value: object) -> None:
    current: dict[str, object] = raw
    for depth, key in enumerate(path[:-1]):
        nxt = current.get(key)
        if nxt is None:
            nxt = current[key] = {}
        if not isinstance(nxt, dict):
            raise ConfigError(f"{_dotted(path[: depth + 1])}: expected a mapping")
        current = nxt
    current[path[-1]] = value


def _move(
    up: Upgraded,
    old: Path,
    new: Path,
    convert: Callable[[object], object] = lambda value: value,
) -> None:
    if not _has(up.raw, old):
        return
    old_name, new_name = _dotted(old), _dotted(new)
    if _has(up.raw, new):
        raise ConfigError(
            f"{old_name}: deprecated name of {new_name}, which is also set: keep only {new_name}"
        )
    value = convert(_pop(up.raw, old))
    _put(up.raw, new, value)
    up.warnings.append(f"{old_name} is deprecated: use {new_name} (Apollo Router's name)")
    up.moved[new_name] = old_name


def _not(where: str) -> Callable[[object], object]:
    def negate(value: object) -> object:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return not value

    return negate


def _mapping_at(raw: Mapping[str, object], path: Path) -> Mapping[str, object]:
    value = _get(raw, path)
    return value if isinstance(value, dict) else {}


# Flat keys moved as they are: (old, new).
_RENAMED: tuple[tuple[str, str], ...] = (
    ("subgraph_timeout", "traffic_shaping.all.timeout"),
    ("traffic_shaping.deduplicate_query", "traffic_shaping.all.deduplicate_query"),
    ("introspection", "supergraph.introspection"),
    ("limits.max_body_bytes", "limits.http_max_request_bytes"),
    ("limits.max_tokens", "limits.parser_max_tokens"),
    ("graphiql.enabled", "sandbox.enabled"),
    ("authorization.reject_unauthorized", "authorization.directives.reject_unauthorized"),
    ("persisted_queries.apq", "apq.enabled"),
    ("persisted_queries.ttl", "apq.router.cache.redis.ttl"),
    ("persisted_queries.memory_size", "apq.router.cache.in_memory.limit"),
    ("persisted_queries.memory_max_bytes", "apq.router.cache.in_memory.max_bytes"),
)


def _path(dotted: str) -> Path:
    return tuple(dotted.split("."))


def upgrade(raw: Mapping[str, object]) -> Upgraded:
    """`raw` (a parsed router.yaml, not modified) with every deprecated key moved."""
    up = Upgraded(copy.deepcopy(dict(raw)))
    for old, new in _RENAMED:
        _move(up, _path(old), _path(new))
    _move(up, ("expose_query_plan",), ("plugins", "experimental.expose_query_plan"))
    _move(
        up,
        ("mask_subgraph_errors",),
        ("include_subgraph_errors", "all"),
        _not("mask_subgraph_errors"),
    )
    _preview_entity_cache(up)
    _subgraphs(up)
    _headers(up)
    _persisted(up)
    _authentication(up)
    return up


# Read where they are (auth/ reads them, for the subgraphs too), with a warning.
_AUTHENTICATION: tuple[tuple[str, str], ...] = (
    ("jwks", "authentication.router.jwt.jwks[].url"),
    ("issuer", "authentication.router.jwt.jwks[].issuers"),
    ("audience", "authentication.router.jwt.jwks[].audiences"),
    ("cookie", "authentication.router.jwt.sources: [{type: cookie, name: ...}]"),
    ("required", "authorization.require_authentication"),
)


def _authentication(up: Upgraded) -> None:
    section = _mapping_at(up.raw, ("authentication",))
    for key, new in _AUTHENTICATION:
        if key in section:
            up.warnings.append(
                f"authentication.{key} is deprecated: use {new} (Apollo Router's name)"
            )


# Apollo Router 1.x's earlier entity cache shape, moved as Apollo's own migrations do:
# (old, new) under the section.
_PREVIEW_SHAPE: tuple[tuple[Path, Path], ...] = (
    (("redis", "ttl"), ("subgraph", "all", "ttl")),
    (("redis",), ("subgraph", "all", "redis")),
    (("subgraphs",), ("subgraph", "subgraphs")),
)


def _preview_entity_cache(up: Upgraded) -> None:
    """Apollo Router 1.x's `preview_entity_cache` -> `response_cache` (one warning)."""
    old: Path = ("preview_entity_cache",)
    if not _has(up.raw, old):
        return
    section = _get(up.raw, old)
    if not isinstance(section, dict):
        raise ConfigError(f"preview_entity_cache: expected a mapping, got {section!r}")
    inner: list[tuple[Path, Path]] = []
    for src, dst in _PREVIEW_SHAPE:
        if not _has(section, src):
            continue
        if _has(section, dst):
            raise ConfigError(
                f"preview_entity_cache.{_dotted(src)}: 1.x name of"
                f" preview_entity_cache.{_dotted(dst)}, which is also set: keep only one"
            )
        _put(section, dst, _pop(section, src))
        inner.append((src, dst))
    _move(up, old, ("response_cache",))
    for src, dst in inner:
        up.moved[_dotted(("response_cache", *dst))] = _dotted((*old, *src))


def _subgraphs(up: Upgraded) -> None:
    """`subgraphs.<name>.url|timeout|deduplicate_query` -> Apollo's three places."""
    section = _get(up.raw, ("subgraphs",))
    if section is None:
        return
    if not isinstance(section, dict):
        raise ConfigError(f"subgraphs: expected a mapping, got {type(section).__name__}")
    for name in list(section):
        own = section.get(name)
        if not isinstance(own, dict):
            continue
        for key in own:
            if key not in ("url", "timeout", "deduplicate_query"):
                raise ConfigError(
                    f"subgraphs.{name}.{key}: unknown key (allowed: deduplicate_query, timeout,"
                    " url; deprecated: see override_subgraph_url and traffic_shaping.subgraphs)"
                )
        _move(up, ("subgraphs", name, "url"), ("override_subgraph_url", name))
        for key in ("timeout", "deduplicate_query"):
            _move(up, ("subgraphs", name, key), ("traffic_shaping", "subgraphs", name, key))


def _headers(up: Upgraded) -> None:
    """`headers.all: [rules]` -> `headers.all.request: [rules]` (and per subgraph)."""
    if isinstance(_get(up.raw, ("headers", "all")), list):
        _move(up, ("headers", "all"), ("headers", "all", "request"))
    for name, rules in list(_mapping_at(up.raw, ("headers", "subgraphs")).items()):
        if isinstance(rules, list):
            _move(
                up,
                ("headers", "subgraphs", name),
                ("headers", "subgraphs", name, "request"),
            )


def _persisted(up: Upgraded) -> None:
    """Our `persisted_queries` keys -> Apollo's `apq` and `persisted_queries` shapes."""
    pq = ("persisted_queries",)
    _move(up, (*pq, "redis_url"), ("apq", "router", "cache", "redis", "urls"), lambda url: [url])
    # Our exact prefix; Apollo's `namespace` gives NAMESPACE:apq: instead.
    _move(up, (*pq, "redis_key_prefix"), ("apq", "router", "cache", "redis", "key_prefix"))
    _move(up, (*pq, "manifest"), (*pq, "local_manifests"), lambda path: [path])
    if "persisted_queries.local_manifests" in up.moved:
        section = _get(up.raw, pq)
        assert isinstance(section, dict)
        section.setdefault("enabled", True)
    mode = _get(up.raw, (*pq, "safelist"))
    if mode is False or isinstance(mode, str):
        # The old `safelist: off|log|enforce` (YAML reads a bare `off` as false).
        _pop(up.raw, (*pq, "safelist"))
        where = "persisted_queries.safelist"
        if mode not in (False, "off", "log", "enforce"):
            raise ConfigError(f"{where}: expected one of off, log, enforce, got {mode!r}")
        if mode in ("log", "enforce") and "persisted_queries.local_manifests" not in up.moved:
            raise ConfigError(f"{where}: '{mode}' needs persisted_queries.manifest (the list)")
        if mode == "log":
            _put(up.raw, (*pq, "log_unknown"), True)
            up.warnings.append(
                f"{where}: log is deprecated: use persisted_queries.log_unknown: true"
            )
        elif mode == "enforce":
            _put(up.raw, (*pq, "safelist"), {"enabled": True})
            up.warnings.append(
                f"{where}: enforce is deprecated: use persisted_queries.safelist.enabled: true"
            )
