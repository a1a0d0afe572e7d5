"""The request pipeline: parse -> validate -> coerce variables -> plan -> execute -> shape.

    Router.execute(GraphQLRequest) -> GraphQLResponse

Parse + validation results are cached per document text, prepared operations
(plan, shaper, introspection) per (document text, operation name): each cache is
bounded by entries and by bytes, with admission (see cache.py).
Nothing here knows HTTP: the response carries a `status` hint for the edge.
"""

from __future__ import annotations

import dataclasses
import logging
import pickle
import sys
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

import orjson
from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLArgument,
    GraphQLDirective,
    GraphQLError,
    GraphQLField,
    GraphQLNamedType,
    GraphQLSchema,
    GraphQLWrappingType,
    MaxIntrospectionDepthRule,
    OperationDefinitionNode,
    OperationType,
    VariableDefinitionNode,
    execute_sync,
    get_introspection_query,
    specified_rules,
    validate,
)
from graphql.execution.values import get_variable_values

from supergraph.authorization import (
    NO_REQUIREMENTS,
    AuthorizationOptions,
    OperationRequirements,
    analyze,
    denied_indexes,
    denied_paths,
    guarded_nodes,
    remove_fields,
)
from supergraph.errors import (
    BAD_REQUEST,
    BAD_USER_INPUT,
    BATCH_LIMIT_EXCEEDED,
    COMPUTE_JOB_FAILED,
    GRAPHQL_PARSE_FAILED,
    GRAPHQL_VALIDATION_FAILED,
    MAX_FETCHES_EXCEEDED,
    MAX_PLANNING_STEPS_EXCEEDED,
    MAX_QUERY_LENGTH_EXCEEDED,
    MAX_TOKENS_EXCEEDED,
    QUERY_PLANNING_FAILED,
    REQUEST_CONCURRENCY_LIMITED,
    UNAUTHORIZED_FIELD_OR_TYPE,
    graphql_error,
    internal_error_body,
)
from supergraph.executor.cache import WeightedCache
from supergraph.executor.dedup import unshared_requests
from supergraph.executor.errors import UNAUTHORIZED_MESSAGE
from supergraph.executor.execute import ExecutorOptions, PlanExecutor
from supergraph.executor.footprint import Footprint
from supergraph.executor.introspection import (
    Introspection,
    IntrospectionCache,
    IntrospectionResult,
    IntrospectionTooLarge,
    PendingResult,
)
from supergraph.executor.selections import FieldSelection
from supergraph.executor.shaping import ResponseShaper, SchemaShapes, ShapingOverBudget
from supergraph.executor.transport import SubgraphRequest, SubgraphTransport
from supergraph.executor.typeinfo import PossibleTypes
from supergraph.limits import INTROSPECTION_MIN_BYTES, OperationLimits, measure
from supergraph.limits.budget import WorkBudget
from supergraph.limits.fetches import count_fetches, fetches_message
from supergraph.operation.fast_validation import bounded_rules, explain_abort, rules_to_run
from supergraph.operation.locate import Position, locate_errors, variable_locations
from supergraph.operation.parsing import SourceTooLong, TokenLimitExceeded, parse_document
from supergraph.pipeline.compute import (
    CONCURRENCY_LIMITED_MESSAGE,
    DEFAULT_MAX_QUEUED,
    ComputeBusy,
    ComputeJobs,
)
from supergraph.pipeline.compute_process import (
    COMPUTE_JOB_FAILED_MESSAGE,
    MAX_PROCESSES,
    ComputeJobFailed,
    ProcessSpec,
    RemoteJob,
)
from supergraph.pipeline.request import GraphQLRequest
from supergraph.pipeline.response import GraphQLResponse
from supergraph.planner import PlanningBudgetExceeded, PlanningError, build_query_plan
from supergraph.planner.plan import QueryPlan
from supergraph.planner.render import plan_to_json, plan_to_text
from supergraph.request_id import current as request_id
from supergraph.schema import Authorization, Supergraph, load_supergraph
from supergraph.types import JSONObject

logger = logging.getLogger(__name__)

T = TypeVar("T")

Planner = Callable[[Supergraph, DocumentNode, "str | None"], QueryPlan]

DEFAULT_LOOP_SHAPING_FIELDS = 1_000
"""Fields a response may need shaped on the event loop (about 0.5 ms; the simple
queries' few dozen to a few hundred stay there); a larger one is shaped on the
compute worker (see `Router._shape`)."""

