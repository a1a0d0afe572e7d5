"""Every `@key` selects fields the subgraph defines (possibly as `@external`)."""

from __future__ import annotations

from supergraph.compose.errors import CompositionError, ErrorSink
from supergraph.compose.fieldsets import walk_fieldset
from supergraph.compose.subgraph import Subgraph


def check_key_fields(subgraph: Subgraph, errors: ErrorSink) -> None:
    for type_ in subgraph.types.values():
        for key in type_.keys:
            _, problems = walk_fieldset(subgraph, type_.name, key.fields)
            for problem in problems:
                errors.append(
                    CompositionError(
                        "KEY_INVALID_FIELDS",
                        f'[{subgraph.name}] On type "{type_.name}", for @key(fields: '
                        f'"{key.fields}"): {problem.message} (the field should either be added '
                        "to this subgraph or, if it should not be resolved by this subgraph, you "
                        "need to add it to this subgraph with @external).",
                    )
                )
