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
from supergraph.limits.cost import CostModel, CostNotComputable
from supergraph.pipeline.plan import PreparedOperation
from supergraph.pipeline.response import GraphQLResponse, request_error
from supergraph.schema import Supergraph
from supergraph.schema.cost import read_cost_directives
from supergraph.types import JSONObject

COST_OK = "COST_OK"
"""Apollo's `cost.result` of an operation within its budget (not an error code)."""

Mode = Literal["measure", "enforce"]


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
        document: DocumentNode,
        data: JSONObject | None,
        variables: Mapping[str, Any],
    ) -> float | None:
        """The actual cost of the answered operation (reported with its estimate)."""
        operation = _operation(document, estimate.operation)
        actual: float | None = None
        if operation is not None:
            fragments = {
                d.name.value: d
                for d in document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }
            actual = self.model.actual(operation, fragments, data, variables)
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


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and (
            name is None or (definition.name is not None and definition.name.value == name)
        ):
            return definition
    return None


def _number(value: float) -> str:
    if not math.isfinite(value):
        return str(value)
    return str(int(value)) if value == int(value) else str(value)
