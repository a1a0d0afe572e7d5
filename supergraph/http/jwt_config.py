"""Apollo Router's `authentication.router.jwt` and `authorization.require_authentication`,
read into the flat `authentication` mapping that `auth.parse_authentication` takes (the
one the subgraphs read too).

    authentication:
      router:
        jwt:
          header_name: Authorization          # the default; another header may carry it
          header_value_prefix: Bearer         # the only scheme supported
          sources: [{type: cookie, name: session}]   # also read the token from a cookie
          jwks:
            - url: https://id.example.com/.well-known/jwks.json
              issuers: [https://id.example.com/]     # or issuer: ...
              audiences: [api.example.com]
              poll_interval: 60s
            - url: file:///etc/router/jwks.json       # static keys from a JWKS file
              algorithms: [RS256]
    authorization:
      require_authentication: true

Issuers and audiences apply to every key (Apollo checks them per JWKS): the union of
what the entries list. This router's own keys (`keys`, `development`, `leeway`,
`max_token_bytes`, `required_claims`) stay directly under `authentication`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

import orjson

from supergraph.http import config_values as v
from supergraph.http.config_values import ConfigError

_JWT_KEYS = {"header_name", "header_value_prefix", "sources", "jwks", "ignore_other_prefixes"}
_JWKS_KEYS = {"url", "issuer", "issuers", "audiences", "poll_interval", "algorithms"}
_JWKS_FILE_MAX_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class ApolloJwt:
    authentication: dict[str, object]
    """The flat `authentication` mapping (ours), Apollo's keys folded in."""
    header_name: str
    """Where the token is read from (lower case)."""


def fold(top: Mapping[str, object]) -> ApolloJwt:
    """`authentication` with `router.jwt` folded into its flat keys, and
    `authorization.require_authentication` as its `required`."""
    raw = top.get("authentication")
    flat = dict(v.mapping({} if raw is None else raw, "authentication"))
    router = flat.pop("router", None)
    header = "authorization"
    if router is not None:
        router_map = v.mapping(router, "authentication.router")
        v.only(router_map, {"jwt"}, "authentication.router.")
        jwt = v.mapping(router_map.get("jwt") or {}, "authentication.router.jwt")
        v.only(jwt, _JWT_KEYS, "authentication.router.jwt.")
        header = _header(jwt)
        _sources(jwt, flat)
        _jwks(jwt, flat)
    authorization = top.get("authorization")
    if isinstance(authorization, dict) and "require_authentication" in authorization:
        where = "authorization.require_authentication"
        required = v.boolean(authorization["require_authentication"], where)
        if "required" in flat:
            raise ConfigError(f"authentication.required: deprecated name of {where}: keep one")
        if required or flat:
            flat["required"] = required
    return ApolloJwt(flat, header)


def _header(jwt: Mapping[str, object]) -> str:
    where = "authentication.router.jwt."
    name = v.string(jwt.get("header_name", "Authorization"), f"{where}header_name").lower()
    prefix = v.string(jwt.get("header_value_prefix", "Bearer"), f"{where}header_value_prefix")
    if prefix.lower() != "bearer":
        raise ConfigError(f"{where}header_value_prefix: only Bearer is supported, got {prefix!r}")
    if v.boolean(jwt.get("ignore_other_prefixes", False), f"{where}ignore_other_prefixes"):
        raise ConfigError(f"{where}ignore_other_prefixes: not supported (another scheme is a 401)")
    return name


def _sources(jwt: Mapping[str, object], flat: dict[str, object]) -> None:
    raw = jwt.get("sources") or []
    if not isinstance(raw, list):
        raise ConfigError("authentication.router.jwt.sources: expected a list")
    for index, item in enumerate(raw):
        where = f"authentication.router.jwt.sources[{index}]"
        source = v.mapping(item, where)
        v.only(source, {"type", "name", "value_prefix"}, f"{where}.")
        kind = v.choice(source.get("type"), ("header", "cookie"), f"{where}.type")
        name = v.string(source.get("name"), f"{where}.name")
        if kind == "cookie":
            if "cookie" in flat:
                raise ConfigError(f"{where}: one cookie only (authentication.cookie is set)")
            flat["cookie"] = name
        elif (
            name.lower() != "authorization"
            or str(source.get("value_prefix", "Bearer")).lower() != "bearer"
        ):
            raise ConfigError(f"{where}: only the Authorization header with Bearer is supported")


def _jwks(jwt: Mapping[str, object], flat: dict[str, object]) -> None:
    raw = jwt.get("jwks") or []
    if not isinstance(raw, list):
        raise ConfigError("authentication.router.jwt.jwks: expected a list")
    remote: list[object] = list(_list(flat.get("jwks")))
    keys: list[object] = list(_list(flat.get("keys")))
    issuers: list[object] = list(_strings_or_one(flat.get("issuer")))
    audiences: list[object] = list(_strings_or_one(flat.get("audience")))
    for index, item in enumerate(raw):
        where = f"authentication.router.jwt.jwks[{index}]"
        entry = v.mapping(item, where)
        v.only(entry, _JWKS_KEYS, f"{where}.")
        url = v.string(entry.get("url"), f"{where}.url")
        if "issuer" in entry:
            issuers.append(v.string(entry["issuer"], f"{where}.issuer"))
        issuers += v.strings(entry.get("issuers", []), f"{where}.issuers")
        audiences += v.strings(entry.get("audiences", []), f"{where}.audiences")
        algorithms = (
            v.strings(entry["algorithms"], f"{where}.algorithms") if "algorithms" in entry else None
        )
        if url.startswith("file://"):
            keys += _file_keys(url, algorithms, where)
            continue
        if algorithms is not None:
            raise ConfigError(
                f"{where}.algorithms: supported for file:// JWKS only (a fetched key verifies"
                " its own `alg` only)"
            )
        own: dict[str, object] = {"url": url}
        if "poll_interval" in entry:
            own["ttl"] = v.duration(entry["poll_interval"], f"{where}.poll_interval")
        remote.append(own)
    for key, values in (
        ("jwks", remote),
        ("keys", keys),
        ("issuer", issuers),
        ("audience", audiences),
    ):
        if values:
            flat[key] = values


def _file_keys(url: str, algorithms: tuple[str, ...] | None, where: str) -> list[object]:
    path = Path(unquote(urlparse(url).path))
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"{where}.url: cannot read {path}: {error.strerror}") from error
    if len(data) > _JWKS_FILE_MAX_BYTES:
        raise ConfigError(f"{where}.url: {path} is larger than 1 MiB")
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise ConfigError(f"{where}.url: {path} is not JSON: {error}") from error
    found = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(found, list) or not found:
        raise ConfigError(f"{where}.url: {path} has no `keys` list (a JWKS document)")
    out: list[object] = []
    for jwk in found:
        key: dict[str, object] = {"jwk": jwk}
        if algorithms is not None:
            key["algorithms"] = list(algorithms)
        out.append(key)
    return out


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def _strings_or_one(value: object) -> list[object]:
    if isinstance(value, list):
        return value
    return [] if value is None else [value]
