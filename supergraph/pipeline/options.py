"""`RouterOptions`: what the pipeline's stages read, built once from the validated
router.yaml by the edge (http/server.py `router_options`) or by a library user."""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import ASTValidationRule

from supergraph.authorization import AuthorizationOptions

# The edge builds ExecutorOptions from router.yaml through here (it never imports executor/).
from supergraph.executor.execute import ExecutorOptions as ExecutorOptions
from supergraph.limits import OperationLimits
from supergraph.pipeline.caches import DEFAULT_CACHE_BYTES, DEFAULT_CACHE_ENTRIES
from supergraph.pipeline.compute import DEFAULT_MAX_QUEUED
from supergraph.pipeline.demand_control import DemandControlOptions
from supergraph.pipeline.fresh import FreshOperationsOptions
from supergraph.pipeline.subscribe import SubscriptionOptions
from supergraph.usage.recorder import UsageSettings

DEFAULT_LOOP_SHAPING_FIELDS = 10_000
"""Fields a response of an operation shaped before may need shaped on the event loop
(about 2 ms, 1 ms compiled); a larger one is shaped on the compute worker, and so is
an operation's first shaping past 1,000 fields (see shape.py)."""


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
    fresh_operations: FreshOperationsOptions | None = field(default_factory=FreshOperationsOptions)
    """With compute jobs on: how operations no cache holds are admitted and yield to
    cached ones (fresh.py; router.yaml `compute_jobs.fresh_operations`); None: off."""
    usage: UsageSettings | None = None
    """router.yaml `usage_reporting`: record which schema elements operations use, per
    client (supergraph/usage/); None: off."""
    loop_shaping_fields: int | None = DEFAULT_LOOP_SHAPING_FIELDS
    """With compute jobs on: the most fields a response is shaped with on the event
    loop (an operation's first shaping: at most 1,000); a larger one is shaped on the
    compute worker (None: always on the loop)."""
    demand_control: DemandControlOptions | None = None
    """router.yaml `demand_control` (enabled): the cost of each operation estimated
    before any fetch, refused over the maximum in enforce mode (demand_control.py)."""
    deduplicate_inbound: bool = False
    """router.yaml `traffic_shaping.router.deduplicate_query`: identical in-flight client
    queries (not private, not mutations) share one execution (inbound_dedup.py)."""
    subscription: SubscriptionOptions = field(default_factory=SubscriptionOptions)
    """router.yaml `subscription`: on or off, the process cap, the per-subscription
    event buffer (subscribe.py)."""
    defer_support: bool = True
    """router.yaml `supergraph.defer_support`: answer @defer in parts (defer.py); False:
    the directive is ignored and the answer is one body."""
