"""The plan walker: run a `QueryPlan`, merging every fetch into one response tree.

Sequence runs children in order, Parallel concurrently (asyncio), Flatten runs
its fetch on the objects at its path, Condition branches on a boolean variable.
A failed fetch adds errors and leaves its fields out; the rest still runs.

A subgraph's answer is checked for the shape federation promises before it is
merged: root `data` an object, `_entities` a list with one object (or null) per
representation sent. What breaks that is an error (RESPONSE_VALIDATION_FAILED)
at every client path the broken part was to fill, unless the subgraph's own
errors already point there; values inside are checked later, while shaping.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TypeGuard, assert_never

from graphql import (
    BooleanValueNode,
    FieldNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionNode,
    VariableNode,
    parse,
)

from supergraph.errors import (
    RESPONSE_VALIDATION_FAILED,
    SUBGRAPH_TIMEOUT,
    SUBREQUEST_HTTP_ERROR,
    graphql_error,
)
from supergraph.executor.cache import memoize
from supergraph.executor.contextual import combined_response, contextual_batch
from supergraph.executor.deadlines import FetchTimeouts
from supergraph.executor.errors import subgraph_error
from supergraph.executor.footprint import OBJECTS
from supergraph.executor.lru import LRU
from supergraph.executor.merge import deep_merge, merge_entities_into
from supergraph.executor.paths import collect_objects, locate_objects
from supergraph.executor.representations import (
    RepresentationBuilder,
    apply_rewrites,
    representation_builder,
)
from supergraph.executor.transport import (
    SubgraphRequest,
    SubgraphTransport,
    SubgraphTransportError,
)
from supergraph.executor.typeinfo import PossibleTypes
from supergraph.planner.plan import (
    Condition,
    Fetch,
    Flatten,
    Parallel,
    PlanNode,
    QueryPlan,
    RequiresSelection,
    Sequence,
)
from supergraph.telemetry import record, tracing
from supergraph.types import JSONObject, PlanPath, ResponsePath, Variables

_Requires = tuple[RequiresSelection, ...]

logger = logging.getLogger(__name__)


FetchObserver = Callable[[str, float, str], None]
"""Called after each subgraph request: (subgraph, seconds, outcome), the outcome "ok",
"timeout", "http_error" or "response_too_large"."""


@dataclass(frozen=True, slots=True)
class ExecutorOptions:
    """Per-subgraph timeouts in seconds (None: no timeout), and a fetch observer (metrics)."""

    default_timeout: float | None = 30.0
    timeouts: Mapping[str, float | None] = field(default_factory=dict)
    observer: FetchObserver | None = None

    def timeout_for(self, subgraph: str) -> float | None:
        return self.timeouts.get(subgraph, self.default_timeout)


@dataclass(slots=True)
class ExecutionOutcome:
    """Merged subgraph data (keys as the subgraph operations named them) and errors."""

    data: JSONObject
    errors: list[JSONObject]


class PlanExecutor:
    """Runs plans; one instance per router, shared by all requests."""

    def __init__(
        self,
        transport: SubgraphTransport,
        types: PossibleTypes,
        options: ExecutorOptions | None = None,
    ) -> None:
        self.transport = transport
        self.types = types
        self.options = options or ExecutorOptions()
        # By id(requires): the planner shares one tuple between equal requires, so
        # plans share builders. The entry holds the tuple, so its id is not reused meanwhile.
        # Bounded by count: requires come from the schema's key and @requires field sets
        # (aliases are the planner's), not from client text.
        self._builders: LRU[int, tuple[_Requires, RepresentationBuilder]] = LRU(4096)
        self._timeouts: FetchTimeouts | None = None

    def fetch_timeouts(self) -> FetchTimeouts:
        """The running loop's fetch timeouts (one shared timer: deadlines.py)."""
        loop = asyncio.get_running_loop()
        timeouts = self._timeouts
        if timeouts is None or timeouts.loop is not loop:
            timeouts = self._timeouts = FetchTimeouts(loop)
        return timeouts

    def representation_builder(self, fetch: Fetch) -> RepresentationBuilder:
        requires = fetch.requires
        assert requires is not None
        cached = self._builders.get(id(requires))
        if cached is not None and cached[0] is requires:
            return cached[1]
        builder = representation_builder(requires, self.types)
        self._builders.put(id(requires), (requires, builder))
        return builder

    async def execute(
        self,
        plan: QueryPlan,
        variables: Variables,
        headers: Mapping[str, str] | None = None,
        headers_by_subgraph: Mapping[str, Mapping[str, str]] | None = None,
        *,
        into: ExecutionOutcome | None = None,
        on_fetch: Callable[[Fetch, bool], None] | None = None,
    ) -> ExecutionOutcome:
        """Run `plan`; `headers` go with every subgraph request of this execution,
        except to the subgraphs named in `headers_by_subgraph`, which get theirs.

        `into`: the outcome to fill as fetches land (a reader sees it grow: @defer
        sends parts before the plan is done); `on_fetch(fetch, failed)`: called after
        each fetch has merged its answer (or its failure: an error in the answer, so
        `failed` False), and with `failed` True when the fetch raised (a bug): its
        answer is half merged and the run is failing, so no part may be built from it."""
        run = _Run(self, variables, headers, headers_by_subgraph)
        if into is not None:
            run.data, run.errors = into.data, into.errors
        run.on_fetch = on_fetch
        if plan.node is not None:
            await run.node(plan.node, ())
        return ExecutionOutcome(run.data, run.errors)

    async def execute_event(
        self,
        primary: Fetch,
        event: JSONObject,
        rest: PlanNode | None,
        variables: Variables,
        headers: Mapping[str, str] | None = None,
        headers_by_subgraph: Mapping[str, Mapping[str, str]] | None = None,
    ) -> ExecutionOutcome:
        """One subscription event: `event` (a GraphQL response the `primary` subscription
        fetch delivered) merged as that fetch's answer, then `rest` of the plan over it."""
        run = _Run(self, variables, headers, headers_by_subgraph)
        run.merge_root(primary, event)
        if rest is not None:
            await run.node(rest, ())
        return ExecutionOutcome(run.data, run.errors)


