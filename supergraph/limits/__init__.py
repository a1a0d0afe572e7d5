"""Operation limits: what one operation may cost, checked right after parsing.

measure.py  one iterative pass: per operation, fields / aliases / root fields /
            depth / nesting / introspection fields, fragments expanded
fetches.py  MAX_FETCHES_EXCEEDED, subgraph fetches of the query plan (after planning)

Checked in this order, each with its own code (no locations: the numbers are about
the whole operation, and locating them would cost a second parse):

    MAX_RECURSION_EXCEEDED        nesting through fragment spreads (parser_max_recursion)
    MAX_EXPANDED_FIELDS_EXCEEDED  fields with fragments expanded, all operations (fragment bombs)
    MAX_ALIASES_EXCEEDED          aliased fields, fragments expanded
    MAX_ROOT_FIELDS_EXCEEDED      root fields of one operation
    MAX_DEPTH_EXCEEDED            response depth (a root field is 1)
    INTROSPECTION_DISABLED        `__schema` / `__type` when introspection is off

They run before validation: a document over a limit costs its parse and one
linear walk, never graphql-core's rules, the planner or introspection. The token
limit (MAX_TOKENS_EXCEEDED) and the length limit (MAX_QUERY_LENGTH_EXCEEDED) are
the parser's own (they must stop it before an AST exists); the introspection response size (MAX_INTROSPECTION_BYTES_EXCEEDED) is
checked by the executor's introspection, whose results are cached.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from functools import cache
from typing import Any, Literal, Self

from graphql import GraphQLError
from graphql.language.parser import MAX_NESTING_DEPTH

from supergraph.errors import (
    INTROSPECTION_DISABLED,
    MAX_ALIASES_EXCEEDED,
    MAX_DEPTH_EXCEEDED,
    MAX_EXPANDED_FIELDS_EXCEEDED,
    MAX_RECURSION_EXCEEDED,
    MAX_ROOT_FIELDS_EXCEEDED,
)
from supergraph.limits.measure import DocumentMeasure, Measure, measure
from supergraph.planner.budget import DEFAULT_MAX_STEPS

__all__ = [
    "INTROSPECTION_MIN_BYTES",
    "MAX_RECURSION",
    "CountLimit",
    "DocumentMeasure",
    "Measure",
    "OperationLimits",
    "count_limits",
    "measure",
]

MAX_RECURSION = MAX_NESTING_DEPTH
"""graphql-core's parser refuses selection sets or values nested deeper (a syntax
error), and its validation aborts on documents nesting deeper through fragments
("Validation aborted."): 200. `parser_max_recursion` can only be lower."""

INTROSPECTION_MIN_BYTES = 1_000_000
"""The least `introspection_max_bytes: auto` allows (a small schema's tools may
still ask for a few copies of it)."""


@dataclass(frozen=True, slots=True)
class CountLimit:
    """What router.yaml needs to know of one counting limit (a whole number or null = off)."""

    name: str
    """The OperationLimits field."""
    key: str
    """Its key under router.yaml's `limits` (Apollo Router's name where Apollo has it)."""
    router_default: int | None
    """Its value when router.yaml does not set it."""
    doc: str
    """One line for the configuration schema."""


def _count(
    doc: str, router_default: int | None = None, *, key: str = "", off: int | None = None
) -> Any:
    """A counting limit: `off` as a library (None unless the planner needs a bound),
    `router_default` as router.yaml's default. Only the field's declaration knows these:
    router.yaml's reader and its schema walk `count_limits()`."""
    return field(default=off, metadata={"limit": (key, router_default, doc)})


