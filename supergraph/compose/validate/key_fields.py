"""Every `@key` selects fields the subgraph defines, without arguments, never abstract types."""

from __future__ import annotations

from supergraph.compose.errors import CompositionError, ErrorSink
from supergraph.compose.subgraph import Subgraph
from supergraph.schema.sdl import named_type

_ABSTRACT = {"interface": "Interface", "union": "Union"}


def check_key_fields(subgraph: Subgraph, errors: ErrorSink) -> None:
    for type_ in subgraph.types.values():
        for key in type_.keys:
            where = f'[{subgraph.name}] On type "{type_.name}", for @key(fields: "{key.fields}")'
            selected, problems = subgraph.walk_field_set(type_.name, key.fields)
            for problem in problems:
                errors.append(
                    CompositionError(
                        "KEY_INVALID_FIELDS",
                        f"{where}: {problem} (the field should either be added to this "
                        "subgraph or, if it should not be resolved by this subgraph, you need to "
                        "add it to this subgraph with @external).",
                    )
                )
            for item in selected:
                field = subgraph.types[item.type_name].fields[item.field_name]
                coordinate = f"{item.type_name}.{item.field_name}"
                if field.args:
                    errors.append(
                        CompositionError(
                            "KEY_FIELDS_HAS_ARGS",
                            f"{where}: field {coordinate} cannot be included because it has "
                            "arguments (fields with argument are not allowed in @key)",
                        )
                    )
                target = subgraph.types.get(named_type(field.type))
                if target is not None and target.kind in _ABSTRACT:
                    errors.append(
                        CompositionError(
                            "KEY_FIELDS_SELECT_INVALID_TYPE",
                            f'{where}: field "{coordinate}" is a {_ABSTRACT[target.kind]} type '
                            "which is not allowed in @key",
                        )
                    )
