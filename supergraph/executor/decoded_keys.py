"""Response names as the very `str` objects orjson decodes subgraph keys to.

orjson keeps the keys it decodes (up to 64 bytes) in a cache and hands out the same
object each time it meets the same key. A dict lookup by that object ends at the
identity check; by an equal but other object it compares the two strings too. The
shaper and the representation builders look up every field of every object they
walk by name, so their names are taken from orjson once, when they are built: 7 ns
less a lookup, about 2% of a large answer's instructions (bench/README.md, issue 19).

Only a shortcut: a name orjson's cache does not hold (evicted, longer, or another
orjson) is an equal string, and lookups by it find the same values.
"""

from __future__ import annotations

from typing import Final

import orjson

_LIMIT: Final = 10_000
"""Names kept: schema field names and aliases the router has seen (aliases are the
clients', so bounded; past the limit a name is looked up in orjson each time)."""

_MAX_CACHED_BYTES: Final = 64
"""orjson caches keys up to this length (longer ones are new objects every time)."""

_decoded: dict[str, str] = {}


def decoded_key(name: str) -> str:
    """`name`, as the object orjson decodes the key `name` to (or `name` itself)."""
    known = _decoded.get(name)
    if known is not None:
        return known
    if len(name) > _MAX_CACHED_BYTES:
        return name
    key: str = next(iter(orjson.loads(b"{" + orjson.dumps(name) + b":0}")))
    if len(_decoded) < _LIMIT:
        _decoded[key] = key
    return key
