"""Stage: an operation with @defer, answered in parts (incremental delivery).

    (prepared operation, variables, request) -> StreamedResponse of parts

The plan is the whole operation's (operation/defer.py strips @defer before
planning): every fetch starts as soon as its inputs exist. Which part each fetch
serves is known from the plan (planner/defer.py); as fetches land, a part whose
fetches have all landed (and whose parent part went out) is shaped and sent:

- the first part, `{"data", "errors"?, "hasNext": true}`: the operation without
  its deferred fragments, shaped as any answer (null propagation, value checks);
- then `{"incremental": [{"data", "path", "label"?, "errors"?}, ...], "hasNext"}`:
  one item per object a ready fragment applies to (each list element its own),
  shaped on its own: a null in a non-null field of the fragment propagates to the
  fragment's object at most (`data: null`), never into the parts already sent.

This is Apollo's `multipart/mixed; deferSpec=20220824`. Errors go to the part that
owns the field at their path (the primary part when none). Merging the parts gives
the data of the same operation without @defer: the same plan, the same shaping.

The stream owns the plan's run: closing it (the client went away) cancels the
fetches still pending; each fetch has the subgraph's timeout, as any fetch.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    NamedTypeNode,
    NameNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
)

from supergraph.executor.execute import ExecutionOutcome, PlanExecutor
from supergraph.executor.shaping import ResponseShaper, SchemaShapes
from supergraph.operation.defer import PRIMARY, DeferredFragment, DeferSplit, split_deferred
from supergraph.planner.defer import executed_fetches, fetch_owners
from supergraph.planner.plan import Fetch, QueryPlan
from supergraph.types import JSONObject

DEFER_BAD_HEADER_MESSAGE = (
    "the router received a query with the @defer directive but the client does not accept"
    " multipart/mixed HTTP responses. To enable @defer support, add the HTTP header"
    " 'Accept: multipart/mixed;deferSpec=20220824'"
)
"""Apollo Router's words (clients and tests match them)."""

_MAX_LAYOUTS = 16
"""Layouts kept per operation (one per combination of `@defer(if:)` values seen)."""


@dataclass(frozen=True, slots=True)
class DeferSource:
    """What a prepared operation with @defer keeps to split its answer (its AST: only
    operations with @defer hold one)."""

    operation: OperationDefinitionNode
    fragments: Mapping[str, FragmentDefinitionNode]
    denied: tuple[FieldNode, ...]
    switches: tuple[str, ...]
    """The variables deciding which fragments are deferred (`if` of @defer, @skip,
    @include on a deferred fragment): a layout per combination of their values."""
    layouts: dict[tuple[bool, ...], Layout] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Layout:
    """The parts for one combination of `@defer(if:)` values: shapers and fetch owners."""

    split: DeferSplit
    primary: ResponseShaper
    fragments: Mapping[int, ResponseShaper]
    owners: Mapping[int, frozenset[int]]

    @property
    def deferred(self) -> bool:
        return bool(self.split.deferred)


def layout(
    source: DeferSource,
    plan: QueryPlan,
    schema: GraphQLSchema,
    shapes: SchemaShapes,
    variables: Mapping[str, Any],
) -> Layout:
    """The layout for these variable values (cached per combination of `if` values)."""
    key = tuple(bool(variables.get(name, True)) for name in source.switches)
    found = source.layouts.get(key)
    if found is not None:
        return found
    split = split_deferred(schema, source.operation, source.fragments, variables, source.denied)
    denied = source.denied
    primary = ResponseShaper(schema, split.primary, source.fragments, denied, shapes)
    shapers = {
        fragment.id: ResponseShaper(schema, _fragment_operation(fragment), {}, denied, shapes)
        for fragment in split.deferred
    }
    built = Layout(split, primary, shapers, fetch_owners(plan, split.tree))
    if len(source.layouts) >= _MAX_LAYOUTS:
        source.layouts.clear()
    source.layouts[key] = built
    return built


def _fragment_operation(fragment: DeferredFragment) -> OperationDefinitionNode:
    condition = fragment.type_condition
    inline = InlineFragmentNode(
        type_condition=NamedTypeNode(name=NameNode(value=condition)) if condition else None,
        directives=(),
        selection_set=fragment.selections,
    )
    return OperationDefinitionNode(
        operation=OperationType.QUERY,
        variable_definitions=(),
        directives=(),
        selection_set=SelectionSetNode(selections=(inline,)),
    )