DEFAULT_CACHE_ENTRIES = 2_000
DEFAULT_CACHE_BYTES = 32 << 20
"""Per cache (documents, plans, authorized plan variants): 2,000 typical prepared
operations weigh 9-28 MB (4.4 KB each on the bundled supergraph, 13.8 KB on the
216-type benchmark one), so the entry limit binds for normal traffic and the byte
budget for large operations (docs/router-config.md)."""


@dataclass(frozen=True, slots=True)
class RouterOptions:
    executor: ExecutorOptions = field(default_factory=ExecutorOptions)
    expose_query_plan: bool = False
    document_cache_size: int = DEFAULT_CACHE_ENTRIES
    plan_cache_size: int = DEFAULT_CACHE_ENTRIES
    document_cache_bytes: int = DEFAULT_CACHE_BYTES
    plan_cache_bytes: int = DEFAULT_CACHE_BYTES
    """Also the budget of the authorized plan variants (`authorization.variant_cache_size`)."""
    extra_rules: tuple[type[ASTValidationRule], ...] = ()
    """Validation rules run after the spec's; an error's own `extensions.code` is
    kept, else it gets GRAPHQL_VALIDATION_FAILED."""
    authorization: AuthorizationOptions = field(default_factory=AuthorizationOptions)
    """How @authenticated/@requiresScopes/@policy are enforced (always on)."""
    limits: OperationLimits = field(default_factory=OperationLimits)
    """Tokens (the parser's), then the measured limits right after parsing (before
    validation), introspection bytes before execution, fetches after planning."""
    compute_jobs: bool = True
    """Parse, validate, plan and introspect what no cache holds on a worker thread
    (compute.py), not on the event loop; False: inline (as a library, in tests)."""
    compute_max_queued: int = DEFAULT_MAX_QUEUED
    compute_processes: int = 0
    """With compute jobs on: child processes that compile fresh operations (parse,
    validate, plan), so that work does not hold this process's interpreter lock
    (compute_process.py); 0: on the worker thread. Served routers default to 1
    (router.yaml `compute_jobs.processes`); needs a supergraph loaded from SDL and a
    planner and validation rules importable by name, else the thread is used."""
    loop_shaping_fields: int | None = DEFAULT_LOOP_SHAPING_FIELDS
    """With compute jobs on: the most fields a response is shaped with on the event
    loop; a larger one is shaped on the compute worker (None: always on the loop)."""


@dataclass(frozen=True, slots=True)
class _Document:
    """A document's parse and validation outcome: errors, or (fresh only) its AST.

    The cache keeps no AST of a valid document (`cached()`): parsing again is cheap
    next to planning, and only a plan cache miss needs the AST again. Kept, it
    would cost more than the prepared operation built from it.
    """

    document: DocumentNode | None
    errors: tuple[JSONObject, ...] = ()
    tokens: int = 0
    fields: int = 0
    """Its work (tokens parsed, fields of its largest operation, fragments expanded):
    what it takes from a batch's budget."""

    def cached(self) -> _Document:
        """What the document cache keeps: everything but the AST."""
        if self.document is None:
            return self
        return _Document(None, self.errors, self.tokens, self.fields)


# A document entry weighs its key text, plus its errors when it has any.
_DOCUMENT_FOOTPRINT = Footprint()


def _prepared_footprint(shapes: SchemaShapes) -> Footprint:
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


@dataclass(frozen=True, slots=True)
class PreparedOperation:
    """Everything computed once per (document, operation name).

    It lives as long as its plan cache entry, so it holds no AST beyond the
    variable definitions (the shaper compiles the selections it needs).
    """

    kind: OperationType
    name: str | None
    variable_definitions: tuple[VariableDefinitionNode, ...]
    plan: QueryPlan
    shaper: ResponseShaper
    introspection: Introspection | None
    requirements: OperationRequirements = NO_REQUIREMENTS
    """Guarded selections of the operation; empty when no directive applies."""
    variable_locations: _VariableLocations | None = None
    """Where its variable definitions are in the text (errors about variable values)."""


@dataclass(frozen=True, slots=True)
class _Compiled:
    """What a compile job brings back to the event loop (see `Router._compile`)."""

    document: _Document
    document_weight: int
    prepared: PreparedOperation | GraphQLResponse | None = None
    prepared_weight: int | None = None


class _VariableLocations:
    """Line and column of an operation's variable definitions: a few integers, found
    in the text the first time a request's variables are wrong (the cached operation
    keeps no AST with locations, nor tokens)."""

    __slots__ = ("definition", "found")

    def __init__(self, definition: int) -> None:
        self.definition = definition
        """The operation's index among the document's definitions."""
        self.found: tuple[Position, ...] | None = None

    def of(self, query: str) -> tuple[Position, ...]:
        if self.found is None:
            self.found = variable_locations(query, self.definition)
        return self.found


