"""Cache keys and tags.

    entity   <ns>e:<subgraph>:<type>:<hash of the representation>:<hash of the selection>
    root     <ns>r:<subgraph>:<hash of the operation and its variables>
    private  ... + :p:<hash of the caller's identity>

The selection hash covers the subgraph operation without its name (two client
operations asking the same fields share entries) and its other variables (field
arguments). Tags name what an entry is about, for invalidation: its type, each
of its representation's fields with its value (an entity invalidated by key
`{"upc": "1"}` is every entry tagged with `upc="1"` of that type), its subgraph.
"""

from __future__ import annotations

import hashlib
import re

import orjson

from supergraph.types import JSONObject

_NAME = re.compile(r"^\s*(query|subscription|mutation)\s+[_A-Za-z][_0-9A-Za-z]*")


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def canonical(value: object) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def selection_hash(operation: str, variables: JSONObject, skip: str | None = None) -> str:
    """The operation (name removed) and its variables but `skip` (the representations)."""
    anonymous = _NAME.sub(r"\1", operation, count=1)
    others = {k: v for k, v in variables.items() if k != skip}
    return digest(anonymous.encode() + b"\0" + canonical(others))


def private_suffix(private_id: str) -> str:
    return ":p:" + digest(private_id.encode())


def entity_key(ns: str, subgraph: str, typename: str, representation: JSONObject, sel: str) -> str:
    return f"{ns}e:{subgraph}:{typename}:{digest(canonical(representation))}:{sel}"


def entity_prefix(ns: str, subgraph: str) -> str:
    return f"{ns}e:{subgraph}:"


def root_key(ns: str, subgraph: str, sel: str) -> str:
    return f"{ns}r:{subgraph}:{sel}"


def type_tag(ns: str, typename: str) -> str:
    return f"{ns}t:{typename}"


def field_tag(ns: str, typename: str, name: str, value: object) -> str:
    return f"{ns}k:{typename}:{digest(name.encode() + b'=' + canonical(value))}"


def subgraph_tag(ns: str, subgraph: str) -> str:
    return f"{ns}s:{subgraph}"


def root_tag(ns: str, subgraph: str) -> str:
    return f"{ns}root:{subgraph}"


def all_roots_tag(ns: str) -> str:
    return f"{ns}root"


def entity_tags(
    ns: str, subgraph: str, typename: str, representation: JSONObject
) -> tuple[str, ...]:
    tags = [type_tag(ns, typename), subgraph_tag(ns, subgraph)]
    for name, value in representation.items():
        if name != "__typename":
            tags.append(field_tag(ns, typename, name, value))
    return tuple(tags)