class _Run:
    """The state of one execution: the response tree and the errors so far."""

    __slots__ = (
        "data",
        "errors",
        "executor",
        "failed_roots",
        "headers",
        "headers_by_subgraph",
        "on_fetch",
        "variables",
    )

    def __init__(
        self,
        executor: PlanExecutor,
        variables: Variables,
        headers: Mapping[str, str] | None,
        headers_by_subgraph: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self.executor = executor
        self.variables = variables
        self.headers = headers
        self.headers_by_subgraph = headers_by_subgraph
        self.data: JSONObject = {}
        self.errors: list[JSONObject] = []
        self.on_fetch: Callable[[Fetch, bool], None] | None = None
        # Root response names a fetch failed (an error at the name itself): null, even
        # where another fetch of a field split across subgraphs answered its other part.
        self.failed_roots: set[str] = set()

    async def node(self, node: PlanNode, path: PlanPath) -> None:
        match node:
            case Fetch():
                await self.fetch(node, path)
            case Flatten(path=flatten_path, node=child):
                await self.node(child, (*path, *flatten_path))
            case Sequence(nodes=children):
                for child in children:
                    await self.node(child, path)
            case Parallel(nodes=children):
                if len(children) == 1:
                    await self.node(children[0], path)
                else:
                    await self.parallel(children, path)
            case Condition():
                branch = node.if_clause if self.variables.get(node.condition) else node.else_clause
                if branch is not None:
                    await self.node(branch, path)
            case _:
                assert_never(node)

    async def parallel(self, children: tuple[PlanNode, ...], path: PlanPath) -> None:
        """The children at once, in a task group: when one raises (a bug: a failed
        fetch is an error in the answer, not an exception) or the run is cancelled,
        the others are cancelled and awaited before this returns, so no fetch outlives
        its run. The first exception raised is re-raised as itself, not as a group."""
        try:
            async with asyncio.TaskGroup() as group:
                for child in children:
                    group.create_task(self.node(child, path))
        except BaseExceptionGroup as raised:
            raise _first(raised) from None

    async def fetch(self, fetch: Fetch, path: PlanPath) -> None:
        try:
            if tracing.current_recording() is None:  # off, or this trace is not sampled
                await self._fetch(fetch, path)
            else:
                attributes = {
                    "subgraph.name": fetch.service_name,
                    "supergraph.plan.path": _shown(path),
                }
                with tracing.span("fetch", attributes):
                    await self._fetch(fetch, path)
        except Exception:
            # It raised: whoever waits on it (a @defer part) must not wait on, nor use
            # what it half merged; inside a Parallel the run is not done yet (its task
            # group is cancelling the siblings), so the waiter is told it failed.
            if self.on_fetch is not None:
                self.on_fetch(fetch, True)
            raise
        if self.on_fetch is not None:
            self.on_fetch(fetch, False)

    async def _fetch(self, fetch: Fetch, path: PlanPath) -> None:
        variables = {
            name: self.variables[name] for name in fetch.variable_usages if name in self.variables
        }
        if fetch.requires is None:
            await self.root_fetch(fetch, variables)
        else:
            await self.entity_fetch(fetch, path, variables)

    async def root_fetch(self, fetch: Fetch, variables: JSONObject) -> None:
        response = await self.send(fetch, variables)
        if isinstance(response, _Failure):
            # The failure nulls every root field this fetch was to answer: say so at each.
            for name in root_response_names(fetch.operation):
                self.errors.append(response.error_at([name]))
                self.failed_roots.add(name)
            self.null_failed_roots()
            return
        self.merge_root(fetch, response)

    def merge_root(self, fetch: Fetch, response: JSONObject) -> None:
        """A root fetch's answer (a subscription event's too) into the response tree."""
        data = response.get("data")
        errors = _errors_of(response)
        if isinstance(data, dict):
            if fetch.output_rewrites:
                apply_rewrites(data, fetch.output_rewrites, self.executor.types)
            deep_merge(self.data, data)
        elif data is not None or not errors:
            # Not an object, or null with nothing said why: each root field it was to answer.
            explained = {_first_key(raw) for raw in errors}
            for name in root_response_names(fetch.operation):
                self.failed_roots.add(name)
                if name not in explained:
                    message = f"data is {_describe(data)}, expected an object"
                    self.errors.append(_malformed(fetch, message, [name]))
        for raw in errors:
            raw_path = raw.get("path") if isinstance(raw, dict) else None
            client_path = list(raw_path) if isinstance(raw_path, list) and raw_path else None
            if client_path is not None and len(client_path) == 1:
                self.failed_roots.add(str(client_path[0]))
            self.errors.append(subgraph_error(raw, fetch.service_name, client_path))
        self.null_failed_roots()

    def null_failed_roots(self) -> None:
        """A root field a fetch failed is null (its error says so), also where another
        fetch of a field the plan split across subgraphs answered the field's other part:
        the answer does not depend on whether the plan split it."""
        for name in self.failed_roots:
            if self.data.get(name) is not None:
                self.data[name] = None

    async def entity_fetch(self, fetch: Fetch, path: PlanPath, variables: JSONObject) -> None:
        if not selects_anything(fetch.operation, self.variables):
            # Every field it asks is skipped (conditions on two variables or more, which
            # no plan Condition expresses): the client selected nothing there, so
            # nothing there may fail.
            return
        if fetch.context_rewrites:
            await self.contextual_entity_fetch(fetch, path, variables)
            return
        types = self.executor.types
        build = self.executor.representation_builder(fetch)
        objects = collect_objects(self.data, path, types)
        representations, targets, indexes = build.batch(objects, fetch.input_rewrites, types)
        if not representations:
            return
        variables["representations"] = representations
        response = await self.send(fetch, variables)
        if isinstance(response, _Failure):
            self.entity_failure(response, path)
            return
        errors = _errors_of(response)
        data = response.get("data")
        entities = data.get("_entities") if isinstance(data, dict) else None
        count = len(representations)
        if _is_list_of(entities, count):
            self.merge_entities(fetch, entities, path, targets, indexes, count)
        else:
            problem = f"_entities is {_describe(entities)}, expected a list of {count}"
            self.malformed_entities(fetch, path, errors, targets, indexes, count, problem)
        if errors:
            self.entity_errors(fetch, path, errors, targets, indexes, count)

    async def contextual_entity_fetch(
        self, fetch: Fetch, path: PlanPath, variables: JSONObject
    ) -> None:
        """An entity fetch whose @fromContext values may differ per entity (contextual.py)."""
        types = self.executor.types
        build = self.executor.representation_builder(fetch)
        batch = contextual_batch(self.data, fetch, path, types, build)
        if batch is None:
            return
        variables.update(batch.variables)
        sent = (
            fetch
            if batch.operation == fetch.operation
            else replace(fetch, operation=batch.operation)
        )
        response = await self.send(sent, variables)
        if isinstance(response, _Failure):
            self.entity_failure(response, path)
            return
        count = len(batch.firsts)
        problem = _contextual_problem(response, batch.offsets, count)
        response = combined_response(response, batch)
        errors = _errors_of(response)
        data = response.get("data")
        entities = data.get("_entities") if isinstance(data, dict) else None
        if problem is None and _is_list_of(entities, count):
            self.merge_entities(fetch, entities, path, batch.targets, batch.indexes, count)
        else:
            problem = problem or f"_entities is {_describe(entities)}, expected a list of {count}"
            self.malformed_entities(
                fetch, path, errors, batch.targets, batch.indexes, count, problem
            )
        if errors:
            self.entity_errors(fetch, path, errors, batch.targets, batch.indexes, count)

    def entity_failure(self, failure: _Failure, path: PlanPath) -> None:
        """Every object the fetch was to complete lacks its fields now: one error at
        each, so clients can tell which nulls the failure explains."""
        for _, at in locate_objects(self.data, path, self.executor.types):
            self.errors.append(failure.error_at(list(at)))

    def entity_errors(
        self,
        fetch: Fetch,
        path: PlanPath,
        errors: list[object],
        targets: list[JSONObject],
        indexes: list[int],
        count: int,
    ) -> None:
        """Subgraph errors at `_entities.i...` -> one error at each object that
        representation i stands for (several when one entity appears at several
        places), so every null the error explains has its error, as without
        de-duplication. Paths are computed only now: errors are rare."""
        paths = self.representation_paths(path, targets, indexes, count)
        for raw in errors:
            for client_path in _entity_error_paths(raw, paths):
                self.errors.append(subgraph_error(raw, fetch.service_name, client_path))

    def representation_paths(
        self, path: PlanPath, targets: list[JSONObject], indexes: list[int], count: int
    ) -> list[list[tuple[str | int, ...]]]:
        """Per representation, the client paths of the objects it stands for."""
        located = {id(obj): at for obj, at in locate_objects(self.data, path, self.executor.types)}
        paths: list[list[tuple[str | int, ...]]] = [[] for _ in range(count)]
        for obj, index in zip(targets, indexes, strict=True):
            at = located.get(id(obj))
            if at is not None:
                paths[index].append(at)
        return paths

    def merge_entities(
        self,
        fetch: Fetch,
        entities: list[object],
        path: PlanPath,
        targets: list[JSONObject],
        indexes: list[int],
        count: int,
    ) -> None:
        """Merge entity `indexes[i]` into `targets[i]`. A null entity (unknown to the
        subgraph) leaves its fields out; anything else that is no object is an error."""
        if fetch.output_rewrites:
            # An entity carries no `__typename` (not asked): its objects' type stands in.
            typenames: dict[int, object] = {}
            for obj, index in zip(targets, indexes, strict=True):
                typenames.setdefault(index, obj.get("__typename"))
            for index, entity in enumerate(entities):
                if isinstance(entity, dict):
                    apply_rewrites(
                        entity, fetch.output_rewrites, self.executor.types, typenames.get(index)
                    )
        invalid = merge_entities_into(targets, indexes, entities)
        if invalid:
            paths = self.representation_paths(path, targets, indexes, count)
            for index in sorted(invalid):
                message = f"an entity is {_describe(entities[index])}, expected an object or null"
                for at in paths[index]:
                    self.errors.append(_malformed(fetch, message, list(at)))

    def malformed_entities(
        self,
        fetch: Fetch,
        path: PlanPath,
        errors: list[object],
        targets: list[JSONObject],
        indexes: list[int],
        count: int,
        problem: str,
    ) -> None:
        """`_entities` unusable as a whole: nothing is merged, and every object it was
        to complete gets an error, unless a subgraph error already points at it."""
        explained: set[int] = set()
        for raw in errors:
            raw_path = raw.get("path") if isinstance(raw, dict) else None
            if isinstance(raw_path, list) and raw_path[:1] == ["_entities"]:
                if len(raw_path) == 1:
                    return  # the subgraph says the whole list failed
                if isinstance(raw_path[1], int):
                    explained.add(raw_path[1])
        paths = self.representation_paths(path, targets, indexes, count)
        for index, located in enumerate(paths):
            if index not in explained:
                for at in located:
                    self.errors.append(_malformed(fetch, problem, list(at)))

    async def send(self, fetch: Fetch, variables: JSONObject) -> JSONObject | _Failure:
        """The subgraph's response, or why there is none (the caller knows the paths)."""
        name = fetch.service_name
        headers = self.headers
        if self.headers_by_subgraph is not None:
            headers = self.headers_by_subgraph.get(name, headers)
        request = SubgraphRequest(fetch.operation, variables, fetch.operation_name, headers)
        options = self.executor.options
        counted = record.current()
        if counted is not None:
            counted.fetches += 1
        started = time.perf_counter()
        outcome = "ok"
        try:
            timeout = options.timeout_for(name)
            if timeout is None:
                return await self.executor.transport.send(name, request)
            async with self.executor.fetch_timeouts().after(timeout):
                return await self.executor.transport.send(name, request)
        except TimeoutError:
            outcome = "timeout"
            return _Failure(f"Request to subgraph '{name}' timed out", SUBGRAPH_TIMEOUT, name)
        except asyncio.CancelledError:
            # The run was cancelled (the client left, a sibling failed): not a success,
            # nor the subgraph's failure.
            outcome = "cancelled"
            raise
        except SubgraphTransportError as error:
            outcome = error.outcome
            return _Failure(str(error), error.code, name)
        except Exception:
            # A transport bug must not fail the other fetches; the log keeps the trace.
            outcome = "http_error"
            logger.exception("fetch from subgraph %s failed", name)
            return _Failure(f"HTTP fetch failed from '{name}'", SUBREQUEST_HTTP_ERROR, name)
        finally:
            if options.observer is not None:
                options.observer(name, time.perf_counter() - started, outcome)


@dataclass(frozen=True, slots=True)
class _Failure:
    """A subgraph request that brought no response at all."""

    message: str
    code: str
    service_name: str

    def error_at(self, path: ResponsePath) -> JSONObject:
        return graphql_error(
            self.message, path=path, code=self.code, service_name=self.service_name
        )


# Keyed by subgraph operation texts, which carry the client's literals (a 1.5 MB
# string argument makes a 1.5 MB text): bounded by bytes too.
@memoize(max_entries=1024, max_bytes=4 << 20, weigh=OBJECTS.of)
def root_response_names(operation: str) -> tuple[str, ...]:
    """The response names of an operation's top-level fields (parsed only on failures)."""
    names: list[str] = []
    for definition in parse(operation, no_location=True).definitions:
        if isinstance(definition, OperationDefinitionNode):
            for selection in definition.selection_set.selections:
                if isinstance(selection, FieldNode) and selection.name.value != "__typename":
                    names.append((selection.alias or selection.name).value)
    return tuple(dict.fromkeys(names))


_Conditions = tuple[tuple[str, bool], ...]
"""Variable conditions that must all hold: (variable, the value that includes)."""


def _conditional(operation: str) -> bool:
    """Whether the operation text has any `@skip`/`@include` at all."""
    return "@skip" in operation or "@include" in operation


def selects_anything(operation: str, variables: Variables) -> bool:
    """Does the entity fetch `operation` select any field on its entities with these
    variables (its @skip/@include conditions)?"""
    if not _conditional(operation):
        return True  # nearly every fetch: no lookup in the memo below
    alternatives = entity_field_conditions(operation)
    return alternatives is None or any(
        all(bool(variables.get(name)) == wanted for name, wanted in conditions)
        for conditions in alternatives
    )


@memoize(max_entries=1024, max_bytes=4 << 20, weigh=OBJECTS.of)
def entity_field_conditions(operation: str) -> tuple[_Conditions, ...] | None:
    """Per field an entity fetch selects on its entities (`__typename` too), the variable
    conditions under which it is included; None when one is included whatever the
    variables (most fetches), or when the operation has a shape not looked into."""
    if not _conditional(operation):
        return None
    alternatives: list[_Conditions] = []
    for definition in parse(operation, no_location=True).definitions:
        if not isinstance(definition, OperationDefinitionNode):
            return None
        for selection in definition.selection_set.selections:
            if not isinstance(selection, FieldNode) or selection.selection_set is None:
                return None
            if _always_selects(selection.selection_set.selections, (), alternatives):
                return None
    return tuple(alternatives)


def _always_selects(
    selections: Iterable[SelectionNode], around: _Conditions, alternatives: list[_Conditions]
) -> bool:
    """Walk the selections of `_entities`: True when a field is included whatever the
    variables; else each field's conditions go into `alternatives`."""
    for selection in selections:
        own = _own_conditions(selection)
        if own is None:
            continue  # excluded by a literal
        conditions = (*around, *own)
        if isinstance(selection, FieldNode):
            if not conditions:
                return True
            alternatives.append(conditions)
        elif isinstance(selection, InlineFragmentNode):
            if _always_selects(selection.selection_set.selections, conditions, alternatives):
                return True
        else:
            return True  # a fragment spread: not looked into
    return False


def _own_conditions(selection: SelectionNode) -> _Conditions | None:
    """A selection's own @skip/@include as variable conditions; None: a literal excludes it."""
    out: list[tuple[str, bool]] = []
    for directive in selection.directives or ():
        name = directive.name.value
        if name not in ("skip", "include"):
            continue
        wanted = name == "include"
        for argument in directive.arguments or ():
            value = argument.value
            if isinstance(value, VariableNode):
                out.append((value.name.value, wanted))
            elif isinstance(value, BooleanValueNode) and value.value != wanted:
                return None
    return tuple(out)


def _first(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The first exception of a (possibly nested) task group's."""
    first = group.exceptions[0]
    return _first(first) if isinstance(first, BaseExceptionGroup) else first


def _shown(path: PlanPath) -> str:
    """A plan path as the span attribute shows it: `/` for the root, `/topProducts/@/reviews`."""
    return "/" + "/".join(str(part) for part in path)


def _errors_of(response: JSONObject) -> list[object]:
    errors = response.get("errors")
    return errors if isinstance(errors, list) else []


def _is_list_of(entities: object, count: int) -> TypeGuard[list[object]]:
    return type(entities) is list and len(entities) == count


def _contextual_problem(response: JSONObject, offsets: list[int], count: int) -> str | None:
    """What is wrong with the aliased `_entities` lists of a contextual fetch, if anything."""
    data = response.get("data")
    if not offsets or not isinstance(data, dict):
        return None
    for i, start in enumerate(offsets):
        expected = (offsets[i + 1] if i + 1 < len(offsets) else count) - start
        part = data.get(f"_{i}")
        if not _is_list_of(part, expected):
            return f"_entities is {_describe(part)}, expected a list of {expected}"
    return None


def _describe(value: object) -> str:
    """A JSON value's kind, for error messages (never the value: it may be large)."""
    if value is None:
        return "null"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "a string" if isinstance(value, str) else type(value).__name__


def _first_key(raw: object) -> object:
    path = raw.get("path") if isinstance(raw, dict) else None
    return path[0] if isinstance(path, list) and path else None


def _malformed(fetch: Fetch, problem: str, path: ResponsePath) -> JSONObject:
    return graphql_error(
        f"Invalid response from subgraph '{fetch.service_name}': {problem}.",
        path=path,
        code=RESPONSE_VALIDATION_FAILED,
        service_name=fetch.service_name,
    )


def _entity_error_paths(
    raw: object, paths: list[list[tuple[str | int, ...]]]
) -> list[ResponsePath | None]:
    """`_entities.i.rest` -> the client path of each object representation i stands for
    (`[None]`: an error the router cannot place, reported once without a path)."""
    raw_path = raw.get("path") if isinstance(raw, dict) else None
    if not isinstance(raw_path, list) or not raw_path or raw_path[0] != "_entities":
        return [None]
    if len(raw_path) == 1:
        # The whole `_entities` field failed: every object of the fetch.
        every: list[ResponsePath | None] = [list(at) for located in paths for at in located]
        return every or [None]
    index = raw_path[1]
    if not isinstance(index, int) or not 0 <= index < len(paths) or not paths[index]:
        return [None]
    rest = raw_path[2:]
    return [[*at, *rest] for at in paths[index]]