class Router:
    """The router core: one per loaded supergraph, shared by every request."""

    def __init__(
        self,
        supergraph: Supergraph,
        transport: SubgraphTransport,
        options: RouterOptions | None = None,
        *,
        planner: Planner = build_query_plan,
    ) -> None:
        self.supergraph = supergraph
        self.schema: GraphQLSchema = supergraph.api_schema
        self.options = options or RouterOptions()
        steps = self.options.limits.max_planning_steps
        self._planner = (
            partial(build_query_plan, max_steps=steps) if planner is build_query_plan else planner
        )
        self.transport = transport
        # The full supergraph schema knows types the API schema hides (inaccessible).
        self._executor = PlanExecutor(
            transport, PossibleTypes(supergraph.schema), self.options.executor
        )
        limits = self.options.limits
        rules = specified_rules
        if not limits.introspection_max_depth:
            rules = tuple(r for r in rules if r is not MaxIntrospectionDepthRule)
        self._rules = (*rules, *self.options.extra_rules)
        self.jobs = ComputeJobs(self.options.compute_max_queued, self._process_spec())
        self.shaped_off_loop = 0
        """Responses shaped on the compute worker (see `_shape`)."""
        self.shaping_restarts = 0
        """Of those, the ones first started on the loop, past the budget (wasted work)."""
        # Introspection results by selection: static per schema (see introspection.py).
        self.introspection = IntrospectionCache()
        self._auto_introspection_bytes: int | None = None
        # Field shapes, leaf entries and selections every cached operation shares.
        self._shapes = SchemaShapes(self.schema)
        options = self.options
        self.documents: WeightedCache[str, _Document] = WeightedCache(
            max_entries=options.document_cache_size,
            max_bytes=options.document_cache_bytes,
            weigh=_DOCUMENT_FOOTPRINT.of,
        )
        weigh_prepared = _prepared_footprint(self._shapes).of
        self.plans: WeightedCache[tuple[str, str | None], PreparedOperation] = WeightedCache(
            max_entries=options.plan_cache_size,
            max_bytes=options.plan_cache_bytes,
            weigh=weigh_prepared,
        )
        # Prepared operations with the selections some callers may not see removed.
        self.authorized_plans: WeightedCache[
            tuple[str, str | None, frozenset[int]], PreparedOperation
        ] = WeightedCache(
            max_entries=options.authorization.variant_cache_size,
            max_bytes=options.plan_cache_bytes,
            weigh=weigh_prepared,
        )

    async def execute(
        self,
        request: GraphQLRequest,
        *,
        allow_mutations: bool = True,
        budget: WorkBudget | None = None,
    ) -> GraphQLResponse:
        """`budget`: what the batch this request belongs to has left (None: alone)."""
        try:
            return await self._execute(request, allow_mutations, budget)
        except ComputeBusy:
            error = graphql_error(CONCURRENCY_LIMITED_MESSAGE, code=REQUEST_CONCURRENCY_LIMITED)
            return GraphQLResponse({"errors": [error]}, "unavailable")
        except ComputeJobFailed:
            error = graphql_error(COMPUTE_JOB_FAILED_MESSAGE, code=COMPUTE_JOB_FAILED)
            return GraphQLResponse({"errors": [error]}, "unavailable")
        except Exception:
            # Never leak internals: the trace goes to the log, the client gets a code.
            logger.exception("request %s failed", request_id())
            return GraphQLResponse(internal_error_body(), "internal_error")

    async def _execute(
        self, request: GraphQLRequest, allow_mutations: bool, budget: WorkBudget | None
    ) -> GraphQLResponse:
        query = request.query
        if not isinstance(query, str) or not query.strip():
            return _request_error(
                graphql_error("The request has no GraphQL query.", code=BAD_REQUEST)
            )
        prepared = await self._prepare_request(query, request.operation_name, budget)
        if isinstance(prepared, GraphQLResponse):
            return prepared
        if prepared.kind is OperationType.MUTATION and not allow_mutations:
            return GraphQLResponse(
                {"errors": [graphql_error("Mutations cannot be sent over GET.", code=BAD_REQUEST)]},
                "method_not_allowed",
            )
        if not prepared.requirements.empty:
            authorized = await self._authorize(query, request, prepared)
            if isinstance(authorized, GraphQLResponse):
                return authorized
            prepared = authorized
        raw_variables = request.variables or {}
        coerced = get_variable_values(
            self.schema, prepared.variable_definitions, dict(raw_variables)
        )
        if isinstance(coerced, list):
            return _request_error_list(self._variable_errors(query, prepared, coerced))
        # graphql-core 3.3 returns VariableValues(sources, coerced); 3.2 a plain dict.
        values: dict[str, Any] = coerced if isinstance(coerced, dict) else coerced.coerced
        # Subgraphs get the client's own values (they coerce them by their own
        # schema, defaults included); coerced values only fill in operation defaults.
        variables = {name: raw_variables.get(name, value) for name, value in values.items()}
        errors: list[JSONObject] = []
        introspection = None
        if prepared.introspection is not None:
            # Before any fetch: a refusal must not follow subgraph work.
            answered = await self._introspect(prepared.introspection, variables, errors, budget)
            if isinstance(answered, GraphQLResponse):
                return answered
            introspection = answered
        # A mutation's later fetches must see its writes: none of them joins another's.
        with unshared_requests(prepared.kind is OperationType.MUTATION):
            outcome = await self._executor.execute(
                prepared.plan, variables, request.subgraph_headers, request.subgraph_headers_by_name
            )
        errors[:0] = outcome.errors
        data = await self._shape(prepared.shaper, outcome.data, variables, errors, introspection)
        body: JSONObject = {"data": data}
        if errors:
            body["errors"] = errors
        if self._wants_plan(request):
            plan = prepared.plan
            body["extensions"] = {
                "queryPlan": {"object": plan_to_json(plan), "text": plan_to_text(plan)}
            }
        return GraphQLResponse(body, operation_name=prepared.name)

    async def _shape(
        self,
        shaper: ResponseShaper,
        data: JSONObject,
        variables: dict[str, Any],
        errors: list[JSONObject],
        introspection: JSONObject | None,
    ) -> JSONObject | None:
        """The client's data, shaped on the event loop while that takes at most
        `loop_shaping_fields` fields, else on the compute worker, ahead of the queued
        compilations. Shaping is pure Python: there the loop's other requests take the
        interpreter lock back within the switch interval, where on the loop they would
        wait for all of it (a 60 KB answer of 3,300 fields: ~1.5 ms, ~5 ms the first
        time). Whether a response is large is known as it is shaped: a run on the loop
        stops once past the budget and starts again on the worker; the shaper keeps
        the largest work it saw, so an operation that once needed the worker goes
        there at once (its first run on the loop costs the budget at most)."""
        budget = self.options.loop_shaping_fields
        if not self.options.compute_jobs or budget is None:
            return shaper.shape(data, variables, errors, introspection)
        if shaper.work <= budget:
            try:
                return shaper.shape(data, variables, errors, introspection, budget)
            except ShapingOverBudget:
                self.shaping_restarts += 1
        self.shaped_off_loop += 1
        return await self.jobs.run_prompt(
            lambda: shaper.shape(data, variables, errors, introspection)
        )

    async def _prepare_request(
        self, query: str, operation_name: str | None, budget: WorkBudget | None
    ) -> PreparedOperation | GraphQLResponse:
        """The prepared operation, from the caches (on the event loop); what they do not
        hold is computed as compute jobs, off the loop (compute.py). A batch's is
        computed inline: its operations take from one budget in turn (concurrent jobs
        would each parse against what was left before any of them took its share)."""
        if budget is not None:
            parsed = self.parse_and_validate(query, budget)
            if parsed.errors:
                return GraphQLResponse({"errors": list(parsed.errors)}, "request_error")
            return self.prepare(query, parsed.document, operation_name)
        found = self._too_long(query) or self.documents.get(query)
        key = (query, operation_name)
        if found is None:
            # One job parses, validates and (unless a plan is cached) plans: the AST
            # lives and dies on the worker; the outcomes come back weighed.
            plan = key not in self.plans
            compiled = await self._off_loop(
                ("compile", *key, plan),
                lambda: self._compile(query, operation_name, plan),
                ("compile", (query, operation_name, plan)),
            )
            found = compiled.document
            self.documents.put(query, found, compiled.document_weight)
            built = compiled.prepared
            if built is not None:
                self.plans.misses += 1  # the look-up the job's planning stood for
                if isinstance(built, PreparedOperation):
                    self.plans.put(key, built, compiled.prepared_weight)
                return built
        if found.errors:
            return GraphQLResponse({"errors": list(found.errors)}, "request_error")
        prepared = self.plans.get(key)
        if prepared is not None:
            return prepared
        planned, weight = await self._off_loop(
            ("plan", *key), lambda: self._plan(query, operation_name), ("plan", key)
        )
        if isinstance(planned, PreparedOperation):
            self.plans.put(key, planned, weight)
        return planned

    def _compile(self, query: str, operation_name: str | None, plan: bool) -> _Compiled:
        """Pure (no cache access): the document's cache entry (no AST), and when it is
        valid and `plan`, the prepared operation (or why there is none), weighed."""
        parsed = self._parse_and_validate(query, self.options.limits.max_tokens)
        entry = parsed.cached()
        document_weight = self.documents.weigh(query, entry)
        if parsed.errors or not plan:
            return _Compiled(entry, document_weight)
        built = self._build_prepared(query, parsed.document, operation_name)
        prepared, weight = self._weighed((query, operation_name), built)
        return _Compiled(entry, document_weight, prepared, weight)

    def _plan(
        self, query: str, operation_name: str | None
    ) -> tuple[PreparedOperation | GraphQLResponse, int | None]:
        """Pure (no cache access): the prepared operation of a valid cached document."""
        built = self._build_prepared(query, None, operation_name)
        return self._weighed((query, operation_name), built)

    def _weighed(
        self, key: tuple[str, str | None], built: PreparedOperation | GraphQLResponse
    ) -> tuple[PreparedOperation | GraphQLResponse, int | None]:
        if isinstance(built, PreparedOperation):
            return built, self.plans.weigh(key, built)
        return built, None

    async def _introspect(
        self,
        introspection: Introspection,
        variables: dict[str, Any],
        errors: list[JSONObject],
        budget: WorkBudget | None,
    ) -> JSONObject | GraphQLResponse:
        # What no cache holds is computed off the loop first; `run` then only looks up.
        auto = self.options.limits.introspection_max_bytes == "auto"
        if auto and self._auto_introspection_bytes is None:
            size = await self._off_loop(("introspection", None), self._full_size)
            self._auto_introspection_bytes = size
        pending = introspection.missing(self.introspection, variables)
        if pending:
            keys = tuple(p.key for p in pending)
            computed = await self._off_loop(
                ("introspection", keys), lambda: self._execute_introspection(pending)
            )
            for each, result in zip(pending, computed, strict=True):
                self.introspection.put(each.key, result)
        try:
            data, size = introspection.run(
                self.introspection, variables, errors, self._introspection_max_bytes()
            )
        except IntrospectionTooLarge as too_large:
            return _request_error(too_large.error)
        if budget is not None:
            refused = budget.take_introspection(size)
            if refused is not None:
                return _request_error(graphql_error(refused, code=BATCH_LIMIT_EXCEEDED))
        return data

    def _execute_introspection(self, pending: list[PendingResult]) -> list[IntrospectionResult]:
        """Pure but for a counter (one job, however many requests share it)."""
        results = [each.execute() for each in pending]
        self.introspection.executions += len(results)
        return results

    def batch_budget(self) -> WorkBudget:
        """A batch's budget: what one request may do (see limits/budget.py)."""
        limits = self.options.limits
        return WorkBudget(
            limits.max_query_length,
            limits.max_tokens,
            limits.max_expanded_fields,
            self._introspection_max_bytes(),
        )

    def _introspection_max_bytes(self) -> int | None:
        limit = self.options.limits.introspection_max_bytes
        if limit != "auto":
            return limit
        if self._auto_introspection_bytes is None:
            self._auto_introspection_bytes = self._full_size()
        return self._auto_introspection_bytes

    def _full_size(self) -> int:
        """Twice what a tool's full introspection query answers (computed once), at
        least INTROSPECTION_MIN_BYTES."""
        full = execute_sync(self.schema, parse_document(get_introspection_query(True, True, True)))
        return max(INTROSPECTION_MIN_BYTES, 2 * len(orjson.dumps(full.data)))

    def _variable_errors(
        self, query: str, prepared: PreparedOperation, errors: list[GraphQLError]
    ) -> list[JSONObject]:
        """The variable errors (code BAD_USER_INPUT), located at their definitions."""
        holder = prepared.variable_locations
        positions = holder.of(query) if holder is not None else ()
        definitions = prepared.variable_definitions
        where = (
            {id(node): position for node, position in zip(definitions, positions, strict=True)}
            if len(positions) == len(definitions)
            else {}
        )
        out = []
        for error in errors:
            formatted = _formatted(error, BAD_USER_INPUT)
            found = [where[id(node)] for node in error.nodes or () if id(node) in where]
            if found:
                located: JSONObject = {"message": formatted.pop("message")}
                located["locations"] = [{"line": line, "column": column} for line, column in found]
                located.update(formatted)
                formatted = located
            out.append(formatted)
        return out

    def parse_and_validate(self, query: str, budget: WorkBudget | None = None) -> _Document:
        """The errors of `query`, else (when just parsed) its AST or (cached) none.
        `budget`: the batch's budget, which the document's work is taken from."""
        if budget is not None:
            refused = budget.take_text(len(query))
            if refused is not None:
                return _Document(None, (graphql_error(refused, code=BATCH_LIMIT_EXCEEDED),))
        cached = self._too_long(query) or self.documents.get(query)
        if cached is None:
            max_tokens = self.options.limits.max_tokens
            left = budget.tokens if budget is not None else None
            if left is not None and (max_tokens is None or left < max_tokens):
                # The parser stops at what the batch has left, not at the full limit;
                # stopped there, it is not the document's own verdict: nothing is cached.
                cached = self._parse_and_validate(query, left)
                if _over_tokens(cached):
                    assert budget is not None
                    budget.tokens = 0  # parsing them was the work: none is left
                    message = "The operations of this batch together exceed the request's"
                    message += f" limits: {left} tokens were left for this one."
                    return _Document(None, (graphql_error(message, code=BATCH_LIMIT_EXCEEDED),))
            else:
                cached = self._parse_and_validate(query, max_tokens)
            self.documents.put(query, cached.cached())
        if budget is not None:
            # Refused documents were parsed too: their tokens count (their fields do not).
            refused = budget.take(cached.tokens, cached.fields)
            if refused is not None:
                return _Document(None, (graphql_error(refused, code=BATCH_LIMIT_EXCEEDED),))
        return cached

    def _too_long(self, query: str) -> _Document | None:
        """The refusal of a text over `max_query_length`, before any parsing; never
        cached (the check is free, and the key would be the whole text)."""
        limit = self.options.limits.max_query_length
        if limit is None or len(query) <= limit:
            return None
        message = f"The operation is {len(query)} characters long; the limit is {limit}."
        return _Document(None, (graphql_error(message, code=MAX_QUERY_LENGTH_EXCEEDED),))

    def _parse_and_validate(self, query: str, max_tokens: int | None) -> _Document:
        """Pure (no cache access): safe on the compute thread."""
        try:
            # Without locations: a cached document would otherwise keep a Location per
            # node and every token of its text (about a third of a cached plan's
            # memory). Errors are located afterwards (operation/locate.py).
            document = self._parse(query, located=False, max_tokens=max_tokens)
        except TokenLimitExceeded as error:
            message = f"The operation has more than {error.limit} tokens."
            return _Document(None, (graphql_error(message, code=MAX_TOKENS_EXCEEDED),))
        except SourceTooLong as error:
            message = f"The operation is {len(query)} characters long; the limit is {error.limit}."
            return _Document(None, (graphql_error(message, code=MAX_QUERY_LENGTH_EXCEEDED),))
        except GraphQLError as error:
            return _Document(None, (_formatted(error, GRAPHQL_PARSE_FAILED),))
        tokens = getattr(document, "token_count", 0)
        measured = measure(document)
        # The limits first: a document over one costs this walk, not validation.
        refused = self.options.limits.check(measured)
        if refused is not None:
            return _Document(None, (_formatted(refused, GRAPHQL_VALIDATION_FAILED),), tokens)
        # Only the rules the one-pass walk could not prove silent run in graphql-core
        # (one visitor each over the whole document): none, for most valid documents.
        # Nesting is within graphql-core's own limit here (MAX_RECURSION).
        rules = bounded_rules(rules_to_run(self.schema, document, self._rules))
        errors = validate(self.schema, document, rules) if rules else []
        if errors:
            errors = explain_abort(self.schema, document, errors)
            located = locate_errors(errors, document, lambda: self._parse(query))
            formatted = tuple(_formatted(e, GRAPHQL_VALIDATION_FAILED) for e in located)
            return _Document(None, formatted, tokens)
        return _Document(document, (), tokens, measured.expanded_fields)

    def _parse(
        self, query: str, *, located: bool = True, max_tokens: int | None = None
    ) -> DocumentNode:
        return parse_document(
            query,
            no_location=not located,
            max_tokens=max_tokens,
            max_source_length=self.options.limits.max_query_length,
        )

    def prepare(
        self, query: str, document: DocumentNode | None, operation_name: str | None
    ) -> PreparedOperation | GraphQLResponse:
        """The prepared operation of the valid document `query` (`document`: its AST
        when at hand, else it is parsed again on a plan cache miss)."""
        key = (query, operation_name)
        cached = self.plans.get(key)
        if cached is not None:
            return cached
        prepared = self._build_prepared(query, document, operation_name)
        if isinstance(prepared, PreparedOperation):
            self.plans.put(key, prepared)
        return prepared

    def _build_prepared(
        self, query: str, document: DocumentNode | None, operation_name: str | None
    ) -> PreparedOperation | GraphQLResponse:
        """Pure (no cache access): safe on the compute thread."""
        if document is None:
            document = self._parse(query, located=False)
        operation = _select_operation(document, operation_name)
        if isinstance(operation, str):
            return _request_error(graphql_error(operation, code=GRAPHQL_VALIDATION_FAILED))
        if operation.operation is OperationType.SUBSCRIPTION:
            return _request_error(
                graphql_error("Subscriptions are not supported.", code=GRAPHQL_VALIDATION_FAILED)
            )
        fragments = _fragments(document)
        requirements = analyze(self.supergraph, operation, fragments)
        return self._prepared(document, operation, fragments, operation_name, requirements)

    def _prepared(
        self,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        fragments: Mapping[str, FragmentDefinitionNode],
        operation_name: str | None,
        requirements: OperationRequirements = NO_REQUIREMENTS,
        *,
        planned: DocumentNode | None = None,
        denied: tuple[FieldNode, ...] = (),
    ) -> PreparedOperation | GraphQLResponse:
        """Plan `planned` (default: `document`); shape by the client's own operation."""
        try:
            plan = self._planner(self.supergraph, planned or document, operation_name)
        except PlanningBudgetExceeded as error:
            # The operation's cost, as for the other limits: a request error.
            return _request_error(graphql_error(str(error), code=MAX_PLANNING_STEPS_EXCEEDED))
        except PlanningError as error:
            return GraphQLResponse(
                {"errors": [graphql_error(str(error), code=QUERY_PLANNING_FAILED)]},
                "internal_error",
            )
        limit = self.options.limits.max_fetches
        if limit is not None and (count := count_fetches(plan)) > limit:
            return _request_error(
                graphql_error(fetches_message(count, limit), code=MAX_FETCHES_EXCEEDED)
            )
        return PreparedOperation(
            operation.operation,
            sys.intern(operation.name.value) if operation.name is not None else None,
            tuple(operation.variable_definitions or ()),
            plan,
            ResponseShaper(self.schema, operation, fragments, denied, self._shapes),
            Introspection.prepare(self.schema, operation, fragments),
            requirements,
            _VariableLocations(_index(document, operation))
            if operation.variable_definitions
            else None,
        )

    async def _authorize(
        self, query: str, request: GraphQLRequest, prepared: PreparedOperation
    ) -> PreparedOperation | GraphQLResponse:
        """`prepared` when the caller may see everything; else the variant planned
        without the denied selections (or the refusal, in reject mode)."""
        options = self.options.authorization
        requirements = prepared.requirements
        denied = await denied_indexes(requirements, request.claims, options.policy_hook)
        if not denied:
            return prepared
        operation_name = request.operation_name
        key = (query, operation_name, denied)
        reject = options.reject_unauthorized
        if not reject:
            variant = self.authorized_plans.get(key)
            if variant is not None:
                return variant
        built = await self._off_loop(
            ("authorized", *key, reject),
            lambda: self._build_authorized(query, operation_name, denied, reject),
            ("authorized", (query, operation_name, denied, reject)),
        )
        if isinstance(built, PreparedOperation):
            self.authorized_plans.put(key, built)
        return built

    def _build_authorized(
        self, query: str, operation_name: str | None, denied: frozenset[int], reject: bool
    ) -> PreparedOperation | GraphQLResponse:
        """Pure (no cache access): the refusal of the `denied` selections (`reject`), or
        the operation planned without them."""
        # The AST again (the cached operation keeps none); `guarded_nodes` numbers its
        # fields as `analyze` did, so the denied indexes name the same nodes.
        document = self._parse(query, located=False)
        operation = _select_operation(document, operation_name)
        assert not isinstance(operation, str)  # the cached operation was selected from it
        fragments = _fragments(document)
        guarded = guarded_nodes(self.supergraph, operation, fragments)
        nodes = tuple(node for index, node in enumerate(guarded) if index in denied)
        if reject:
            paths = denied_paths(operation, fragments, nodes)
            errors = [
                graphql_error(UNAUTHORIZED_MESSAGE, path=path, code=UNAUTHORIZED_FIELD_OR_TYPE)
                for path in paths
            ]
            return GraphQLResponse({"errors": errors}, "request_error")
        return self._prepared(
            document,
            operation,
            fragments,
            operation_name,
            planned=remove_fields(document, nodes),
            denied=nodes,
        )

    async def _off_loop(
        self, key: Hashable, job: Callable[[], T], remote: RemoteJob | None = None
    ) -> T:
        """`job()` as a compute job (compute.py), or inline when they are off; `remote`:
        the job as a compile process runs it (`_CompileHandler`), when there are some."""
        if self.options.compute_jobs:
            return await self.jobs.run(key, job, remote)
        return job()

    def _process_spec(self) -> ProcessSpec | None:
        """How compile processes build their router (None: the thread mode)."""
        options = self.options
        processes = options.compute_processes
        if not options.compute_jobs or processes <= 0:
            return None
        if processes > MAX_PROCESSES:
            raise ValueError(f"compute_processes: at most {MAX_PROCESSES}, not {processes}")
        source = self.supergraph.source
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
        )
        try:
            payload = pickle.dumps((source, compiling, self._planner))
        except (pickle.PicklingError, AttributeError, TypeError) as error:
            logger.info("compute processes off: %s", error)
            return None
        return ProcessSpec(f"{__name__}:compile_worker", payload, self.shared_objects, processes)

    def shared_objects(self) -> _SchemaObjects:
        """What a compile process and this router name instead of pickling."""
        return _SchemaObjects(self.schema, self._shapes, self.supergraph)

    def run_compile_job(self, name: str, args: tuple[Any, ...]) -> object:
        """A compile process runs its jobs with this (`_off_loop`'s `remote` forms)."""
        if name == "compile":
            return self._compile(*args)
        if name == "plan":
            return self._plan(*args)
        if name == "authorized":
            return self._build_authorized(*args)
        raise ValueError(f"unknown compute job {name!r}")

    def _wants_plan(self, request: GraphQLRequest) -> bool:
        if not self.options.expose_query_plan:
            return False
        extensions = request.extensions or {}
        return request.include_query_plan or extensions.get("includeQueryPlan") is True

    def start(self) -> None:
        """A served router's compile processes start now (else with the first job)."""
        if self.options.compute_jobs:
            self.jobs.start()

    async def aclose(self) -> None:
        self.jobs.close()
        await self.transport.aclose()


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