class DeferredRun:
    """One request's parts, as an async iterator (with `aclose`)."""

    def __init__(
        self,
        executor: PlanExecutor,
        plan: QueryPlan,
        parts: Layout,
        schema: GraphQLSchema,
        variables: dict[str, Any],
        headers: Mapping[str, str] | None,
        headers_by_subgraph: Mapping[str, Mapping[str, str]] | None,
        introspection: JSONObject | None,
    ) -> None:
        self._executor = executor
        self._plan = plan
        self._layout = parts
        self._schema = schema
        self._variables = variables
        self._headers = headers
        self._by_name = headers_by_subgraph
        self._introspection = introspection
        self._outcome = ExecutionOutcome({}, [])
        self._landed = asyncio.Event()
        waiting: Counter[int] = Counter()
        for fetch in executed_fetches(plan.node, variables):
            for owner in parts.owners.get(id(fetch), (PRIMARY,)):
                waiting[owner] += 1
        self._waiting = waiting
        self._task: asyncio.Task[ExecutionOutcome] | None = None
        self._parts: AsyncIterator[JSONObject] | None = None

    def __aiter__(self) -> DeferredRun:
        return self

    async def __anext__(self) -> JSONObject:
        if self._parts is None:
            self._parts = self._run()
        return await anext(self._parts)

    async def aclose(self) -> None:
        if self._parts is not None:
            await self._parts.aclose()  # type: ignore[attr-defined]
        await self._cancel()

    async def _cancel(self) -> None:
        task = self._task
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _on_fetch(self, fetch: Fetch) -> None:
        for owner in self._layout.owners.get(id(fetch), (PRIMARY,)):
            self._waiting[owner] -= 1
        self._landed.set()

    def _ready(self, owner: int) -> bool:
        task = self._task
        if task is not None and task.done():
            task.result()  # a failed run surfaces, never parts built from half its data
            return True
        return self._waiting[owner] <= 0

    async def _wait(self) -> None:
        task = self._task
        assert task is not None
        if task.done():
            task.result()  # a failure of the run itself surfaces here
            return
        self._landed.clear()
        landed = asyncio.ensure_future(self._landed.wait())
        try:
            await asyncio.wait({task, landed}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            landed.cancel()
        if task.done():
            task.result()

    async def _run(self) -> AsyncIterator[JSONObject]:
        self._task = asyncio.create_task(
            self._executor.execute(
                self._plan,
                self._variables,
                self._headers,
                self._by_name,
                into=self._outcome,
                on_fetch=self._on_fetch,
            )
        )
        try:
            while not self._ready(PRIMARY):
                await self._wait()
            delivery = _Delivery(self._layout, self._schema, self._outcome, self._variables)
            yield delivery.primary(self._introspection)
            pending = list(self._layout.split.deferred)
            while pending:
                ready = [f for f in pending if f.parent in delivery.sent and self._ready(f.id)]
                if not ready:
                    await self._wait()
                    continue
                pending = [f for f in pending if f not in ready]
                yield delivery.subsequent(ready, last=not pending)
        finally:
            await self._cancel()


class _Delivery:
    """What was sent so far (the merged data the client holds), and the errors left."""

    def __init__(
        self,
        parts: Layout,
        schema: GraphQLSchema,
        outcome: ExecutionOutcome,
        variables: dict[str, Any],
    ) -> None:
        self.layout = parts
        self.schema = schema
        self.outcome = outcome
        self.variables = variables
        self.sent: set[int] = set()
        self.data: JSONObject | None = None
        self.taken: set[int] = set()
        """Indexes of `outcome.errors` already sent."""

    def errors_of(self, owner: int) -> list[JSONObject]:
        """The subgraph errors not sent yet that belong to part `owner`."""
        mine: list[JSONObject] = []
        for index, error in enumerate(self.outcome.errors):
            if index in self.taken:
                continue
            path = error.get("path")
            at = self.layout.split.owner_of(path) if isinstance(path, list) else None
            if (at if at is not None else PRIMARY) == owner:
                self.taken.add(index)
                mine.append(error)
        return mine

    def primary(self, introspection: JSONObject | None) -> JSONObject:
        errors = self.errors_of(PRIMARY)
        data = self.layout.primary.shape(self.outcome.data, self.variables, errors, introspection)
        self.data = data
        self.sent.add(PRIMARY)
        body: JSONObject = {"data": data}
        if errors:
            body["errors"] = errors
        body["hasNext"] = bool(self.layout.split.deferred)
        return body

    def subsequent(self, ready: list[DeferredFragment], last: bool) -> JSONObject:
        items: list[JSONObject] = []
        for fragment in ready:
            items.extend(self.items(fragment))
            self.sent.add(fragment.id)
        left = self.leftover() if last else []
        if left and items:
            items[-1].setdefault("errors", []).extend(left)
        body: JSONObject = {"hasNext": not last}
        if items:
            body["incremental"] = items
        elif left:
            body["errors"] = left
        return body

    def items(self, fragment: DeferredFragment) -> list[JSONObject]:
        errors = self.errors_of(fragment.id)
        shaper = self.layout.fragments[fragment.id]
        items: list[JSONObject] = []
        for path, sent in _objects(self.data, fragment.path, ()):
            raw = _at(self.outcome.data, path)
            if not isinstance(raw, dict):
                continue
            runtime = self.runtime(fragment, raw)
            if runtime is None:
                continue
            mine = [e for e in errors if _under(e.get("path"), path)]
            errors = [e for e in errors if not _under(e.get("path"), path)]
            data = shaper.shape_at(runtime, raw, self.variables, mine, path)
            item: JSONObject = {"data": data, "path": list(path)}
            if fragment.label is not None:
                item["label"] = fragment.label
            if mine:
                item["errors"] = mine
            items.append(item)
            if data is not None:
                _merge(sent, data)  # what the client holds: nested fragments find it
        if errors:
            if items:
                items[0].setdefault("errors", []).extend(errors)
            else:
                self.taken.difference_update(
                    i for i, e in enumerate(self.outcome.errors) if any(e is x for x in errors)
                )
        return items

    def runtime(self, fragment: DeferredFragment, raw: JSONObject) -> str | None:
        """The object's type when the fragment applies to it, else None."""
        parent = self.schema.get_type(fragment.parent_type)
        if isinstance(parent, GraphQLObjectType):
            name = parent.name
        else:
            typename = raw.get("__typename")
            if not isinstance(typename, str):
                return None
            name = typename
        runtime = self.schema.get_type(name)
        if not isinstance(runtime, GraphQLObjectType):
            return None
        condition = fragment.type_condition
        if condition is None or condition == name:
            return name
        target = self.schema.get_type(condition)
        if target is None or isinstance(target, GraphQLObjectType):
            return None
        possible = self.schema.get_possible_types(target)  # type: ignore[arg-type]
        return name if any(t.name == name for t in possible) else None

    def leftover(self) -> list[JSONObject]:
        """Errors no part claimed (their path is in no part sent)."""
        left = [e for i, e in enumerate(self.outcome.errors) if i not in self.taken]
        self.taken.update(range(len(self.outcome.errors)))
        return left


def _merge(target: JSONObject, source: JSONObject) -> None:
    for key, value in source.items():
        held = target.get(key)
        if isinstance(held, dict) and isinstance(value, dict):
            _merge(held, value)
        elif isinstance(held, list) and isinstance(value, list) and len(held) == len(value):
            for mine, theirs in zip(held, value, strict=True):
                if isinstance(mine, dict) and isinstance(theirs, dict):
                    _merge(mine, theirs)
        else:
            target[key] = value


def _objects(
    value: object, path: tuple[str, ...], at: tuple[str | int, ...]
) -> list[tuple[tuple[str | int, ...], JSONObject]]:
    """The objects at response path `path` of the sent data `value` (each list element
    its own), with their concrete paths."""
    if isinstance(value, list):
        found: list[tuple[tuple[str | int, ...], JSONObject]] = []
        for index, item in enumerate(value):
            found.extend(_objects(item, path, (*at, index)))
        return found
    if not isinstance(value, dict):
        return []
    if not path:
        return [(at, value)]
    return _objects(value.get(path[0]), path[1:], (*at, path[0]))


def _at(value: object, path: tuple[str | int, ...]) -> object:
    for step in path:
        if isinstance(step, int):
            if not isinstance(value, list) or step >= len(value):
                return None
            value = value[step]
        else:
            if not isinstance(value, dict):
                return None
            value = value.get(step)
    return value


def _under(error_path: object, path: tuple[str | int, ...]) -> bool:
    return (
        isinstance(error_path, list)
        and len(error_path) >= len(path)
        and tuple(error_path[: len(path)]) == path
    )
