"""The pipeline's caches, weighed, and what the edge reports of them.

Per router: documents (parse and validation outcome per text), prepared
operations (per text and operation name) and their authorized variants, each
bounded by entries and by bytes with admission (executor/cache.py). Per process:
the executor's memos keyed by subgraph operation texts. `CacheStats` is what
metrics read of any of them (http/app.py), so the edge needs no cache type.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from graphql import GraphQLNamedType, GraphQLSchema, GraphQLWrappingType

from supergraph.executor.contextual import aliased_operation
from supergraph.executor.execute import root_response_names
from supergraph.executor.footprint import Footprint
from supergraph.executor.selections import FieldSelection
from supergraph.executor.shaping import SchemaShapes
from supergraph.schema import Authorization

DEFAULT_CACHE_ENTRIES = 2_000
DEFAULT_CACHE_BYTES = 32 << 20
"""Per cache (documents, plans, authorized plan variants): 2,000 typical prepared
operations weigh 9-28 MB (4.4 KB each on the bundled supergraph, 13.8 KB on the
216-type benchmark one), so the entry limit binds for normal traffic and the byte
budget for large operations (docs/router-config.md)."""

DOCUMENT_FOOTPRINT = Footprint()
"""A document entry weighs its key text, plus its errors when it has any."""


class CacheStats(Protocol):
    """What metrics read of a cache (executor/cache.py `WeightedCache`)."""

    @property
    def hits(self) -> int: ...
    @property
    def misses(self) -> int: ...
    @property
    def evictions(self) -> int: ...
    @property
    def rejected_oversize(self) -> int: ...
    @property
    def rejected_admission(self) -> int: ...
    @property
    def rejected_first_use(self) -> int: ...
    @property
    def bytes(self) -> int: ...
    @property
    def max_bytes(self) -> int: ...
    def __len__(self) -> int: ...


def prepared_footprint(shapes: SchemaShapes) -> Footprint:
    """A prepared operation's own bytes: its key text, plan (subgraph operation texts,
    nodes), compiled selections, variable definitions and introspection document;
    not the schema, nor the shapes and leaf selections every operation shares."""
    leaves = shapes.leaves

    def shared(obj: object) -> bool:
        return type(obj) is FieldSelection and leaves.get(obj.name) is obj

    return Footprint(
        stop=(GraphQLSchema, GraphQLNamedType, GraphQLWrappingType, SchemaShapes, Authorization),
        shared=shared,
    )


def process_caches() -> Iterator[tuple[str, CacheStats]]:
    """The per-process caches every router in the process shares (keyed by subgraph
    operation texts)."""
    yield "subgraph_root_fields", root_response_names.cache
    yield "contextual_operation", aliased_operation.cache
