"""SPEC_VARIANCES: differences where both gateways answer as the spec allows.

Each is a ``KnownDifference`` (tests/kit/difference.py) whose two answers are
both valid GraphQL executions of the operation over the same subgraphs: neither
gateway is wrong, they only take a different one of the paths the spec leaves
open. The data is the same, except where the subgraphs themselves disagree
(``subgraphs_disagree``: copies of a @shareable field that answer differently,
or one of which fails), and each gateway reports what the copy it asked said. The fuzzer counts them apart from Apollo's bugs ("variance"). Each has an
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

from graphql import GraphQLInterfaceType, GraphQLNamedType, GraphQLObjectType

from tests.kit.difference import (
    Atom,
    Case,
    KnownDifference,
    error_path,
    field_key_path,
    is_prefix,
    raw_errors,
)
from tests.kit.response_walk import Selected, value_at


@dataclass(frozen=True, slots=True)
class Variance(KnownDifference):
    """A difference the spec allows, with an operation that shows it."""

    example: tuple[str, str, Mapping[str, Any]]
    """(scenario, query, variables) on which the two gateways still answer apart."""
    subgraphs_disagree: bool = False
    """The data differs: the subgraphs answer one field two ways (copies of a @shareable
    field that break federation's promise that they agree), and each gateway reports
    faithfully what the subgraph it asked said. Otherwise the data is the same."""


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


def _copies(case: Case, selected: Selected) -> set[str]:
    """The subgraphs that resolve a selected field (not @external) for the objects it may
    be asked on: its parent type's, its implementations' and interfaces' (an
    @interfaceObject resolves an interface's field for every implementation)."""
    parent = selected.parent_type
    related: list[GraphQLNamedType] = [parent]
    if isinstance(parent, GraphQLInterfaceType):
        related += case.schema.get_possible_types(parent)
    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        related += parent.interfaces
    graphs: set[str] = set()
    for named in related:
        type_def = case.supergraph.types.get(named.name)
        field_def = type_def.fields.get(selected.node.name.value) if type_def else None
        if field_def is not None:
            graphs |= {g.graph for g in field_def.graphs if not g.external}
    return graphs


def _shared_at(case: Case, path: tuple[str | int, ...]) -> bool:
    """Is the value at ``path`` that of a field two subgraphs or more resolve?"""
    found = field_key_path(path)
    parent = case.selections("ours").get(found[0]) if found else None
    if found is None or parent is None:
        return False
    nodes = [s for s in parent.keys.get(found[1], []) if s.included]
    return any(len(_copies(case, s)) >= 2 for s in nodes)


def _leaf(value: Any) -> bool:
    return value is not None and not isinstance(value, dict | list)


def shareable_copies_disagree(case: Case) -> frozenset[Atom]:
    """Values that differ at a field two subgraphs or more resolve, where both answers
    have one: each gateway asked another subgraph's copy of it."""
    return frozenset(
        ("data", path)
        for path, ours, apollo in case.points
        if _leaf(ours) and _leaf(apollo) and _shared_at(case, path)
    )


def _from_subgraph(error: dict[str, Any]) -> bool:
    extensions = error.get("extensions")
    return isinstance(extensions, dict) and "serviceName" in extensions


def failing_copy_of_a_shareable_field(case: Case) -> frozenset[Atom]:
    """Our subgraph errors at a field two subgraphs or more resolve, where Apollo, with no
    error of its own, answers a value (and the nulls above and below that error):
    our plan asked the copy that fails."""
    if case.apollo_only:
        return frozenset()
    out: set[Atom] = set()
    for index, error in enumerate(case.ours_only):
        path = error_path(error)
        if path is None or not _from_subgraph(error) or not _shared_at(case, path):
            continue
        if value_at(case.apollo_data, path) is None:
            continue
        out.add(("ours", index))
        out |= {
            ("data", p)
            for p, ours, apollo in case.points
            if ours is None and apollo is not None and (is_prefix(p, path) or is_prefix(path, p))
        }
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
    Variance(
        "variance: the copies of a shareable field disagree",
        "Federation lets any subgraph that resolves a @shareable field answer it, on the "
        "promise that every copy gives the same value; where the subgraphs break it "
        "(`label` in capitals in beta, not in gamma; the audit's `isActive`, true in a for "
        "an Admin and false in c for every Account), the value depends on which copy a plan "
        "asks, or on which of two fetches asking both lands last: both answers are valid.",
        shareable_copies_disagree,
        subgraphs_disagree=True,
        example=(
            "shareable_copies",
            "{ album { id } feed { tags { ... on Blue { size } label __typename l2: label id } } }",
            {},
        ),
    ),
    Variance(
        "variance: our plan asks a failing copy of a shareable field",
        "Where one subgraph's copy of a @shareable field fails and another's answers, "
        "the answer depends on which copy a plan asks; ours asks the failing one on a "
        "plan with no more fetches than Apollo's (it joins a fetch the operation makes "
        "anyway: `album` and `feed` in one request to alpha, then gamma; Apollo asks "
        "alpha, then beta and gamma). Apollo asking it on a poorer plan is Apollo's "
        "failing-subgraph-of-a-shareable-field.",
        failing_copy_of_a_shareable_field,
        subgraphs_disagree=True,
        example=(
            "failing_copy",
            "{ album { id } feed { tags { ... on Blue { size } label __typename l2: label id } } }",
            {},
        ),
    ),
)
