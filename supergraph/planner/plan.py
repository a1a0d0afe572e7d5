"""Query plan nodes: the contract between the planner and the executor.

The shape follows the plan JSON that federation routers share (`kind`,
`serviceName`, `variableUsages`, `operation`, `requires`, `path` with "@" for
list items), so our plans can be compared with Apollo's and Hive's.

    PlanNode
    ├── Fetch       one subgraph request (root operation or `_entities`)
    ├── Flatten     run a Fetch at a path of the merged response
    ├── Sequence    children one after another
    ├── Parallel    children concurrently
    └── Condition   branch on a boolean variable (@skip / @include)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from supergraph.types import JSONValue, PlanPath

OperationKind: TypeAlias = Literal["query", "mutation", "subscription"]


@dataclass(frozen=True, slots=True)
class RequiresField:
    """A field copied from the merged response into an entity representation."""

    name: str
    alias: str | None = None
    selections: tuple[RequiresSelection, ...] = ()

    @property
    def response_name(self) -> str:
        return self.alias or self.name


@dataclass(frozen=True, slots=True)
class RequiresInlineFragment:
    """Only for objects whose `__typename` is `type_condition` (or implements it)."""

    type_condition: str | None
    selections: tuple[RequiresSelection, ...]


RequiresSelection: TypeAlias = RequiresField | RequiresInlineFragment


@dataclass(frozen=True, slots=True)
class ValueSetter:
    """Rewrite: set the value at `path` (e.g. `("... on Book", "__typename")`) to `value`."""

    path: tuple[str, ...]
    value: JSONValue


@dataclass(frozen=True, slots=True)
class KeyRenamer:
    """Rewrite: rename the key at `path` to `rename_key_to`."""

    path: tuple[str, ...]
    rename_key_to: str


FetchRewrite: TypeAlias = ValueSetter | KeyRenamer


@dataclass(frozen=True, slots=True)
class Fetch:
    """One request to one subgraph.

    With `requires`, it is an entity fetch: the executor builds one
    representation per object at the enclosing Flatten path (de-duplicated),
    sends them as `$representations`, and merges the `_entities` results back.
    """

    service_name: str
    operation: str
    operation_kind: OperationKind = "query"
    operation_name: str | None = None
    variable_usages: tuple[str, ...] = ()
    requires: tuple[RequiresSelection, ...] | None = None
    input_rewrites: tuple[FetchRewrite, ...] = ()
    output_rewrites: tuple[FetchRewrite, ...] = ()
    id: int | None = None
    context_rewrites: tuple[KeyRenamer, ...] = ()
    """@fromContext values: each path starts with ".." steps up from the entity (one
    per field, list indexes skipped), then type conditions and fields; the value
    found becomes the variable `rename_key_to` (the first path that matches wins)."""


@dataclass(frozen=True, slots=True)
class Flatten:
    path: PlanPath
    node: PlanNode


@dataclass(frozen=True, slots=True)
class Sequence:
    nodes: tuple[PlanNode, ...]


@dataclass(frozen=True, slots=True)
class Parallel:
    nodes: tuple[PlanNode, ...]


@dataclass(frozen=True, slots=True)
class Condition:
    """Run `if_clause` when the boolean variable `condition` is true, else `else_clause`."""

    condition: str
    if_clause: PlanNode | None = None
    else_clause: PlanNode | None = None


PlanNode: TypeAlias = Fetch | Flatten | Sequence | Parallel | Condition


@dataclass(frozen=True, slots=True)
class QueryPlan:
    node: PlanNode | None


def fetch_nodes(node: PlanNode | None) -> Iterator[Fetch]:
    """Every Fetch under `node`, both branches of a condition included."""
    stack: list[PlanNode] = [] if node is None else [node]
    while stack:
        match stack.pop():
            case Fetch() as fetch:
                yield fetch
            case Flatten(node=child):
                stack.append(child)
            case Sequence(nodes=children) | Parallel(nodes=children):
                stack.extend(reversed(children))
            case Condition(if_clause=yes, else_clause=no):
                stack.extend(n for n in (no, yes) if n is not None)


def json_fetch_nodes(node: Mapping[str, Any] | None) -> Iterator[Mapping[str, Any]]:
    """Every Fetch of a plan in the shared JSON shape (ours rendered, or Apollo's)."""
    if not node:
        return
    if node.get("kind") == "Fetch":
        yield node
    for child in (
        node.get("node"),
        *node.get("nodes", ()),
        node.get("ifClause"),
        node.get("elseClause"),
    ):
        if isinstance(child, Mapping):
            yield from json_fetch_nodes(child)
