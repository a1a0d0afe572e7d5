"""Stage: an operation with @defer, answered in parts (incremental delivery).

    (prepared operation, variables, request) -> StreamedResponse of parts

The plan is the whole operation's (operation/defer.py strips @defer before
planning): every fetch starts as soon as its inputs exist. Which part each fetch
serves is known from the plan (planner/defer.py); as fetches land, a part whose
fetches have all landed (and whose parent part went out) is shaped and sent:

- the first part: the operation without its deferred fragments, shaped as any
  answer (null propagation, value checks); the objects each fragment nested in
  it applies to are fixed now (those in the data sent; each list element its own);
- then, as fragments' fetches land, the objects they complete: each shaped on its
  own, so a null in a non-null field of the fragment propagates to the fragment's
  object at most (`data: null`), never into the parts already sent; the objects
  of fragments nested in them are fixed then (none under a null one).

In `incrementalSpec=v0.2` each field reaches the client once: a part leaves out
what the client holds (incremental.unsent), and a fragment whose fetches have all
landed when its parent part goes out and that holds nothing new is not announced
(`_Delivery.held`); `deferSpec=20220824` sends each fragment whole.

pipeline/incremental.py writes the parts in the format the client negotiated.
An error goes to the parts that the fetch producing it serves, in the item whose
path it is under. Merging the parts gives the data of the same operation without
@defer: the same plan, the same shaping. When the first part's data is null,
nothing follows it.

The stream owns the plan's run: closing it (the client went away) cancels the
fetches still pending; each fetch has the subgraph's timeout, as any fetch. A
mutation's run is never cancelled: its root fields run exactly once, in order, as
without @defer, so closing its stream waits for the run to end.

What the one-body path does around the plan's run, this one does too (`RunHooks`):
the run starts inside the same context (a query's entity cache scope, a mutation's
unshared requests: pipeline/execute.py `plan_context`), the first part carries the
exposed query plan in `extensions` (as Apollo Router's first part), and demand
control's actual cost is measured on the data of every part sent, merged.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
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

from supergraph.errors import internal_error_body
from supergraph.executor.execute import ExecutionOutcome, PlanExecutor
from supergraph.executor.shaping import ResponseShaper, SchemaShapes
from supergraph.operation.defer import PRIMARY, DeferredFragment, DeferSplit, split_deferred
from supergraph.pipeline.incremental import (
    CURRENT,
    LEGACY,
    Delivered,
    IncrementalFormat,
    Initial,
    Pending,
    ResponsePath,
    Subsequent,
    failed_part,
    initial_part,
    nulls_held,
    subsequent_part,
    unsent,
)
from supergraph.planner.defer import executed_fetches, fetch_owners
from supergraph.planner.plan import Fetch, QueryPlan
from supergraph.types import JSONObject

logger = logging.getLogger(__name__)

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


@dataclass(frozen=True, slots=True)
class RunHooks:
    """What a deferred run shares with the one-body path (router.py)."""

    context: AbstractContextManager[object] = field(default_factory=nullcontext)
    """Entered once, around the start of the plan's run (its fetches inherit it)."""
    extensions: JSONObject | None = None
    """The first part's `extensions` (the exposed query plan)."""
    on_end: Callable[[JSONObject | None], object] | None = None
    """Called once the stream ends, if its first part went out, with the data of all the
    parts sent, merged (demand control's actual cost)."""
    mutation: bool = False
    """The run is never cancelled: closing the stream waits for it."""


