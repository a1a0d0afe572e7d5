"""The Router: runs a request through the pipeline's stages, with their caches.

    Router.execute(GraphQLRequest) -> Response (one GraphQLResponse body, or parts)

In the order a request flows (the edge decodes it and resolves persisted
queries first: decode.py, persisted/):

    parse.py      text -> AST within the limits            ParseRefused
    validate.py   AST -> valid document (cached per text)  ValidationFailed
    plan.py       -> PreparedOperation (cached)            PlanRefused
    authorize.py  claims -> the operation they may see     Unauthorized
    variables.py  raw values -> values to run with         VariablesInvalid
    demand_control.py  the cost, before any fetch (optional) COST_ESTIMATED_TOO_EXPENSIVE
    inbound_dedup.py   identical in-flight queries share one execution (optional)
    execute.py    -> merged subgraph data                  IntrospectionRefused
    shape.py      -> the client's data (on or off loop)
    respond.py    -> GraphQLResponse; failures -> unavailable / internal

Parse + validation outcomes are cached per document text, prepared operations
(plan, shaper, introspection) per (document text, operation name): each cache is
bounded by entries and by bytes, with admission (caches.py). What no cache
holds is computed as a compile job off the event loop (compile.py, compute.py).
Each stage's error type becomes a response here; nothing knows HTTP.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import time
from collections.abc import Callable, Hashable, Iterator
from functools import partial
from typing import Any, TypeVar

from graphql import DocumentNode, GraphQLSchema, OperationType

from supergraph.authorization import analyze
from supergraph.errors import (
    BAD_REQUEST,
    BATCH_LIMIT_EXCEEDED,
    DEFER_BAD_HEADER,
    MAX_TOKENS_EXCEEDED,
    SUBSCRIPTION_NOT_STREAMABLE,
    SUBSCRIPTION_SHUTDOWN,
    SUBSCRIPTIONS_DISABLED,
    graphql_error,
)
from supergraph.executor.cache import WeightedCache
from supergraph.executor.entity_cache import CacheScope
from supergraph.executor.execute import PlanExecutor
from supergraph.executor.introspection import Introspection, IntrospectionCache
from supergraph.executor.shaping import SchemaShapes
from supergraph.executor.subscriptions import SubscriptionTransport
from supergraph.executor.transport import SubgraphRequest, SubgraphTransport
from supergraph.executor.typeinfo import PossibleTypes
from supergraph.limits.budget import WorkBudget
from supergraph.operation.parsing import parse_document
from supergraph.pipeline import authorize, execute, plan, variables
from supergraph.pipeline import defer as deferred
from supergraph.pipeline.caches import DOCUMENT_FOOTPRINT, CacheStats, prepared_footprint
from supergraph.pipeline.compile import (
    Compiled,
    CompileHandler,
    NoTransport,
    SchemaObjects,
    process_spec,
)
from supergraph.pipeline.compute import ComputeJobs
from supergraph.pipeline.compute_process import ProcessSpec, RemoteJob
from supergraph.pipeline.demand_control import DemandControl, Estimate
from supergraph.pipeline.entity_cache import EntityCacheRuntime
from supergraph.pipeline.fresh import ANONYMOUS, FreshOperations
from supergraph.pipeline.inbound_dedup import InboundDeduplicator
from supergraph.pipeline.incremental import LEGACY, IncrementalFormat
from supergraph.pipeline.options import RouterOptions
from supergraph.pipeline.parse import too_long
from supergraph.pipeline.plan import Planner, Planning, PlanRefused, PreparedOperation
from supergraph.pipeline.request import GraphQLRequest
from supergraph.pipeline.respond import failed, plan_extensions, respond, wants_plan
from supergraph.pipeline.response import (
    GraphQLResponse,
    Response,
    StreamedResponse,
    request_error,
)
from supergraph.pipeline.shape import Shaping
from supergraph.pipeline.subscribe import (
    EventStream,
    SubscriptionRefused,
    end_subscriptions,
)
from supergraph.pipeline.validate import Document, compile_document, validation_rules
from supergraph.planner import build_query_plan
from supergraph.planner.subscription import SubscriptionPlan
from supergraph.schema import Supergraph, load_supergraph
from supergraph.telemetry import tracing
from supergraph.types import JSONObject
from supergraph.usage.extract import describer
from supergraph.usage.recorder import UsageRecorder

logger = logging.getLogger(__name__)

T = TypeVar("T")


class Router:
    """The router core: one per loaded supergraph, shared by every request."""

    def __init__(
        self,
        supergraph: Supergraph,
        transport: SubgraphTransport,
        options: RouterOptions | None = None,
        *,
        planner: Planner = build_query_plan,
        subscriptions: SubscriptionTransport | None = None,
        entity_cache: EntityCacheRuntime | None = None,
    ) -> None:
        """`subscriptions`: how subscription fetches reach subgraphs (None: subscriptions
        are refused, SUBSCRIPTIONS_DISABLED). `entity_cache`: queries' subgraph answers
        are cached (entity_cache.py; None: off)."""
        self.supergraph = supergraph
        self.schema: GraphQLSchema = supergraph.api_schema
        self.options = options = options or RouterOptions()
        steps = options.limits.max_planning_steps
        self._planner = (
            partial(build_query_plan, max_steps=steps) if planner is build_query_plan else planner
        )
        self.entity_cache = entity_cache
        self._cache_start: asyncio.Task[None] | None = None
        if entity_cache is not None:
            entity_cache.know_types(supergraph.types)
            transport = entity_cache.around(transport)
        self.transport = transport
        self.subscription_transport = subscriptions
        # The full supergraph schema knows types the API schema hides (inaccessible).
        self._executor = PlanExecutor(transport, PossibleTypes(supergraph.schema), options.executor)
        self._rules = validation_rules(options.limits, options.extra_rules)
        # Field shapes, leaf entries and selections every cached operation shares.
        self._shapes = SchemaShapes(self.schema)
        self._planning = Planning(
            supergraph, self.schema, self._planner, options.limits, self._shapes
        )
        self.jobs = ComputeJobs(options.compute_max_queued, self._process_spec())
        admission = options.fresh_operations
        self.fresh = (
            None
            if admission is None or not options.compute_jobs
            else FreshOperations(
                admission,
                admission.concurrency_limit or max(1, options.compute_processes),
                self.jobs.prompt_waiting,
            )
        )
        """Fresh operations' admission and priority (fresh.py; None: off)."""
        if self.fresh is not None and self.fresh.options.yield_to_cached:
            # Loading a compile result holds the interpreter lock (~1 ms for 3,300
            # fields); it too waits while cached requests are in progress.
            self.jobs.before_result = self.fresh.pause
        self._shaping = Shaping(
            self.jobs if options.compute_jobs else None, options.loop_shaping_fields
        )
        self.usage = UsageRecorder(options.usage, describer(self.schema)) if options.usage else None
        demand = options.demand_control
        self.demand_control = None if demand is None else DemandControl(supergraph, demand)
        self.inbound = InboundDeduplicator() if options.deduplicate_inbound else None
        """Identical in-flight client queries share one execution (None: off)."""
        """Usage reporting (router.yaml `usage_reporting`; None: off)."""
        # Introspection results by selection: static per schema (see introspection.py).
        self.introspection = IntrospectionCache()
        self._auto_introspection_bytes: int | None = None
        self.documents: WeightedCache[str, Document] = WeightedCache(
            max_entries=options.document_cache_size,
            max_bytes=options.document_cache_bytes,
            weigh=DOCUMENT_FOOTPRINT.of,
        )
        weigh_prepared = prepared_footprint(self._shapes).of
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

    @property
    def shaped_off_loop(self) -> int:
        """Responses shaped on the compute worker (shape.py)."""
        return self._shaping.off_loop

    @property
    def shaping_restarts(self) -> int:
        """Of those, the ones first started on the loop, past the budget (wasted work)."""
        return self._shaping.restarts

    def caches(self) -> Iterator[tuple[str, CacheStats]]:
        """This router's caches, by the name metrics give them."""
        yield "document", self.documents
        yield "plan", self.plans
        yield "authorized_plan", self.authorized_plans
        if self.demand_control is not None:
            yield "cost_operation", self.demand_control.operations

    async def execute(
        self,
        request: GraphQLRequest,
        *,
        allow_mutations: bool = True,
        budget: WorkBudget | None = None,
        streaming: bool = False,
        defer: IncrementalFormat | None = None,
    ) -> Response:
        """`budget`: what the batch this request belongs to has left (None: alone).
        `streaming`: the transport can send a stream of parts; a subscription is then
        answered with its events (a `StreamedResponse`), else refused. `defer`: the
        incremental delivery format the client reads (None: none); an operation
        deferring fragments is then answered in parts in it, else refused."""
        try:
            if tracing.current_recording() is None:  # off, or this trace is not sampled
                return await self._execute(request, allow_mutations, budget, streaming, defer)
            with tracing.span("supergraph", _operation_attributes(request)):
                return await self._execute(request, allow_mutations, budget, streaming, defer)
        except Exception as error:
            return failed(error)

    async def _execute(
        self,
        request: GraphQLRequest,
        allow_mutations: bool,
        budget: WorkBudget | None,
        streaming: bool = False,
        defer: IncrementalFormat | None = None,
    ) -> Response:
        query = request.query
        if not isinstance(query, str) or not query.strip():
            return request_error(
                graphql_error("The request has no GraphQL query.", code=BAD_REQUEST)
            )
        lane = self.fresh
        if lane is None or budget is not None:
            return await self._answer(request, query, allow_mutations, budget, streaming, defer)
        if query in self.documents and (query, request.operation_name) in self.plans:
            # Cached: what the fresh operations' work steps aside for (fresh.py).
            lane.begin_cached()
            try:
                return await self._answer(request, query, allow_mutations, None, streaming, defer)
            finally:
                lane.end_cached()
        return await self._answer(request, query, allow_mutations, None, streaming, defer, lane)

    async def _answer(
        self,
        request: GraphQLRequest,
        query: str,
        allow_mutations: bool,
        budget: WorkBudget | None,
        streaming: bool,
        defer: IncrementalFormat | None,
        fresh: FreshOperations | None = None,
    ) -> Response:
        """`fresh`: the operation is not cached; its compilation waits for a slot there
        and the first shaping of its answer steps aside for cached requests."""
        admission = None if fresh is None else (fresh, request.client_address or ANONYMOUS)
        prepared = await self._prepare_request(query, request.operation_name, budget, admission)
        if isinstance(prepared, GraphQLResponse):
            return prepared
        if tracing.TRACER is not None:
            _name_operation(prepared)
        if prepared.kind is OperationType.MUTATION and not allow_mutations:
            return GraphQLResponse(
                {"errors": [graphql_error("Mutations cannot be sent over GET.", code=BAD_REQUEST)]},
                "method_not_allowed",
            )
        if prepared.kind is OperationType.SUBSCRIPTION:
            refusal = self._subscription_refusal(streaming)
            if refusal is not None:
                return refusal
        if not prepared.requirements.empty:
            authorized = await self._authorize(query, request, prepared)
            if isinstance(authorized, GraphQLResponse):
                return authorized
            prepared = authorized
        try:
            values = variables.coerce(
                self.schema,
                prepared.variable_definitions,
                request.variables or {},
                query,
                prepared.variable_locations,
            )
        except variables.VariablesInvalid as invalid:
            return request_error(*invalid.errors)
        if self.usage is not None and request.client is not None:
            client = request.client
            self.usage.record(
                query, request.operation_name, client.name, client.version, client.persisted_id
            )
        estimate = None
        if self.demand_control is not None:
            # Before any fetch: a refused operation costs the subgraphs nothing.
            estimated = self.demand_control.estimate(prepared, values)
            if isinstance(estimated, GraphQLResponse):
                return estimated
            estimate = estimated
        if prepared.subscription is not None:
            return self._subscribe(prepared, prepared.subscription, values, request)
        parts = self._deferred_parts(prepared, values, defer)
        if isinstance(parts, GraphQLResponse):
            return parts
        errors: list[JSONObject] = []
        introspection = None
        if prepared.introspection is not None:
            # Before any fetch: a refusal must not follow subgraph work.
            try:
                introspection = await self._introspect(
                    prepared.introspection, values, errors, budget
                )
            except execute.IntrospectionRefused as refused:
                return request_error(refused.error)
        plan_key = "apolloQueryPlan" if request.apollo_query_plan else "queryPlan"
        exposed = wants_plan(request, self.options.expose_query_plan)
        cached = None if self.entity_cache is None else self.entity_cache.scope(request.claims)
        if parts is not None:
            hooks = deferred.RunHooks(
                execute.plan_context(prepared.kind, cached),
                plan_extensions(prepared, plan_key) if exposed else None,
                self._cost_measure(estimate, query, values),
                prepared.kind is OperationType.MUTATION,
            )
            run = deferred.DeferredRun(
                self._executor,
                prepared.plan,
                parts,
                self.schema,
                values,
                request.subgraph_headers,
                request.subgraph_headers_by_name,
                introspection,
                defer or LEGACY,
                errors,
                hooks,
            )
            return StreamedResponse(run, operation_name=prepared.name, incremental=defer)
        shared = self.inbound.key(prepared, values, request) if self.inbound else None
        if shared is not None and self.inbound is not None:
            (data, errors), leader = await self.inbound.run(
                shared,
                partial(self._run, prepared, values, request, [], None, cached, fresh),
                cached,
            )
            if cached is not None and isinstance(leader, CacheScope) and leader is not cached:
                cached.policy = leader.policy  # what the shared answer was made of
        else:
            data, errors = await self._run(
                prepared, values, request, errors, introspection, cached, fresh
            )
        measure = self._cost_measure(estimate, query, values)
        if measure is not None:
            measure(data)
        response = respond(prepared, data, errors, exposed, plan_key)
        if cached is not None:
            # An answer with errors is not one to keep, whatever its parts allowed.
            response.cache_control = "no-store" if errors else cached.header()
        return response

    def _cost_measure(
        self, estimate: Estimate | None, query: str, values: dict[str, Any]
    ) -> Callable[[JSONObject | None], object] | None:
        """What measures the actual cost of the answer's data (None: demand control off)."""
        control = self.demand_control
        if estimate is None or control is None:
            return None
        parse = partial(self._parse, located=False)
        return lambda data: control.measure(estimate, query, parse, data, values)

    def _deferred_parts(
        self,
        prepared: PreparedOperation,
        values: dict[str, Any],
        accepted: IncrementalFormat | None,
    ) -> deferred.Layout | GraphQLResponse | None:
        """The parts of a query that defers fragments with these variables (None: it
        defers none, one body), or the refusal when the client cannot read parts."""
        if prepared.defer is None or not self.options.defer_support:
            return None
        parts = deferred.layout(prepared.defer, prepared.plan, self.schema, self._shapes, values)
        if not parts.deferred:
            return None  # every @defer(if:) is false: one body
        if accepted is None:
            error = graphql_error(deferred.DEFER_BAD_HEADER_MESSAGE, code=DEFER_BAD_HEADER)
            return GraphQLResponse({"errors": [error]}, "not_acceptable")
        return parts

    async def _run(
        self,
        prepared: PreparedOperation,
        values: dict[str, Any],
        request: GraphQLRequest,
        errors: list[JSONObject],
        introspection: JSONObject | None,
        cached: CacheScope | None = None,
        fresh: FreshOperations | None = None,
    ) -> tuple[JSONObject | None, list[JSONObject]]:
        """The plan executed and its answer shaped: the client's data and `errors` (the
        subgraphs' first); `cached`: the query's entity cache scope; `fresh`: a fresh
        operation's, whose shaping steps aside for cached requests."""
        yield_to = fresh if fresh is not None and fresh.options.yield_to_cached else None
        if tracing.current_recording() is None:
            outcome = await execute.run_plan(self._executor, prepared, values, request, cached)
            errors[:0] = outcome.errors
            data = await self._shaping.shape(
                prepared.shaper, outcome.data, values, errors, introspection, yield_to
            )
            return data, errors
        with tracing.span("execution"):
            outcome = await execute.run_plan(self._executor, prepared, values, request, cached)
        errors[:0] = outcome.errors
        with tracing.span("shape"):
            data = await self._shaping.shape(
                prepared.shaper, outcome.data, values, errors, introspection, yield_to
            )
        return data, errors

    def _subscription_refusal(self, streaming: bool) -> GraphQLResponse | None:
        if not streaming:
            message = (
                "Subscriptions need a transport that streams: a WebSocket"
                " (graphql-transport-ws), Accept: text/event-stream, or Accept:"
                " multipart/mixed;subscriptionSpec=1.0."
            )
            return request_error(graphql_error(message, code=SUBSCRIPTION_NOT_STREAMABLE))
        if not self.options.subscription.enabled or self.subscription_transport is None:
            message = "Subscriptions are not enabled on this router."
            return request_error(graphql_error(message, code=SUBSCRIPTIONS_DISABLED))
        return None

    def _subscribe(
        self,
        prepared: PreparedOperation,
        planned: SubscriptionPlan,
        values: dict[str, Any],
        request: GraphQLRequest,
    ) -> Response:
        """The events of the subscription, as parts (subscribe.py)."""
        transport = self.subscription_transport
        assert transport is not None
        primary = planned.primary
        headers = request.subgraph_headers
        by_name = request.subgraph_headers_by_name
        upstream = SubgraphRequest(
            primary.operation,
            {name: values[name] for name in primary.variable_usages if name in values},
            primary.operation_name,
            by_name.get(primary.service_name, headers) if by_name is not None else headers,
        )

        headers_now = request.headers_now

        async def run_event(event: JSONObject) -> JSONObject:
            # An event may come long after the request: its entity fetches carry an
            # identity token signed now, not the request's, which may have expired.
            now, now_by_name = (headers, by_name) if headers_now is None else headers_now()
            outcome = await self._executor.execute_event(
                primary, event, planned.rest, values, now, now_by_name
            )
            errors = outcome.errors
            data = await self._shaping.shape(prepared.shaper, outcome.data, values, errors, None)
            body: JSONObject = {"data": data}
            if errors:
                body["errors"] = errors
            return body

        claims = request.claims
        try:
            stream = EventStream(
                self,
                self.options.subscription,
                transport,
                primary.service_name,
                upstream,
                run_event,
                claims.accepted_until if claims is not None else None,
            )
        except SubscriptionRefused as refused:
            return GraphQLResponse({"errors": [refused.error]}, "unavailable")
        return StreamedResponse(stream, operation_name=prepared.name, subscription=True)

    def end_subscriptions(self, code: str, message: str) -> int:
        """End this router's open subscriptions (a reload retires it): how many."""
        return end_subscriptions(code, message, owner=self)

    async def _prepare_request(
        self,
        query: str,
        operation_name: str | None,
        budget: WorkBudget | None,
        admission: tuple[FreshOperations, str] | None = None,
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
        if admission is None or (found is not None and (found.errors or key in self.plans)):
            return await self._compiled(query, operation_name, found)
        fresh, client = admission
        async with fresh.slot(client, key):
            # Another request may have compiled it while this one waited for its turn.
            return await self._compiled(query, operation_name, found or self.documents.peek(query))

    async def _compiled(
        self, query: str, operation_name: str | None, found: Document | None
    ) -> PreparedOperation | GraphQLResponse:
        """The prepared operation from the caches, or compiled as compute jobs."""
        key = (query, operation_name)
        if found is None:
            # One job parses, validates and (unless a plan is cached) plans: the AST
            # lives and dies on the worker; the outcomes come back weighed.
            wanted = key not in self.plans
            compiled = await self._off_loop(
                ("compile", *key, wanted),
                lambda: self._compile(query, operation_name, wanted),
                ("compile", (query, operation_name, wanted)),
            )
            found = compiled.document
            if tracing.TRACER is not None:
                _record_compile(compiled.marks)
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
        started = time.time_ns()
        planned, weight = await self._off_loop(
            ("plan", *key), lambda: self._plan(query, operation_name), ("plan", key)
        )
        tracing.record("query_planning", started, time.time_ns())
        if isinstance(planned, PreparedOperation):
            self.plans.put(key, planned, weight)
        return planned

    def _compile(self, query: str, operation_name: str | None, wanted: bool) -> Compiled:
        """Pure (no cache access): the document's cache entry (no AST), and when it is
        valid and `wanted`, the prepared operation (or why there is none), weighed."""
        # Wall-clock marks (start, parsed, validated, planned): the request's spans of
        # these stages, made on the loop (this may run in another process).
        marks = [time.time_ns()]
        parsed = self._parse_and_validate(query, self.options.limits.max_tokens, marks)
        entry = parsed.cached()
        document_weight = self.documents.weigh(query, entry)
        if parsed.errors or not wanted:
            return Compiled(entry, document_weight, marks=tuple(marks))
        built = self._build_prepared(query, parsed.document, operation_name)
        marks.append(time.time_ns())
        prepared, weight = self._weighed((query, operation_name), built)
        return Compiled(entry, document_weight, prepared, weight, tuple(marks))

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
        values: dict[str, Any],
        errors: list[JSONObject],
        budget: WorkBudget | None,
    ) -> JSONObject:
        auto = self.options.limits.introspection_max_bytes == "auto"
        if auto and self._auto_introspection_bytes is None:
            size = await self._off_loop(
                ("introspection", None), lambda: execute.full_introspection_size(self.schema)
            )
            self._auto_introspection_bytes = size
        return await execute.introspect(
            introspection,
            self.introspection,
            values,
            errors,
            self._introspection_max_bytes(),
            budget,
            self._off_loop,
        )

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
            self._auto_introspection_bytes = execute.full_introspection_size(self.schema)
        return self._auto_introspection_bytes

    def parse_and_validate(self, query: str, budget: WorkBudget | None = None) -> Document:
        """The errors of `query`, else (when just parsed) its AST or (cached) none.
        `budget`: the batch's budget, which the document's work is taken from."""
        if budget is not None:
            refused = budget.take_text(len(query))
            if refused is not None:
                return _batch_refusal(refused)
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
                    return _batch_refusal(message)
            else:
                cached = self._parse_and_validate(query, max_tokens)
            self.documents.put(query, cached.cached())
        if budget is not None:
            # Refused documents were parsed too: their tokens count (their fields do not).
            refused = budget.take(cached.tokens, cached.fields)
            if refused is not None:
                return _batch_refusal(refused)
        return cached

    def _too_long(self, query: str) -> Document | None:
        """Never cached: the check is free, and the key would be the whole text."""
        error = too_long(query, self.options.limits.max_query_length)
        return None if error is None else Document(None, (error,))

    def _parse_and_validate(
        self, query: str, max_tokens: int | None, marks: list[int] | None = None
    ) -> Document:
        """Pure (no cache access): safe on the compute thread. `marks` gets the times
        parsing and validation ended (time.time_ns())."""
        return compile_document(
            query, self._parse, max_tokens, self.options.limits, self.schema, self._rules, marks
        )

    def _parse(
        self, query: str, *, located: bool = True, max_tokens: int | None = None
    ) -> DocumentNode:
        """Every parse of the router goes through here (the text's length limit)."""
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
        try:
            operation = plan.select_operation(document, operation_name)
            fragments = plan.fragments_of(document)
            requirements = analyze(self.supergraph, operation, fragments)
            return plan.prepare(
                self._planning, document, operation, fragments, operation_name, requirements
            )
        except PlanRefused as refused:
            return refused.response

    async def _authorize(
        self, query: str, request: GraphQLRequest, prepared: PreparedOperation
    ) -> PreparedOperation | GraphQLResponse:
        """`prepared` when the caller may see everything; else the variant planned
        without the denied selections (or the refusal, in reject mode)."""
        options = self.options.authorization
        denied = await authorize.denied(prepared, request.claims, options)
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
        document = self._parse(query, located=False)
        try:
            return authorize.authorized_variant(
                self.supergraph,
                document,
                operation_name,
                denied,
                reject,
                partial(plan.prepare, self._planning),
            )
        except authorize.Unauthorized as unauthorized:
            return GraphQLResponse({"errors": unauthorized.errors}, "request_error")
        except PlanRefused as refused:
            return refused.response

    async def _off_loop(
        self, key: Hashable, job: Callable[[], T], remote: RemoteJob | None = None
    ) -> T:
        """`job()` as a compute job (compute.py), or inline when they are off; `remote`:
        the job as a compile process runs it (`run_compile_job`), when there are some."""
        if self.options.compute_jobs:
            return await self.jobs.run(key, job, remote)
        return job()

    def _process_spec(self) -> ProcessSpec | None:
        """How compile processes build their router (None: the thread mode)."""
        return process_spec(
            self.options,
            self.supergraph,
            self._planner,
            f"{__name__}:compile_worker",
            self.shared_objects,
        )

    def shared_objects(self) -> SchemaObjects:
        """What a compile process and this router name instead of pickling."""
        return SchemaObjects(self.schema, self._shapes, self.supergraph)

    def run_compile_job(self, name: str, args: tuple[Any, ...]) -> object:
        """A compile process runs its jobs with this (`_off_loop`'s `remote` forms)."""
        if name == "compile":
            return self._compile(*args)
        if name == "plan":
            return self._plan(*args)
        if name == "authorized":
            return self._build_authorized(*args)
        raise ValueError(f"unknown compute job {name!r}")

    def start(self) -> None:
        """A served router's compile processes start now (else with the first job)."""
        if self.options.compute_jobs:
            self.jobs.start()
        if self.entity_cache is not None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return  # not served: nothing listens to events
            # Held: a task nobody references may be collected before it runs.
            self._cache_start = loop.create_task(self.entity_cache.start())

    async def aclose(self) -> None:
        end_subscriptions(SUBSCRIPTION_SHUTDOWN, "The router is shutting down.", owner=self)
        if self.usage is not None:
            await self.usage.aclose()
        self.jobs.close()
        if self.entity_cache is not None:
            if self._cache_start is not None:
                self._cache_start.cancel()
            await self.entity_cache.aclose()
        await self.transport.aclose()


