"""The hostile benchmark's requests: what the abusive clients of issue 12 send.

Every builder returns the JSON body (a dict, or a list for a batch) or the
finished bytes; the abusers send prebuilt bytes wherever they can, so their own
CPU stays small next to the router's (bench/README.md, "Hostile clients").
"""

from __future__ import annotations

import json

from bench.operations import ONE_SUBGRAPH

NORMAL_BODY: dict[str, object] = ONE_SUBGRAPH.body()
"""The normal client's simple query: 5 products with price and category, one subgraph."""

INTROSPECTION_ALIASES = 700
"""Aliased `__schema` selections per request: about 14,000 tokens, under the default
`limits.max_tokens` of 15,000, as in the issue (46 KB, 2.8 s of router CPU)."""

_SCHEMA_SELECTION = "__schema { types { name fields { name type { name } args { name } } } }"

LARGE_FIELDS = 3300
"""Fields of the large fresh operation (the issue's: 32 KB, 3,288 fields)."""

_LARGE_ALIAS = (
    "products(first: $first) { edges { cursor node { upc id name description weight"
    " price { amount currency } category { slug name products(first: $first) { edges"
    " { cursor node { upc id name description weight price { amount currency } } }"
    " pageInfo { hasNextPage } } } } } pageInfo { hasNextPage hasPreviousPage startCursor"
    " endCursor } }"
)
_LARGE_ALIAS_FIELDS = 34
"""Fields in one `_LARGE_ALIAS` selection (products, edges, cursor, node, ...): nested
deep enough that 97 aliases make the issue's 3,300 fields in 32 KB, within the
default `limits.max_aliases` (100): a valid operation, so its whole cold path
(parse, validate, plan) is measured, not a refusal."""

FLOOD_STRING_BYTES = 1_500_000
"""The string argument of a cache-flood operation (1.5 MB, under `max_body_bytes` 2 MB)."""


def introspection_aliases(count: int = INTROSPECTION_ALIASES) -> dict[str, object]:
    """One anonymous operation with `count` aliased `__schema` selections."""
    selections = " ".join(f"a{i}: {_SCHEMA_SELECTION}" for i in range(count))
    return {"query": "{ " + selections + " }"}


def introspection_batch(size: int = 10, aliases: int = INTROSPECTION_ALIASES) -> list[object]:
    """A batch (JSON array) of `size` introspection requests of `aliases` aliases each."""
    return [introspection_aliases(aliases) for _ in range(size)]


def large_operation_text(nonce: str, fields: int = LARGE_FIELDS) -> str:
    """A valid ~32 KB query of about `fields` fields on the products subgraph.

    `nonce` is a root `__typename` alias: a new nonce is a new document for every
    cache (documents, plans) while the subgraph request stays the same, which the
    stub subgraphs then answer from one recording.
    """
    aliases = max(1, fields // _LARGE_ALIAS_FIELDS)
    selections = " ".join(f"a{i}: {_LARGE_ALIAS}" for i in range(aliases))
    return f"query($first: Int!) {{ n{nonce}: __typename {selections} }}"


def large_operation_fields(fields: int = LARGE_FIELDS) -> int:
    """How many fields `large_operation_text` selects (the nonce's `__typename` included)."""
    return max(1, fields // _LARGE_ALIAS_FIELDS) * _LARGE_ALIAS_FIELDS + 1


def large_operation(nonce: str, first: object = 1) -> dict[str, object]:
    return {"query": large_operation_text(nonce), "variables": {"first": first}}


def invalid_variables() -> dict[str, object]:
    """The one (cached after its first use) large document, with `first` not an Int."""
    return large_operation("cached", first="not an int")


def flood_operation(nonce: str, size: int = FLOOD_STRING_BYTES) -> bytes:
    """`{ search(text: "<nonce + size bytes>", first: 1) { __typename } }` as a JSON body.

    Built as bytes: the string holds only letters and digits, nothing to escape.
    """
    text = (nonce + "x" * max(0, size - len(nonce))).encode()
    return b'{"query":"{ search(text: \\"' + text + b'\\", first: 1) { __typename } }"}'


def fragment_chain(length: int) -> dict[str, object]:
    """`query { ...F0 } fragment F0 on Query { ...F1 } ... fragment F<length> on Query
    { __typename }`: legal, `length + 1` fragments deep (the issue's RecursionError)."""
    fragments = [f"fragment F{i} on Query {{ ...F{i + 1} }}" for i in range(length)]
    fragments.append(f"fragment F{length} on Query {{ __typename }}")
    return {"query": "query { ...F0 } " + " ".join(fragments)}


def encode(body: object) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()
