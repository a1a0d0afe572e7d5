"""Stage: shape the merged subgraph data into exactly the client's selection.

    (merged data, variables, errors, introspection) -> the client's `data`

The shaping itself is the executor's (executor/shaping.py); this stage decides
where it runs. A response of at most `loop_fields` fields is shaped on the
event loop, a larger one on the compute worker, ahead of the queued
compilations: shaping is pure Python, and there the loop's other requests take
the interpreter lock back within the switch interval, where on the loop they
would wait for all of it. Whether a response is large is known as it is shaped:
a run on the loop stops once past the budget (`ShapingOverBudget`) and starts
again on the worker; the shaper keeps the largest work it saw, so an operation
that once needed the worker goes there at once (its first run on the loop costs
the budget at most).

Two budgets, because the worker is not free: while it shapes and the loop has
requests of its own, the lock changes hands every switch interval (0.1 ms), and
a served router at 32 concurrent 3,600-field answers (bench wide_list) spent
3.4-5.4 ms of CPU per request shaping them on the loop against 5.6-7.6 ms on
the worker (compiled build: 2.6-3.4 against 3.7-4.7 ms; bench/README.md, issue
19 fourth pass). So an operation shaped before, whose shaping costs ~0.2 us a field (~0.7 ms for 3,300 fields, half
that compiled), stays on the loop up to `loop_fields` (10,000: ~2 ms); the
first shaping of an operation, about three times dearer and what a client
sending ever new large operations makes the router do, gets
`first_loop_fields` (1,000).
"""

from __future__ import annotations

from typing import Any, Final

from supergraph.executor.shaping import ResponseShaper, ShapingOverBudget
from supergraph.pipeline.compute import ComputeJobs
from supergraph.pipeline.fresh import PAUSE_FIELDS, FreshOperations
from supergraph.types import JSONObject

DEFAULT_FIRST_LOOP_FIELDS: Final = 1_000
"""The loop's budget for an operation's first shaping (about 0.8 ms; see the module doc)."""


class Shaping:
    """Where responses are shaped, and how many went off the loop (metrics)."""

    __slots__ = ("first_loop_fields", "jobs", "loop_fields", "off_loop", "restarts")

    def __init__(
        self,
        jobs: ComputeJobs | None,
        loop_fields: int | None,
        first_loop_fields: int = DEFAULT_FIRST_LOOP_FIELDS,
    ) -> None:
        self.jobs = jobs
        """None: compute jobs are off, everything is shaped on the loop."""
        self.loop_fields = loop_fields
        """The loop's budget for an operation shaped before (None: no budget)."""
        self.first_loop_fields = first_loop_fields
        """The loop's budget for an operation's first shaping (at most `loop_fields`)."""
        self.off_loop = 0
        """Responses shaped on the compute worker."""
        self.restarts = 0
        """Of those, the ones first started on the loop, past the budget (wasted work)."""

    async def shape(
        self,
        shaper: ResponseShaper,
        data: JSONObject,
        variables: dict[str, Any],
        errors: list[JSONObject],
        introspection: JSONObject | None,
        yield_to: FreshOperations | None = None,
    ) -> JSONObject | None:
        """`yield_to`: a fresh operation's answer, shaped off the loop, steps aside for
        the cached requests in progress there (fresh.py)."""
        budget = self.loop_fields
        jobs = self.jobs
        if jobs is None or budget is None:
            return shaper.shape(data, variables, errors, introspection)
        if not shaper.shaped:
            budget = min(budget, self.first_loop_fields)
        if shaper.work <= budget:
            try:
                return shaper.shape(data, variables, errors, introspection, budget)
            except ShapingOverBudget:
                self.restarts += 1
        self.off_loop += 1
        if yield_to is not None:
            pause = yield_to.pause
            return await jobs.run_prompt(
                lambda: shaper.shape(data, variables, errors, introspection, PAUSE_FIELDS, pause)
            )
        return await jobs.run_prompt(lambda: shaper.shape(data, variables, errors, introspection))
