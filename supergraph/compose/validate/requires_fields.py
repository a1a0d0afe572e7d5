"""Every `@requires` selects fields of its type that this subgraph declares `@external`."""

from __future__ import annotations

from supergraph.compose.errors import CompositionError, ErrorSink
from supergraph.compose.subgraph import Subgraph


def check_requires_fields(subgraph: Subgraph, errors: ErrorSink) -> None:
    for type_ in subgraph.types.values():
        for field in type_.fields.values():
            if field.requires is None:
                continue
            where = f'[{subgraph.name}] On field "{type_.name}.{field.name}", for @requires(fields: "{field.requires}")'
            selected, problems = subgraph.walk_field_set(type_.name, field.requires)
            for problem in problems:
                errors.append(
                    CompositionError(
                        "REQUIRES_INVALID_FIELDS",
                        f"{where}: {problem} (if the field is defined in another "
                        "subgraph, you need to add it to this subgraph with @external).",
                    )
                )
            if not subgraph.fed2:
                continue
            for item in selected:
                owner = subgraph.types[item.type_name]
                if (
                    item.type_name == type_.name
                    and not item.under_external
                    and not owner.fields[item.field_name].external
                ):
                    errors.append(
                        CompositionError(
                            "REQUIRES_FIELDS_MISSING_EXTERNAL",
                            f'{where}: field "{item.type_name}.{item.field_name}" should not be '
                            "part of a @requires since it is already provided by this subgraph "
                            "(it is not marked @external)",
                        )
                    )