class DeferredRun:
    """One request's parts, as an async iterator (with `aclose`), in the negotiated
    wire format (pipeline/incremental.py)."""

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
        form: IncrementalFormat = LEGACY,
        introspection_errors: list[JSONObject] | None = None,
        hooks: RunHooks | None = None,
    ) -> None:
        self._executor = executor
        self._plan = plan
        self._layout = parts
        self._variables = variables
        self._headers = headers
        self._by_name = headers_by_subgraph
        self._introspection = introspection
        self._form = form
        self._hooks = hooks or RunHooks()
        self._outcome = ExecutionOutcome({}, [])
        self._delivery = _Delivery(parts, schema, self._outcome, variables)
        if introspection_errors:
            # Introspection is answered in the first part: so are its errors.
            self._delivery.errors[PRIMARY] = list(introspection_errors)
        self._attributed = 0
        """How many of the outcome's errors were given to their parts."""
        self._landed = asyncio.Event()
        waiting: Counter[int] = Counter()
        for fetch in executed_fetches(plan.node, variables):
            for owner in parts.owners.get(id(fetch), (PRIMARY,)):
                waiting[owner] += 1
        self._waiting = waiting
        self._failed = False
        """A fetch raised: the run is failing, its data half merged; no part is built
        until the run's outcome (its exception) is known."""
        if form == CURRENT:
            self._delivery.landed = lambda fragment: (
                not self._failed and self._waiting[fragment] <= 0
            )
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
        """Cancel the run and wait for it to end (a mutation's: only wait). This runs
        when the last part went out (or the client left): an exception of the run now
        has no part to go to, so it is logged, never raised (a second last part, or a
        crash after the status)."""
        task = self._task
        if task is None:
            return
        if not task.done():
            if self._hooks.mutation:
                # Shielded: a cancelled stream (shutdown) must not cut a root field's
                # write in half; the run ends on its own, within the subgraph timeouts.
                waited: asyncio.Future[ExecutionOutcome] = asyncio.shield(task)
            else:
                task.cancel()
                waited = task
            try:
                await waited
            except asyncio.CancelledError:
                pass
            except Exception:
                logger.exception("a deferred operation's run failed while cancelled")
        elif not task.cancelled() and (error := task.exception()) is not None:
            # Retrieved here when no part surfaced it (none was waiting on the run).
            logger.debug("a deferred operation's run had failed", exc_info=error)

    def _on_fetch(self, fetch: Fetch, failed: bool) -> None:
        if failed:
            self._failed = True
            self._landed.set()
            return
        owners = self._layout.owners.get(id(fetch), frozenset((PRIMARY,)))
        for owner in owners:
            self._waiting[owner] -= 1
        # The errors added since the last fetch landed are this fetch's: the executor
        # adds a fetch's errors after its last await and tells it landed right after.
        errors = self._outcome.errors
        for error in errors[self._attributed :]:
            self._delivery.attribute(error, owners)
        self._attributed = len(errors)
        self._landed.set()

    def _ready(self, owner: int) -> bool:
        task = self._task
        if task is not None and task.done():
            task.result()  # a failed run surfaces, never parts built from half its data
            return True
        if self._failed:
            return False  # the run is failing: wait for its exception
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
        # The task copies the context now: its fetches run under the hooks' context.
        with self._hooks.context:
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
        delivery = self._delivery
        extensions = self._hooks.extensions
        first_sent = False
        try:
            try:
                while not self._ready(PRIMARY):
                    await self._wait()
                yield initial_part(self._form, delivery.initial(self._introspection), extensions)
                first_sent = True
                # Only fragments with objects announced are waited for: when the first
                # part's data is null, or a fragment applies to no object, nothing is,
                # and the fetches still running are cancelled below.
                while delivery.expected:
                    ready = [f for f in delivery.expected if self._ready(f)]
                    if not ready:
                        await self._wait()
                        continue
                    yield subsequent_part(self._form, delivery.subsequent(ready))
            except Exception as error:
                if self._form != CURRENT:
                    raise  # the legacy format's last part is http/streams.py's
                # v0.2 knows no top-level errors after the first part: every id announced
                # is completed with the error, so the client is left waiting on none.
                logger.error("a deferred operation's run failed", exc_info=error)
                errors = internal_error_body()["errors"]
                if first_sent:
                    pending = [p for objects in delivery.expected.values() for p in objects]
                    delivery.expected.clear()
                    yield failed_part(pending, errors)
                else:
                    yield initial_part(self._form, Initial(None, errors, [], False), extensions)
        finally:
            await self._cancel()
            if first_sent and self._hooks.on_end is not None:
                try:
                    self._hooks.on_end(delivery.data)
                except Exception:
                    logger.exception("a deferred operation's end hook failed")


