"""Header propagation: which client headers reach which subgraph, renamed or inserted.

    headers:                                 # Apollo Router's shape
      all:                                   # every subgraph
        request:
          - propagate: {named: x-request-id}
          - propagate: {named: x-tenant, rename: x-tenant-id, default: public}
          - propagate: {matching: "^x-trace-"}
          - insert: {name: x-gateway, value: supergraph}
          - remove: {named: x-trace-secret}  # drops what an earlier rule added
      subgraphs:
        products:                            # this subgraph only (after `all`)
          request:
            - propagate: {named: accept-language}

Hop-by-hop and body headers (host, content-length, ...) and the router's identity
header can never be propagated or inserted: a client cannot forge the identity.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from supergraph.http import config_values as v
from supergraph.http.config_values import ConfigError

RESERVED = frozenset(
    {
        "host",
        "content-length",
        "content-type",
        "content-encoding",
        "accept",
        "accept-encoding",
        "connection",
        "keep-alive",
        "transfer-encoding",
        "te",
        "trailer",
        "upgrade",
        "proxy-authorization",
        "proxy-connection",
        "expect",
    }
)


@dataclass(frozen=True, slots=True)
class Propagate:
    named: str | None = None
    matching: re.Pattern[str] | None = None
    rename: str | None = None
    default: str | None = None


@dataclass(frozen=True, slots=True)
class Insert:
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class Remove:
    named: str | None = None
    matching: re.Pattern[str] | None = None


Rule = Propagate | Insert | Remove


@dataclass(frozen=True, slots=True)
class HeaderRules:
    all: tuple[Rule, ...] = ()
    subgraphs: Mapping[str, tuple[Rule, ...]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.all and not self.subgraphs

    def apply(
        self, received: Mapping[str, str], subgraph: str | None, reserved: frozenset[str]
    ) -> dict[str, str]:
        """The headers for `subgraph` (None: the `all` rules only) from the client's,
        `received` by lower-case name (the first of repeated ones)."""
        rules = self.all if subgraph is None else (*self.all, *self.subgraphs.get(subgraph, ()))
        out: dict[str, str] = {}
        for rule in rules:
            if isinstance(rule, Insert):
                out[rule.name] = rule.value
            elif isinstance(rule, Remove):
                out = {k: v for k, v in out.items() if not _removes(rule, k)}
            elif rule.named is not None:
                value = received.get(rule.named, rule.default)
                if value is not None:
                    out[rule.rename or rule.named] = value
            elif rule.matching is not None:
                pattern = rule.matching
                for name, value in received.items():
                    if pattern.search(name) and name not in reserved:
                        out[name] = value
        return {k: v for k, v in out.items() if k not in reserved}


def _removes(rule: Remove, name: str) -> bool:
    if rule.named is not None:
        return name == rule.named
    return rule.matching is not None and rule.matching.search(name) is not None


def parse_headers(raw: object, reserved: frozenset[str]) -> HeaderRules:
    """`headers: {all: {request: [rules]}, subgraphs: {name: {request: [rules]}}}`."""
    if raw is None:
        return HeaderRules()
    values = v.mapping(raw, "headers")
    v.only(values, {"all", "subgraphs"}, "headers.")
    subgraphs = {
        str(name): _request(rules, f"headers.subgraphs.{name}", reserved)
        for name, rules in v.mapping(values.get("subgraphs") or {}, "headers.subgraphs").items()
    }
    return HeaderRules(_request(values.get("all"), "headers.all", reserved), subgraphs)


def _request(raw: object, where: str, reserved: frozenset[str]) -> tuple[Rule, ...]:
    values = v.mapping({} if raw is None else raw, where)
    v.only(values, {"request"}, f"{where}.")
    return _rules(values.get("request") or [], f"{where}.request", reserved)


def _rules(raw: object, where: str, reserved: frozenset[str]) -> tuple[Rule, ...]:
    if not isinstance(raw, list):
        raise ConfigError(f"{where}: expected a list of rules")
    return tuple(_rule(item, f"{where}[{index}]", reserved) for index, item in enumerate(raw))


def _rule(raw: object, where: str, reserved: frozenset[str]) -> Rule:
    values = v.mapping(raw, where)
    if len(values) != 1 or next(iter(values)) not in ("propagate", "insert", "remove"):
        raise ConfigError(
            f"{where}: expected one of 'propagate: {{...}}', 'insert: {{...}}', 'remove: {{...}}'"
        )
    kind, body = next(iter(values.items()))
    spec = v.mapping(body, f"{where}.{kind}")
    if kind == "remove":
        v.only(spec, {"named", "matching"}, f"{where}.remove.")
        if ("named" in spec) == ("matching" in spec):
            raise ConfigError(f"{where}.remove: give exactly one of 'named' or 'matching'")
        if "named" in spec:
            return Remove(named=v.string(spec["named"], f"{where}.remove.named").lower())
        return Remove(matching=_pattern(spec["matching"], f"{where}.remove.matching"))
    if kind == "insert":
        v.only(spec, {"name", "value"}, f"{where}.insert.")
        name = _header(spec.get("name"), f"{where}.insert.name", reserved)
        return Insert(name, v.string(spec.get("value"), f"{where}.insert.value"))
    v.only(spec, {"named", "matching", "rename", "default"}, f"{where}.propagate.")
    if ("named" in spec) == ("matching" in spec):
        raise ConfigError(f"{where}.propagate: give exactly one of 'named' or 'matching'")
    rename = spec.get("rename")
    default = spec.get("default")
    if "matching" in spec:
        if rename is not None or default is not None:
            raise ConfigError(f"{where}.propagate: 'rename'/'default' only go with 'named'")
        return Propagate(matching=_pattern(spec["matching"], f"{where}.propagate.matching"))
    return Propagate(
        named=_header(spec.get("named"), f"{where}.propagate.named", reserved),
        rename=None if rename is None else _header(rename, f"{where}.propagate.rename", reserved),
        default=v.optional_string(default, f"{where}.propagate.default"),
    )


def _pattern(raw: object, where: str) -> re.Pattern[str]:
    try:
        return re.compile(v.string(raw, where), re.I)
    except re.error as error:
        raise ConfigError(f"{where}: bad pattern: {error}") from error


_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9a-z-]+$")


def _header(raw: object, where: str, reserved: frozenset[str]) -> str:
    name = v.string(raw, where).lower()
    if not _TOKEN.match(name):
        raise ConfigError(f"{where}: {name!r} is not a valid header name")
    if name in reserved:
        raise ConfigError(f"{where}: {name!r} cannot be propagated or inserted")
    return name