class _SchemaObjects:
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


class _CompileHandler:
    """A compile process's side (compute_process.py): the router's pure compile steps."""

    def __init__(self, router: Router) -> None:
        self.router = router
        self.shared = router.shared_objects()

    def run(self, name: str, args: tuple[Any, ...]) -> object:
        return self.router.run_compile_job(name, args)


class _NoTransport:
    """A compile process's router fetches nothing."""

    async def send(self, subgraph: str, request: SubgraphRequest) -> JSONObject:
        raise RuntimeError("a compile process does not fetch")

    async def aclose(self) -> None:
        return None


def compile_worker(payload: bytes) -> _CompileHandler:
    """The entry of a compile process (`ProcessSpec.entry`): the router process's
    supergraph, options and planner, as `Router._process_spec` pickled them."""
    source, options, planner = pickle.loads(payload)
    router = Router(load_supergraph(source), _NoTransport(), options, planner=planner)
    return _CompileHandler(router)


def _select_operation(
    document: DocumentNode, operation_name: str | None
) -> OperationDefinitionNode | str:
    """The operation to run, or the message saying why none can be chosen."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        if len(operations) == 1:
            return operations[0]
        return "Must provide operation name if query contains multiple operations."
    for operation in operations:
        if operation.name is not None and operation.name.value == operation_name:
            return operation
    return f"Unknown operation named '{operation_name}'."


def _index(document: DocumentNode, operation: OperationDefinitionNode) -> int:
    return next(i for i, d in enumerate(document.definitions) if d is operation)


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def _formatted(error: GraphQLError, code: str) -> JSONObject:
    formatted: JSONObject = {"message": error.message}
    if error.locations:
        formatted["locations"] = [
            {"line": loc.line, "column": loc.column} for loc in error.locations
        ]
    formatted["extensions"] = {"code": code, **(error.extensions or {})}
    return formatted


def _request_error(error: JSONObject) -> GraphQLResponse:
    return GraphQLResponse({"errors": [error]}, "request_error")


def _request_error_list(errors: list[JSONObject]) -> GraphQLResponse:
    return GraphQLResponse({"errors": errors}, "request_error")


def _over_tokens(parsed: _Document) -> bool:
    return any(
        (error.get("extensions") or {}).get("code") == MAX_TOKENS_EXCEEDED
        for error in parsed.errors
    )
