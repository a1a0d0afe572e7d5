"""The lists of rules composition runs, in order (like graphql-core's `specified_rules`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from supergraph.compose.errors import ErrorSink
from supergraph.compose.model import Supergraph
from supergraph.compose.subgraph import Subgraph

from .extension_with_base import check_extension_with_base
from .external_missing_on_base import check_external_missing_on_base
from .external_unused import check_external_unused
from .interface_fields import check_interface_fields
from .key_fields import check_key_fields
from .provides_fields import check_provides_fields
from .query_root import check_query_root
from .requires_fields import check_requires_fields
from .satisfiability import check_satisfiability

SubgraphRule = Callable[[Subgraph, ErrorSink], None]
SupergraphRule = Callable[[Sequence[Subgraph], Supergraph, ErrorSink], None]

SUBGRAPH_RULES: tuple[SubgraphRule, ...] = (
    check_key_fields,
    check_requires_fields,
    check_provides_fields,
    check_external_unused,
)
SUPERGRAPH_RULES: tuple[SupergraphRule, ...] = (
    check_query_root,
    check_extension_with_base,
    check_external_missing_on_base,
    check_interface_fields,
)
# Run only when everything else passed: on a broken merge they would report noise.
FINAL_RULES: tuple[SupergraphRule, ...] = (check_satisfiability,)
