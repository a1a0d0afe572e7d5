"""Compile jobs: parse, validate and plan off the event loop (compute.py), in a
child process when there are some (compute_process.py).

The Router's compile steps are pure (no cache access): a job brings back the
document's cache entry and the prepared operation, weighed (`Compiled`), and the
Router stores them on the loop. A compile process runs them on its own router,
built from the same SDL (`Router.compile_worker`); results are pickled naming the
schema-level objects both processes have (`SchemaObjects`).
"""

from __future__ import annotations

import dataclasses
import logging
import pickle
import sys
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLDirective,
    GraphQLField,
    GraphQLNamedType,
    GraphQLSchema,
    GraphQLWrappingType,
)

from supergraph.authorization import NO_REQUIREMENTS, AuthorizationOptions
from supergraph.executor.execute import ExecutorOptions
from supergraph.executor.selections import FieldSelection
from supergraph.executor.shaping import SchemaShapes
from supergraph.executor.transport import SubgraphRequest
from supergraph.pipeline.compute_process import MAX_PROCESSES, ProcessSpec
from supergraph.pipeline.options import RouterOptions
from supergraph.pipeline.plan import PreparedOperation
from supergraph.pipeline.response import GraphQLResponse
from supergraph.pipeline.validate import Document
from supergraph.schema import Supergraph
from supergraph.types import JSONObject

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Compiled:
    """What a compile job brings back to the event loop (see `Router._compile`)."""

    document: Document
    document_weight: int
    prepared: PreparedOperation | GraphQLResponse | None = None
    prepared_weight: int | None = None
    marks: tuple[int, ...] = ()
    """When the job started, parsed, validated and planned (time.time_ns(); as far as it went)."""


def process_spec(
    options: RouterOptions,
    supergraph: Supergraph,
    planner: object,
    entry: str,
    shared: Callable[[], SchemaObjects],
) -> ProcessSpec | None:
    """How compile processes build their router (None: the thread mode). `entry`: "module:function" building a child's
    handler from the pickled (SDL, options, planner)."""
    processes = options.compute_processes
    if not options.compute_jobs or processes <= 0:
        return None
    if processes > MAX_PROCESSES:
        raise ValueError(f"compute_processes: at most {MAX_PROCESSES}, not {processes}")
    source = supergraph.source
    if not source:
        logger.info("compute processes off: the supergraph was not loaded from SDL")
        return None
    # What compilation reads of the options: the rest (hooks, observers) stays here.
    compiling = dataclasses.replace(
        options,
        executor=ExecutorOptions(),
        authorization=AuthorizationOptions(),
        compute_jobs=False,
        compute_processes=0,
        usage=None,
        demand_control=None,
    )
    try:
        payload = pickle.dumps((source, compiling, planner))
    except (pickle.PicklingError, AttributeError, TypeError) as error:
        logger.info("compute processes off: %s", error)
        return None
    return ProcessSpec(entry, payload, shared, processes)


_SCHEMA_LEVEL = (
    GraphQLSchema,
    GraphQLNamedType,
    GraphQLWrappingType,
    GraphQLField,
    GraphQLArgument,
    GraphQLDirective,
    SchemaShapes,
    Supergraph,
)


class SchemaObjects:
    """The objects a compile process and the router process both have (built from the
    same SDL), pickled by name: the schema, its named types, the shared shapes and
    leaf selections. Any other schema-level object is refused, so a result never
    carries a copy of the schema (the job then runs in the router process)."""

    __slots__ = ("_by_id", "_by_name", "_leaves")

    def __init__(self, schema: GraphQLSchema, shapes: SchemaShapes, supergraph: Supergraph) -> None:
        by_name: dict[object, object] = {
            "schema": schema,
            "shapes": shapes,
            "supergraph": supergraph,
            "no_requirements": NO_REQUIREMENTS,
        }
        for name, named in schema.type_map.items():
            by_name[("type", name)] = named
        self._by_name = by_name
        self._by_id = {id(obj): key for key, obj in by_name.items()}
        self._leaves = shapes.leaves

    def name_of(self, obj: object) -> Hashable | None:
        key = self._by_id.get(id(obj))
        if key is not None:
            return key
        if type(obj) is FieldSelection and self._leaves.get(obj.name) is obj:
            return ("leaf", obj.name)
        if isinstance(obj, _SCHEMA_LEVEL):
            raise pickle.PicklingError(f"{type(obj).__name__} {obj} is not shared by name")
        return None

    def named(self, key: Any) -> object:
        if isinstance(key, tuple) and key[0] == "leaf":
            name: str = key[1]
            leaf = self._leaves.get(name)
            if leaf is None:
                leaf = FieldSelection(sys.intern(name), sys.intern(name), None)
                self._leaves.setdefault(leaf.name, leaf)
            return leaf
        found = self._by_name.get(key)
        if found is None:
            raise pickle.UnpicklingError(f"unknown shared object {key!r}")
        return found


class CompileHandler:
    """A compile process's side (compute_process.py `Handler`): a router's pure
    compile steps, by the names `Router._off_loop`'s remote jobs use."""

    def __init__(
        self, run: Callable[[str, tuple[Any, ...]], object], shared: SchemaObjects
    ) -> None:
        self._run = run
        self.shared = shared

    def run(self, name: str, args: tuple[Any, ...]) -> object:
        return self._run(name, args)


class NoTransport:
    """A compile process's router fetches nothing."""

    async def send(self, subgraph: str, request: SubgraphRequest) -> JSONObject:
        raise RuntimeError("a compile process does not fetch")

    async def aclose(self) -> None:
        return None
