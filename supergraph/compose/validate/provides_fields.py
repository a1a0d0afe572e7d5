"""Every `@provides` selects fields of the returned type."""

from __future__ import annotations

from supergraph.compose.errors import CompositionError, ErrorSink
from supergraph.compose.fieldsets import walk_fieldset
from supergraph.compose.subgraph import Subgraph
from supergraph.compose.typerefs import named_type


def check_provides_fields(subgraph: Subgraph, errors: ErrorSink) -> None:
    for type_ in subgraph.types.values():
        for field in type_.fields.values():
            if field.provides is None:
                continue
            target = named_type(field.type)
            _, problems = walk_fieldset(subgraph, target, field.provides)
            for problem in problems:
                errors.append(
                    CompositionError(
                        "PROVIDES_INVALID_FIELDS",
                        f'[{subgraph.name}] On field "{type_.name}.{field.name}", for '
                        f'@provides(fields: "{field.provides}"): {problem.message} (if the field '
                        "is defined in another subgraph, you need to add it to this subgraph "
                        "with @external).",
                    )
                )
