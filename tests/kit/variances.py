"""SPEC_VARIANCES: differences where both gateways answer as the spec allows.

Each is a ``KnownDifference`` (tests/kit/difference.py) whose two answers are
both valid GraphQL executions of the operation over the same subgraphs: neither
gateway is wrong, they only take a different one of the paths the spec leaves
open. The fuzzer counts them apart from Apollo's bugs ("variance"). Each has an
example (scenario, query, variables) that tests/conformance/test_variances.py
checks still differs and is still recognised; an entry whose example no longer
differs fails there and must go.

A bug of ours never goes here: it is fixed. Nor does one of Apollo's: that is a
named exception in tests/kit/apollo_exceptions.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tests.kit.difference import Atom, Case, KnownDifference, error_path, raw_errors
from tests.kit.response_walk import value_at


@dataclass(frozen=True, slots=True)
class Variance(KnownDifference):
    """A difference the spec allows, with an operation that shows it."""

    example: tuple[str, str, Mapping[str, Any]]
    """(scenario, query, variables) on which the two gateways still answer apart."""


def errors_inside_a_nulled_object(case: Case) -> frozenset[Atom]:
    """Errors one side lacks inside an object that a non-null field's error nulls in
    both answers (null on both sides, with errors inside it on both sides).

    A subgraph stops completing an object at the first non-null field that fails
    (graphql-js and graphql-core do, when the fields resolve in order): the fields
    after it are never resolved, so never fail. The two planners order the fields of
    one subgraph query differently (Apollo groups a field's aliases together, `vip
    a: vip score`; ours keeps the client's order, `vip score a: vip`), so the same
    subgraph reports a different set of errors for fields no client can see: their
    object is null. The data is the same."""

    def inside(errors: list[dict[str, Any]]) -> set[tuple[str | int, ...]]:
        return {p[:-1] for p in map(error_path, errors) if p}

    ours_objects = inside(raw_errors(case.ours))
    apollo_objects = inside(raw_errors(case.apollo))
    out: set[Atom] = set()
    for side, errors in (("ours", case.ours_only), ("apollo", case.apollo_only)):
        for index, error in enumerate(errors):
            path = error_path(error)
            if path is None or len(path) < 2:
                continue
            holder = path[:-1]
            if (
                value_at(case.ours_data, holder) is None
                and value_at(case.apollo_data, holder) is None
                and holder in ours_objects
                and holder in apollo_objects
            ):
                out.add((side, index))
    return frozenset(out)


SPEC_VARIANCES: tuple[Variance, ...] = (
    Variance(
        "variance: errors inside an object a non-null field's error nulled",
        "Inside an object that a failed non-null field nulls on both sides, the subgraph "
        "reports errors only for the fields it resolved before that one, and the two "
        "planners order a subgraph query's fields differently (Apollo groups a field's "
        "aliases; ours keeps the client's order). Same data; the errors differ only for "
        "fields no client sees.",
        errors_inside_a_nulled_object,
        ("failures", "{ manyOrders { customer { vip score a: vip } } }", {}),
    ),
)