_STAGES = ("parse_query", "validate", "query_planning")
"""The compile job's stages, as `Router._compile` marks their ends."""


def _record_compile(marks: tuple[int, ...]) -> None:
    for name, start, end in zip(_STAGES, marks, marks[1:], strict=False):
        tracing.record(name, start, end)


def _operation_attributes(request: GraphQLRequest) -> dict[str, str]:
    attributes: dict[str, str] = {}
    if request.operation_name:
        attributes["graphql.operation.name"] = request.operation_name
    if tracing.GRAPHQL_DOCUMENT and isinstance(request.query, str):
        attributes["graphql.document"] = request.query
    return attributes


def _name_operation(prepared: PreparedOperation) -> None:
    """The operation span, once the operation is known: `query GetProduct` (semantic
    conventions: `{graphql.operation.type} {graphql.operation.name}`)."""
    span = tracing.current_recording()
    if span is None:
        return
    kind = prepared.kind.value
    span.set_attribute("graphql.operation.type", kind)
    if prepared.name:
        span.set_attribute("graphql.operation.name", prepared.name)
        span.update_name(f"{kind} {prepared.name}")
    else:
        span.update_name(kind)


def compile_worker(payload: bytes) -> CompileHandler:
    """The entry of a compile process (`ProcessSpec.entry`): the router process's
    supergraph, options and planner, as `Router._process_spec` pickled them."""
    source, options, planner = pickle.loads(payload)
    router = Router(load_supergraph(source), NoTransport(), options, planner=planner)
    return CompileHandler(router.run_compile_job, router.shared_objects())


def _batch_refusal(message: str) -> Document:
    return Document(None, (graphql_error(message, code=BATCH_LIMIT_EXCEEDED),))


def _over_tokens(parsed: Document) -> bool:
    return any(
        (error.get("extensions") or {}).get("code") == MAX_TOKENS_EXCEEDED
        for error in parsed.errors
    )
