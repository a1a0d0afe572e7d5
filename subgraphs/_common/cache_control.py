"""The Cache-Control header each subgraph answer carries: a policy per type and per
root field (in the spirit of Apollo's `@cacheControl`), read by the router's entity
cache (docs/entity-cache.md).

    CacheHints(types={"Product": "public, max-age=60"}, root_fields={"me": "private, max-age=60"})
    hints.header_for(body)      the header for one request body

An `_entities` request gets the strictest policy of its representations' types, a
query that of its root fields; a mutation, anything the hints do not name, and
anything unreadable get `no-store` (nothing is cached that nobody vouched for).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, OperationType, parse

NO_STORE = "no-store"


@dataclass(frozen=True, slots=True)
class CacheHints:
    types: Mapping[str, str] = field(default_factory=dict)
    """Entity type -> its policy (the `_entities` answers)."""
    root_fields: Mapping[str, str] = field(default_factory=dict)
    """Query field -> its policy."""

    def header_for(self, body: object) -> str:
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return NO_STORE
        variables = body.get("variables")
        representations = variables.get("representations") if isinstance(variables, dict) else None
        names = _root_fields(body["query"], body.get("operationName"))
        if names is None:
            return NO_STORE
        policies: list[str | None] = []
        for name in names:
            if name == "_entities" and isinstance(representations, list):
                policies.extend(self.types.get(_typename(rep), None) for rep in representations)
            elif name != "__typename":
                policies.append(self.root_fields.get(name))
        return strictest(policies)


def strictest(policies: list[str | None]) -> str:
    """The minimum: the shortest max-age, private if any is; no-store if any is unknown."""
    if not policies or any(p is None or NO_STORE in p for p in policies):
        return NO_STORE
    ages: list[int] = []
    private = False
    for policy in policies:
        assert policy is not None
        for part in policy.split(","):
            name, _, value = part.strip().partition("=")
            if name == "private":
                private = True
            elif name == "max-age" and value.isdigit():
                ages.append(int(value))
    if not ages:
        return NO_STORE
    return f"{'private' if private else 'public'}, max-age={min(ages)}"


def _typename(representation: object) -> str:
    name = representation.get("__typename") if isinstance(representation, dict) else None
    return name if isinstance(name, str) else ""


def _root_fields(query: str, operation_name: object) -> list[str] | None:
    """The top-level field names of the operation to run; None unless it is a query."""
    try:
        document = parse(query, no_location=True)
    except GraphQLError:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if isinstance(operation_name, str):
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if len(operations) != 1 or operations[0].operation is not OperationType.QUERY:
        return None
    selections = operations[0].selection_set.selections
    if not all(isinstance(s, FieldNode) for s in selections):
        return None  # fragments at the root: not worth reading, not cached
    return [s.name.value for s in selections if isinstance(s, FieldNode)]
