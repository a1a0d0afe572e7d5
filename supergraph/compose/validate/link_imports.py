"""`@link(import:)` lists `"@name"` strings or `{name: "@name", as: "@local"}` objects only."""

from __future__ import annotations

from supergraph.compose.errors import CompositionError, ErrorSink
from supergraph.compose.subgraph import FederationNames


def check_link_imports(subgraph_name: str, names: FederationNames, errors: ErrorSink) -> None:
    for link in names.links:
        for entry in link.invalid_imports:
            errors.append(
                CompositionError(
                    "INVALID_LINK_DIRECTIVE_USAGE",
                    f'[{subgraph_name}] Invalid import {entry} in @link(url: "{link.url}"): list '
                    'strings like "@key", or objects like {name: "@key", as: "@myKey"}',
                )
            )
