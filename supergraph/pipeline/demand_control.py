"""Stage: demand control (router.yaml `demand_control`, Apollo Router's feature).

    DemandControl.estimate(prepared, variables) -> Estimate, or the refusal (enforce)
    DemandControl.measure(estimate, query, operation name, data, variables)

Runs after the variables are coerced (slicing arguments may be variables) and before
anything is fetched, so a refused operation costs no subgraph request. The estimate
and the actual cost (from the response's list lengths) follow Apollo's cost model
(limits/cost.py); each request reports both, with its result code (`COST_OK`,
`COST_ESTIMATED_TOO_EXPENSIVE`, `COST_QUERY_PARSE_FAILURE`), to the observer (the
edge's metrics). `measure` mode computes and reports, never refuses.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from graphql import DocumentNode, FragmentDefinitionNode, OperationDefinitionNode

from supergraph.errors import COST_ESTIMATED_TOO_EXPENSIVE, COST_QUERY_PARSE_FAILURE, graphql_error
from supergraph.executor.cache import WeightedCache
from supergraph.executor.footprint import Footprint
from supergraph.limits.cost import CostModel, CostNotComputable
from supergraph.pipeline.plan import PreparedOperation
from supergraph.pipeline.response import GraphQLResponse, request_error
from supergraph.schema import Supergraph
from supergraph.schema.cost import read_cost_directives
from supergraph.types import JSONObject

COST_OK = "COST_OK"
"""Apollo's `cost.result` of an operation within its budget (not an error code)."""

Mode = Literal["measure", "enforce"]

OPERATION_CACHE_ENTRIES = 1_000
OPERATION_CACHE_BYTES = 16 << 20
"""The client operations kept for the actual cost (their ASTs, by footprint)."""
_FOOTPRINT = Footprint()


@dataclass(frozen=True, slots=True)
class CostRecord:
    """What one request cost: reported to the observer once it is answered (or refused)."""

    operation: str | None
    result: str
    estimated: float | None
    actual: float | None = None


CostObserver = Callable[[CostRecord], None]


@dataclass(frozen=True, slots=True)
class DemandControlOptions:
    """`demand_control` with `strategy.static_estimated` (Apollo's only strategy)."""

    mode: Mode
    list_size: int
    """The length assumed for a list without `@listSize`."""
    max: float
    """The largest estimated cost an operation may have (enforce mode)."""
    observer: CostObserver | None = None


@dataclass(frozen=True, slots=True)
class Estimate:
    operation: str | None
    cost: float | None
    """None: the operation could not be costed (measured, not refused)."""
    result: str


class DemandControl:
    """One per loaded supergraph (its `@cost`/`@listSize` are read once)."""

    def __init__(self, supergraph: Supergraph, options: DemandControlOptions) -> None:
        self.options = options
        directives = read_cost_directives(supergraph.schema)
        self.model = CostModel(supergraph.schema, directives, options.list_size)
        # The actual cost walks the client's operation, which the prepared operation
        # does not keep: kept here (keyed by client text: bounded by bytes too).
        self.operations: WeightedCache[tuple[str, str | None], _Selected] = WeightedCache(
            max_entries=OPERATION_CACHE_ENTRIES,
            max_bytes=OPERATION_CACHE_BYTES,
            weigh=_FOOTPRINT.of,
        )

    def estimate(
        self, prepared: PreparedOperation, variables: Mapping[str, Any]
    ) -> Estimate | GraphQLResponse:
        """The estimate of the operation about to run, or (enforce mode) its refusal."""
        enforce = self.options.mode == "enforce"
        try:
            cost = self.model.estimate(prepared.plan, variables)
        except CostNotComputable as error:
            if enforce:
                self._report(CostRecord(prepared.name, COST_QUERY_PARSE_FAILURE, None))
                return request_error(graphql_error(str(error), code=COST_QUERY_PARSE_FAILURE))
            return Estimate(prepared.name, None, COST_QUERY_PARSE_FAILURE)
        if cost <= self.options.max:
            return Estimate(prepared.name, cost, COST_OK)
        if enforce:
            self._report(CostRecord(prepared.name, COST_ESTIMATED_TOO_EXPENSIVE, cost))
            return request_error(self._too_expensive(cost))
        return Estimate(prepared.name, cost, COST_ESTIMATED_TOO_EXPENSIVE)

    def measure(
        self,
        estimate: Estimate,
        query: str,
        parse: Callable[[str], DocumentNode],
        data: JSONObject | None,
        variables: Mapping[str, Any],
    ) -> float | None:
        """The actual cost of the answered operation (reported with its estimate).
        `parse`: the router's parser, for a document this stage has not kept."""
        key = (query, estimate.operation)
        selected = self.operations.get(key)
        if selected is None:
            selected = _select(parse(query), estimate.operation)
            self.operations.put(key, selected)
        actual: float | None = None
        if selected.operation is not None:
            actual = self.model.actual(selected.operation, selected.fragments, data, variables)
        self._report(CostRecord(estimate.operation, estimate.result, estimate.cost, actual))
        return actual

    def _too_expensive(self, cost: float) -> JSONObject:
        maximum = self.options.max
        error = graphql_error(
            f"query estimated cost {_number(cost)} exceeded configured maximum {_number(maximum)}",
            code=COST_ESTIMATED_TOO_EXPENSIVE,
        )
        # Apollo's extensions, so clients can tell how far over they are (JSON has no
        # infinity: nested list sizes can overflow a float).
        estimated = cost if math.isfinite(cost) else sys.float_info.max
        error["extensions"].update({"cost.estimated": estimated, "cost.max": maximum})
        return error

    def _report(self, record: CostRecord) -> None:
        if self.options.observer is not None:
            self.options.observer(record)


@dataclass(frozen=True, slots=True)
class _Selected:
    operation: OperationDefinitionNode | None
    fragments: Mapping[str, FragmentDefinitionNode]


def _select(document: DocumentNode, name: str | None) -> _Selected:
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and (
            name is None or (definition.name is not None and definition.name.value == name)
        ):
            return _Selected(definition, fragments)
    return _Selected(None, fragments)


def _number(value: float) -> str:
    if not math.isfinite(value):
        return str(value)
    return str(int(value)) if value == int(value) else str(value)
