"""The scenario format.

A scenario is a small federated graph: a few subgraphs, each a federation SDL
plus Python resolvers over plain data, and the operations to run against the
composed supergraph with the data a correct gateway must return.

Scenarios are plain Python modules under ``tests/conformance/scenarios/``; each
defines ``SCENARIO = Scenario(...)``.

Resolution model (graphql-core underneath):

- Objects are dicts. A field without a resolver reads ``obj[field_name]``; if
  that value is callable it is called as ``value(info, **args)``.
- ``Subgraph.resolvers[type][field]`` is ``fn(obj, info, **args)`` and wins over
  the dict. Root fields live under ``"Query"`` / ``"Mutation"`` (obj is None).
- ``Subgraph.references[type]`` is ``fn(representation) -> object | None`` for
  ``_entities``; without one, the representation itself is the object. An
  object without ``__typename`` gets the representation's.
- Abstract types resolve from the object's ``__typename``.
- Raise ``SubgraphError(message, code=...)`` (or any exception) to make a field
  fail in the subgraph.

Mutations must be idempotent: the same operation is sent to Apollo Gateway and
to our router, and both must see the same subgraph state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLError

JSON = Any
Resolver = Callable[..., Any]
ReferenceResolver = Callable[[dict[str, Any]], Any]


class SubgraphError(GraphQLError):
    """An error a scenario resolver raises on purpose, with an optional code."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message, extensions={"code": code} if code else None)


@dataclass(frozen=True, slots=True)
class Subgraph:
    """One subgraph: its federation SDL and how to resolve it."""

    name: str
    sdl: str
    resolvers: Mapping[str, Mapping[str, Resolver]] = field(default_factory=dict)
    references: Mapping[str, ReferenceResolver] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ExpectedError:
    """An error a gateway must return: its response path (and code when it matters)."""

    path: tuple[str | int, ...] | None
    code: str | None = None


@dataclass(frozen=True, slots=True)
class Operation:
    """One client operation and the response a correct gateway returns.

    ``data`` is compared exactly (key order too). ``errors`` lists the expected
    errors by path (messages are never compared); ``()`` means no errors.
    ``apollo`` documents a case where Apollo Gateway is wrong by the spec: the
    text names the problem; the Apollo-side test then asserts Apollo's actual
    answer ``apollo_data`` (and ``apollo_errors`` when given) and the
    router-side test asserts ``data`` and ``errors``.
    """

    name: str
    query: str
    data: JSON
    variables: Mapping[str, JSON] | None = None
    operation_name: str | None = None
    errors: tuple[ExpectedError, ...] = ()
    requests: Mapping[str, int] | None = None
    status: int | None = 200
    apollo: str | None = None
    apollo_data: JSON = None
    apollo_errors: tuple[ExpectedError, ...] | None = None


@dataclass(frozen=True, slots=True)
class Scenario:
    """A federated graph to test gateways on, with its operations.

    ``generated`` is how many operations the generator derives from the API
    schema; ``generator_avoid`` lists ``Type.field`` coordinates it must not
    select (fields that fail on purpose, mutations, ...); ``generator_samples``
    gives argument values per ``Type.field`` (e.g. ids that exist).
    ``apollo_wrong_generated`` maps generated operation indexes where Apollo
    Gateway answers wrongly to the reason (naming the written operation that
    reproduces the bug with the correct answer); ``apollo_wrong_generated_data``
    holds the correct ``data`` of each (worked out from the scenario's own data):
    our router must answer it, and Apollo must still answer otherwise (an
    exception that no longer applies fails). Found by comparing our router's
    answers with Apollo's and checking by hand which one the spec supports.
    """

    name: str
    description: str
    subgraphs: tuple[Subgraph, ...]
    operations: tuple[Operation, ...]
    generated: int = 30
    generator_avoid: frozenset[str] = frozenset()
    generator_samples: Mapping[str, tuple[Mapping[str, JSON], ...]] = field(default_factory=dict)
    apollo_wrong_generated: Mapping[int, str] = field(default_factory=dict)
    apollo_wrong_generated_data: Mapping[int, JSON] = field(default_factory=dict)
    # Of those, the ones Apollo answers right or wrong depending on which of its
    # parallel fetches ends first: staleness is checked on the written operation
    # the reason names (deterministic), not on them.
    apollo_wrong_racy: frozenset[int] = frozenset()

    def subgraph(self, name: str) -> Subgraph:
        for subgraph in self.subgraphs:
            if subgraph.name == name:
                return subgraph
        raise KeyError(name)

    def operation(self, name: str) -> Operation:
        for operation in self.operations:
            if operation.name == name:
                return operation
        raise KeyError(name)


def by_key(rows: list[dict[str, Any]], *fields: str) -> ReferenceResolver:
    """A reference resolver finding the row whose ``fields`` equal the representation's."""

    def resolve(representation: dict[str, Any]) -> Any:
        for row in rows:
            if all(row.get(name) == representation.get(name) for name in fields):
                return row
        return None

    return resolve
