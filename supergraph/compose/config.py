"""`supergraph.yaml`: which subgraphs to compose, their routing URLs and where their SDL comes from.

    subgraphs:
      accounts:
        routing_url: http://127.0.0.1:4001/graphql
        schema:
          file: subgraphs/accounts.graphql        # an SDL file (relative to this config)
          # or introspect: http://127.0.0.1:4001/graphql   ({ _service { sdl } } over HTTP)
          # or module: subgraphs.accounts.schema:schema    (a Strawberry schema, no server)

The shape follows rover's `supergraph.yaml` (`subgraph_url` is accepted as a
synonym of `introspect`). Parsing is pure; reading files, importing modules
and HTTP happen in `supergraph.cli.compose`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import yaml

SourceKind = Literal["file", "introspect", "module"]
_KIND_KEYS: dict[str, SourceKind] = {
    "file": "file",
    "introspect": "introspect",
    "subgraph_url": "introspect",
    "module": "module",
}


class ConfigError(ValueError):
    """The config file is not valid; the message says where and what to write instead."""


@dataclass(frozen=True, slots=True)
class SubgraphConfig:
    name: str
    routing_url: str
    kind: SourceKind
    location: str
    """A file path, an introspection URL, or `package.module:attribute`."""


def parse_config(text: str) -> list[SubgraphConfig]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ConfigError(f"not valid YAML: {error}") from None
    subgraphs = data.get("subgraphs") if isinstance(data, dict) else None
    if not isinstance(subgraphs, dict) or not subgraphs:
        raise ConfigError("expected a `subgraphs:` mapping of subgraph name -> settings")
    return [_subgraph(str(name), entry) for name, entry in subgraphs.items()]


def _subgraph(name: str, entry: object) -> SubgraphConfig:
    if not isinstance(entry, dict):
        raise ConfigError(f"subgraphs.{name}: expected `routing_url:` and `schema:`")
    routing_url = entry.get("routing_url")
    schema = entry.get("schema")
    if not isinstance(routing_url, str) or not routing_url:
        raise ConfigError(f"subgraphs.{name}.routing_url: expected the subgraph's URL")
    if not isinstance(schema, dict):
        raise ConfigError(f"subgraphs.{name}.schema: expected one of file, introspect, module")
    found = [(key, value) for key, value in schema.items() if key in _KIND_KEYS]
    if len(found) != 1 or not isinstance(found[0][1], str):
        raise ConfigError(
            f"subgraphs.{name}.schema: give exactly one of `file: PATH`, `introspect: URL` "
            "or `module: package.module:attribute`"
        )
    key, location = found[0]
    return SubgraphConfig(name, routing_url, _KIND_KEYS[key], str(location))
