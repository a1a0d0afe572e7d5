"""The lists of rules composition runs, in order (like graphql-core's `specified_rules`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from supergraph.compose.errors import ErrorSink
from supergraph.compose.merged import MergedSchema
from supergraph.compose.subgraph import Subgraph
from supergraph.schema.model import Supergraph

from .compose_directive import check_compose_directive
from .cost_usage import check_cost_usage
from .extension_with_base import check_extension_with_base
from .external_directives import check_external_directives
from .external_missing_on_base import check_external_missing_on_base
from .external_unused import check_external_unused
from .implemented_by_inaccessible import check_implemented_by_inaccessible
from .interface_fields import check_interface_fields
from .interface_keys import check_interface_keys
from .interface_object_usage import check_interface_object_usage
from .key_fields import check_key_fields
from .only_inaccessible_children import check_only_inaccessible_children
from .override_usage import check_override_usage
from .provides_fields import check_provides_fields
from .query_root import check_query_root
from .query_root_accessible import check_query_root_accessible
from .referenced_inaccessible import check_referenced_inaccessible
from .required_inaccessible import check_required_inaccessible
from .requires_fields import check_requires_fields
from .satisfiability import check_satisfiability
from .shareable_usage import check_shareable_usage
from .transitive_auth import check_transitive_auth

SubgraphRule = Callable[[Subgraph, ErrorSink], None]
MergedRule = Callable[[Sequence[Subgraph], MergedSchema, ErrorSink], None]
FinalRule = Callable[[Sequence[Subgraph], Supergraph, ErrorSink], None]

SUBGRAPH_RULES: tuple[SubgraphRule, ...] = (
    check_key_fields,
    check_requires_fields,
    check_provides_fields,
    check_external_unused,
    check_external_directives,
    check_override_usage,
    check_shareable_usage,
    check_interface_keys,
    check_interface_object_usage,
    check_query_root_accessible,
    check_compose_directive,
    check_cost_usage,
)
MERGED_RULES: tuple[MergedRule, ...] = (
    check_query_root,
    check_extension_with_base,
    check_external_missing_on_base,
    check_interface_fields,
    check_only_inaccessible_children,
    check_referenced_inaccessible,
    check_required_inaccessible,
    check_implemented_by_inaccessible,
    check_transitive_auth,
)
# Run only when everything else passed (on a broken merge they would report noise),
# on the printed supergraph as the router loads it.
FINAL_RULES: tuple[FinalRule, ...] = (check_satisfiability,)
