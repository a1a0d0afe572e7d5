"""`@tag` and `@inaccessible` cannot go on an `@external` field: it is not this subgraph's to annotate."""

from __future__ import annotations

from supergraph.compose.errors import CompositionError, ErrorSink
from supergraph.compose.subgraph import Subgraph


def check_external_directives(subgraph: Subgraph, errors: ErrorSink) -> None:
    for type_ in subgraph.types.values():
        for field in type_.fields.values():
            if not field.external:
                continue
            applied = [f'@tag(name: "{tag}")' for tag in field.meta.tags]
            applied += ["@inaccessible"] if field.meta.inaccessible else []
            for directive in applied:
                errors.append(
                    CompositionError(
                        "MERGED_DIRECTIVE_APPLICATION_ON_EXTERNAL",
                        f"[{subgraph.name}] Cannot apply merged directive {directive} to external "
                        f'field "{type_.name}.{field.name}"',
                    )
                )