class _Delivery:
    """What was sent so far (the merged data the client holds), the objects announced
    and not completed yet, and each part's errors."""

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
        self.data: JSONObject | None = None
        self.errors: dict[int, list[JSONObject]] = {}
        """By part: the subgraph errors it reports (attributed as fetches land)."""
        self.expected: dict[int, list[Pending]] = {}
        """By fragment id: the objects announced, which its part completes."""
        self.completed: dict[int, list[ResponsePath]] = {PRIMARY: [()]}
        """By part sent: the paths of the objects it completed with data (not null)."""
        self.children: dict[int, list[DeferredFragment]] = {}
        for fragment in parts.split.deferred:
            self.children.setdefault(fragment.parent, []).append(fragment)
        self.ids = itertools.count()
        self.reported: set[int] = set()
        """The errors sent, by identity."""
        self.landed: Callable[[int], bool] | None = None
        """Set for incrementalSpec=v0.2 only (each field sent once: parts hold only what
        the client lacks): whether every fetch a fragment needs has landed.
        Such a fragment is shaped when its parent part goes out, and not announced on
        an object whose fields the client holds all of (graphql-js announces only
        fragments with fields of their own), `lacking`."""
        self.shaped: dict[tuple[int, ResponsePath], JSONObject] = {}
        """Objects of fragments shaped when announced, by fragment id and path (their
        parts reuse them)."""

    def attribute(self, error: JSONObject, fetch_owners: frozenset[int]) -> None:
        """An error goes to each part the fetch that produced it serves that selects a
        field at or under its path: a failed entity fetch's error at the entity is
        reported by the deferred parts it leaves empty, not by the part that holds the
        entity (sent already). A path that selects none of them: the part owning the
        path when the fetch serves it, else the fetch's first part."""
        path = error.get("path")
        split = self.layout.split
        targets: set[int] = set()
        if isinstance(path, list):
            targets = split.owners_within(path) & fetch_owners
            if not targets:
                at = split.owner_of(path)
                if at in fetch_owners:
                    targets = {at}
        for owner in targets or {min(fetch_owners, default=PRIMARY)}:
            self.errors.setdefault(owner, []).append(error)

    def initial(self, introspection: JSONObject | None) -> Initial:
        errors = self.errors.pop(PRIMARY, [])
        data = self.layout.primary.shape(self.outcome.data, self.variables, errors, introspection)
        self.data = data
        self.reported.update(map(id, errors))
        pending = self.announce(PRIMARY) if data is not None else []
        if not self.expected:
            errors.extend(self.leftover())
        return Initial(data, errors, pending, bool(self.expected))

    def subsequent(self, ready: list[int]) -> Subsequent:
        delivered: list[Delivered] = []
        for fragment in ready:
            delivered.extend(self.complete(fragment, self.expected.pop(fragment)))
        pending: list[Pending] = []
        for fragment in ready:
            pending.extend(self.announce(fragment))
        last = not self.expected
        return Subsequent(delivered, pending, not last, self.leftover() if last else [])

    def announce(self, parent: int) -> list[Pending]:
        """The objects each fragment nested in `parent` (just sent) applies to: those at
        its path in the data sent, under an object `parent` completed with data. A
        fragment with none is settled at once, with the fragments nested in it."""
        announced: list[Pending] = []
        under = self.completed.get(parent, [])
        for fragment in self.children.get(parent, ()):
            found: list[tuple[ResponsePath, str]] = []
            for path, _ in _objects(self.data, fragment.path, ()):
                if not any(path[: len(at)] == at for at in under):
                    continue  # its parent's object there came back null (or is not one)
                raw = _at(self.outcome.data, path)
                runtime = self.runtime(fragment, raw) if isinstance(raw, dict) else None
                if runtime is not None:
                    found.append((path, runtime))
            lacking = self.lacking(fragment, found)
            if lacking:
                pending = [Pending(str(next(self.ids)), fragment, *at) for at in lacking]
                self.expected[fragment.id] = pending
                announced.extend(pending)
            else:
                # Nothing to send: settled now, its nested fragments announced in its place.
                self.completed[fragment.id] = [path for path, _ in found]
                announced.extend(self.announce(fragment.id))
        return announced

    def lacking(
        self, fragment: DeferredFragment, objects: list[tuple[ResponsePath, str]]
    ) -> list[tuple[ResponsePath, str]]:
        """The objects to announce the fragment on: all of them, but in v0.2, once the
        fragment's fetches have all landed (with no error), only those the client lacks
        a field of (graphql-js decides per object: one whose fields it all holds, e.g.
        under an empty list, gets no `pending`). Their shaped objects are kept for its
        part. A fragment with nested fragments is announced on all of its objects or
        none: its nested ones are announced once, when it completes."""
        if self.landed is None or not self.landed(fragment.id) or self.errors.get(fragment.id):
            return objects
        shaper = self.layout.fragments[fragment.id]
        shaped: dict[tuple[int, ResponsePath], JSONObject] = {}
        lacking: list[tuple[ResponsePath, str]] = []
        for path, runtime in objects:
            raw = _at(self.outcome.data, path)
            errors: list[JSONObject] = []
            if not isinstance(raw, dict):
                return objects
            data = shaper.shape_at(runtime, raw, self.variables, errors, path)
            if data is None or errors:
                return objects
            shaped[(fragment.id, path)] = data
            if unsent(_at(self.data, path), data):
                lacking.append((path, runtime))
        if lacking and self.children.get(fragment.id):
            lacking = objects
        self.shaped.update((key, shaped[key]) for key in ((fragment.id, p) for p, _ in lacking))
        return lacking

    def complete(self, fragment: int, objects: list[Pending]) -> list[Delivered]:
        errors = self.errors.pop(fragment, [])
        shaper = self.layout.fragments[fragment]
        delivered: list[Delivered] = []
        paths: list[ResponsePath] = []
        above: list[JSONObject] = []  # errors at an ancestor, sent with the nulls below it
        for pending in objects:
            path = pending.path
            mine = [e for e in errors if _under(e.get("path"), path)]
            errors = [e for e in errors if not _under(e.get("path"), path)]
            raw = _at(self.outcome.data, path)
            early = self.shaped.pop((fragment, path), None)
            if early is not None and not mine:
                data: JSONObject | None = early  # shaped when announced, without errors
            elif isinstance(raw, dict):
                data = shaper.shape_at(pending.runtime, raw, self.variables, mine, path)
            else:
                # A failed root field's object, nulled after it was sent: each null item
                # carries the error at the root field, which says why.
                data = None
                ancestors = [e for e in errors if _above(e.get("path"), path)]
                above.extend(e for e in ancestors if all(e is not a for a in above))
                mine.extend(ancestors)
            if (
                data is not None
                and self.landed is not None
                and nulls_held(_at(self.data, path), data)
            ):
                # v0.2: the null stops at the fragment, which fails; neither the client
                # nor the copy nested fragments and the actual cost read takes its data.
                data = None
            fresh_errors = [e for e in mine if id(e) not in self.reported]
            self.reported.update(map(id, mine))
            fresh = None
            if data is not None:
                paths.append(path)
                sent = _at(self.data, path)
                if self.landed is not None:  # v0.2: what the client lacks, each field once
                    fresh = unsent(sent, data)
                if isinstance(sent, dict):
                    _merge(sent, data)  # what the client holds: nested fragments find it
            delivered.append(Delivered(pending, data, mine, fresh, fresh_errors))
        errors = [e for e in errors if all(e is not a for a in above)]
        if errors:
            first = delivered[0]  # the fragment's, about no object it completes
            if first.fresh_errors is not None:
                first.fresh_errors.extend(e for e in errors if id(e) not in self.reported)
            first.errors.extend(errors)
            self.reported.update(map(id, errors))
        self.completed[fragment] = paths
        return delivered

    def runtime(self, fragment: DeferredFragment, raw: JSONObject) -> str | None:
        """The object's type when the fragment applies to it, else None."""
        typename = raw.get("__typename")
        parent = self.schema.get_type(fragment.parent_type)
        if isinstance(parent, GraphQLObjectType):
            other = self.schema.get_type(typename) if isinstance(typename, str) else None
            if isinstance(other, GraphQLObjectType) and other is not parent:
                return None  # nested in `... on Parent` under an abstract field: another type
            name = parent.name
        else:
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
        """Errors no part sent claimed (their fragment applied to no object), each once
        and none a part sent already (an error goes to every part its fetch served)."""
        left: list[JSONObject] = []
        for errors in self.errors.values():
            for error in errors:
                if id(error) not in self.reported:
                    self.reported.add(id(error))
                    left.append(error)
        self.errors.clear()
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


def _above(error_path: object, path: tuple[str | int, ...]) -> bool:
    """The error is at a proper ancestor of `path`."""
    return (
        isinstance(error_path, list)
        and len(error_path) < len(path)
        and tuple(error_path) == path[: len(error_path)]
    )