@dataclass(frozen=True, slots=True)
class OperationLimits:
    """What one operation may cost, each limit defined here once: as a library every
    limit is off (None) unless set, except the planner's step bound and the recursion
    limit, which the router's own stages need; router.yaml's `limits` section is this
    class with the router's defaults (`with_router_defaults`; http/config.py `LimitsConfig`
    adds the edge's and the subgraph requests' limits). A new counting limit is a `_count`
    field and its check, its error code in supergraph/errors.py, a row in
    docs/router-config.md: router.yaml's key, default and schema follow from the field."""

    max_depth: int | None = _count("Depth (a root field is 1).")
    max_aliases: int | None = _count("Aliased fields.", 100)
    """Aliased fields (fragments expanded): dashboards alias dozens, abuse hundreds."""
    max_root_fields: int | None = _count("Root fields per operation.")
    max_tokens: int | None = _count(
        "Tokens (MAX_TOKENS_EXCEEDED).", 15_000, key="parser_max_tokens"
    )
    """As Apollo Router's parser default: bounds the cost of parsing hostile documents."""
    max_query_length: int | None = _count("Characters of GraphQL text.", 262_144)
    """Characters of the document text: the parser's cost per token grows with its
    length (a 1.5 MB string literal is one token), so tokens alone do not bound it. A long
    token (string, comment, name) costs the pure-Python lexer as much per character as a
    15,000-token document costs in all, up to the default."""
    max_expanded_fields: int | None = _count("Fields with fragments expanded.", 15_000)
    """As many fields as `max_tokens` lets plain text hold: fragments must not multiply it."""
    max_fetches: int | None = _count("Subgraph fetches in a plan.", 1_000)
    """Subgraph fetches per plan: far above real operations, far below an alias flood."""
    max_deferred_fragments: int | None = _count("@defer fragments in an operation.", 32)
    """@defer fragments of one operation: pages defer a handful; each is a part to track
    while the plan runs."""
    max_planning_steps: int | None = _count(
        "The planner's work for one plan.", DEFAULT_MAX_STEPS, off=DEFAULT_MAX_STEPS
    )
    """Steps the planner may take for one plan (supergraph/planner/budget.py); on by
    default, as the planner's own bound: a plan that takes more is refused."""
    parser_max_recursion: int = MAX_RECURSION
    introspection: bool = True
    introspection_max_depth: bool = True
    """graphql-js's MaxIntrospectionDepthRule (on unless switched off, as in Apollo Router)."""
    introspection_max_bytes: int | Literal["auto"] | None = "auto"
    """The JSON size of one response's introspection data (None: no limit; auto:
    twice the full introspection of the schema, at least INTROSPECTION_MIN_BYTES)."""

    @classmethod
    def with_router_defaults(cls, **settings: Any) -> Self:
        """The limits as router.yaml sets them when it says nothing, then `settings`."""
        return cls(**{limit.name: limit.router_default for limit in count_limits()} | settings)

    def __post_init__(self) -> None:
        if not 1 <= self.parser_max_recursion <= MAX_RECURSION:
            raise ValueError(f"parser_max_recursion must be 1 to {MAX_RECURSION}")

    def check(self, measured: DocumentMeasure) -> GraphQLError | None:
        """The first limit `measured` exceeds, as a coded error; None when within all."""
        recursion = self.parser_max_recursion
        if measured.nesting > recursion:
            return _error(
                f"The operation nests {measured.nesting} levels deep (selection sets and"
                f" fragment spreads); the limit is {recursion}.",
                MAX_RECURSION_EXCEEDED,
            )
        limit = self.max_expanded_fields
        fields = measured.expanded_fields
        if limit is not None and fields > limit:
            return _error(
                f"The operation has {fields} fields with its fragments expanded (all the"
                f" operations of the document); the limit is {limit}.",
                MAX_EXPANDED_FIELDS_EXCEEDED,
            )
        for _, counts in measured.operations:
            refused = self._check_operation(counts)
            if refused is not None:
                return refused
        if not self.introspection and measured.introspection:
            return _error("Introspection is disabled on this router.", INTROSPECTION_DISABLED)
        return None

    def _check_operation(self, counts: Measure) -> GraphQLError | None:
        limit = self.max_aliases
        if limit is not None and counts.aliases > limit:
            return _error(
                f"The operation has {counts.aliases} aliases; the limit is {limit}.",
                MAX_ALIASES_EXCEEDED,
            )
        limit = self.max_root_fields
        if limit is not None and counts.root_fields > limit:
            return _error(
                f"The operation has {counts.root_fields} root fields; the limit is {limit}.",
                MAX_ROOT_FIELDS_EXCEEDED,
            )
        limit = self.max_depth
        if limit is not None and counts.depth > limit:
            return _error(
                f"The operation is {counts.depth} levels deep; the limit is {limit}.",
                MAX_DEPTH_EXCEEDED,
            )
        return None


@cache
def count_limits() -> tuple[CountLimit, ...]:
    """OperationLimits' counting limits, in declaration order, as router.yaml reads them."""
    out: list[CountLimit] = []
    for limit in fields(OperationLimits):
        if "limit" in limit.metadata:
            key, router_default, doc = limit.metadata["limit"]
            out.append(CountLimit(limit.name, key or limit.name, router_default, doc))
    return tuple(out)


def _error(message: str, code: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code})
