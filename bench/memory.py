"""Router memory with the large generated supergraph loaded and the caches full.

    .venv/bin/python -m bench.memory [--operations 2000] [--answers empty|selected] [--tracemalloc]

Issue 7's memory target is per worker "with the large supergraph loaded and the
plan cache full". This builds the router the way `supergraph serve` does (the
216-type, 12-subgraph supergraph of tests/benchmarks/generated.py, default
cache sizes), then sends it as many distinct operations as its document and
plan caches hold (chains of 1 to 11 entity hops and wide multi-root queries,
each with its own aliases, so every one is parsed, validated and planned),
executed against an in-process transport that answers every fetch (and keeps
no log of the requests, which would count against the router). It prints the
resident set size after loading and after filling the caches, and the peak
(VmHWM), in MB, and what the caches hold by their own accounting.

`--answers selected` answers every fetch with data for exactly its selection
(lists of two), so response shaping fills its per-operation field caches as
under real traffic; the default answers `{"data": {}}` (the earlier runs'
set-up, for comparison). `--tracemalloc` also prints the Python heap bytes
each cached operation adds (traced from after loading; slower, and tracing
itself adds to the RSS).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import re
import tracemalloc
from pathlib import Path

from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
)

import supergraph.http.server  # noqa: F401  (the serving stack's modules count too)
from supergraph.executor.transport import SubgraphRequest
from supergraph.pipeline.options import RouterOptions
from supergraph.pipeline.request import GraphQLRequest
from supergraph.pipeline.response import GraphQLResponse
from supergraph.pipeline.router import Router
from supergraph.schema import load_supergraph
from supergraph.types import JSONObject, JSONValue
from tests.benchmarks import generated


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def operations(count: int) -> list[str]:
    """`count` distinct operations: chains of varying length and wide queries, aliased."""
    result: list[str] = []
    wide_body = generated.wide_query().split("{", 1)[1].rsplit("}", 1)[0]
    for n in range(count):
        if n % 5 == 4:
            body = re.sub(r"\b(s\d+): ", rf"o{n}_\1: ", wide_body)
            result.append(f"query Wide{n} {{ {body} }}")
        else:
            chain = generated.chain_query(hops=1 + n % (generated.SUBGRAPHS - 1))
            result.append(chain.replace("query Chain {", f"query Chain{n} {{ a{n}:", 1))
    return result


class _Answering:
    """Answers every fetch in process: `{"data": {}}`, or data for its selection."""

    def __init__(self, schema: GraphQLSchema | None) -> None:
        self._schema = schema

    async def send(self, subgraph: str, request: SubgraphRequest) -> JSONObject:
        if self._schema is None:
            return {"data": {}}
        document = parse(request.query, no_location=True)
        operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
        top = operation.selection_set.selections[0]
        if isinstance(top, FieldNode) and top.name.value == "_entities":
            assert top.selection_set is not None
            entities: list[JSONValue] = []
            for representation in request.variables.get("representations") or ():
                typename = representation["__typename"]
                object_type = self._schema.get_type(typename)
                assert isinstance(object_type, GraphQLObjectType)
                entity = self._object(object_type, top.selection_set)
                entity.setdefault("__typename", typename)
                entities.append(entity)
            return {"data": {"_entities": entities}}
        query_type = self._schema.query_type
        assert query_type is not None
        return {"data": self._object(query_type, operation.selection_set)}

    def _object(
        self, object_type: GraphQLObjectType, selection_set: SelectionSetNode
    ) -> JSONObject:
        out: JSONObject = {}
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                if selection.name.value == "__typename":
                    out[key] = object_type.name
                elif (definition := object_type.fields.get(selection.name.value)) is not None:
                    out[key] = self._value(definition.type, selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                if condition is None or condition.name.value == object_type.name:
                    out.update(self._object(object_type, selection.selection_set))
        return out

    def _value(
        self, field_type: GraphQLOutputType, selection_set: SelectionSetNode | None
    ) -> JSONValue:
        if isinstance(field_type, GraphQLNonNull):
            field_type = field_type.of_type
        if isinstance(field_type, GraphQLList):
            return [self._value(field_type.of_type, selection_set) for _ in range(2)]
        if isinstance(field_type, GraphQLEnumType):
            return next(iter(field_type.values))
        if isinstance(field_type, GraphQLScalarType):
            return {"Int": 1, "Float": 1.5, "Boolean": True}.get(field_type.name, "x")
        assert self._schema is not None and selection_set is not None
        if isinstance(field_type, GraphQLInterfaceType | GraphQLUnionType):
            field_type = self._schema.get_possible_types(field_type)[0]
        assert isinstance(field_type, GraphQLObjectType)
        return self._object(field_type, selection_set)

    async def aclose(self) -> None:
        return None


async def fill(router: Router, texts: list[str]) -> int:
    failures = 0
    for text in texts:
        response = await router.execute(GraphQLRequest(text, None))
        assert isinstance(response, GraphQLResponse)  # nothing is streamed (no @defer)
        if "errors" in response.body and response.body.get("data") is None:
            failures += 1
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__)
    options = RouterOptions()
    parser.add_argument("--operations", type=int, default=options.plan_cache_size)
    parser.add_argument("--answers", choices=("empty", "selected"), default="empty")
    parser.add_argument("--tracemalloc", action="store_true")
    args = parser.parse_args()
    baseline = _status_mb("VmRSS")
    supergraph = load_supergraph(generated.supergraph_sdl())
    answering = _Answering(supergraph.schema if args.answers == "selected" else None)
    router = Router(supergraph, answering, options)
    gc.collect()
    loaded = _status_mb("VmRSS")
    texts = operations(args.operations)
    if args.tracemalloc:
        tracemalloc.start()
    traced = tracemalloc.get_traced_memory()[0]
    failures = asyncio.run(fill(router, texts))
    gc.collect()
    traced = tracemalloc.get_traced_memory()[0] - traced
    full = _status_mb("VmRSS")
    print(
        f"types in the supergraph: {len(supergraph.types)}, subgraphs: {len(supergraph.subgraphs)}"
    )
    print(f"operations sent: {len(texts)} (request errors: {failures})")
    for name, cache in (("plan", router.plans), ("document", router.documents)):
        print(
            f"{name} cache: {len(cache)} / {cache.max_entries} entries, "
            f"{cache.bytes / 1e6:.1f} / {cache.max_bytes / 1e6:.1f} MB by its accounting"
        )
    print(f"RSS before loading: {baseline:.0f} MB")
    print(f"RSS with the supergraph loaded: {loaded:.0f} MB")
    print(f"RSS with the caches full: {full:.0f} MB (peak {_status_mb('VmHWM'):.0f} MB)")
    if args.tracemalloc:
        print(f"Python heap per cached operation: {traced / len(texts):,.0f} bytes")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
