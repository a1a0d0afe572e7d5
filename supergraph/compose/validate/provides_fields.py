"""Every `@provides` selects fields of the returned type, which this subgraph marks `@external`."""

from __future__ import annotations

from supergraph.compose.errors import CompositionError, ErrorSink
from supergraph.compose.subgraph import Selected, Subgraph
from supergraph.compose.typerefs import type_str
from supergraph.schema.sdl import named_type

_COMPOSITE = ("object", "interface", "union")


def check_provides_fields(subgraph: Subgraph, errors: ErrorSink) -> None:
    for type_ in subgraph.types.values():
        for field in type_.fields.values():
            if field.provides is None:
                continue
            target = named_type(field.type)
            owner = subgraph.types.get(target)
            if owner is None or owner.kind not in _COMPOSITE:
                errors.append(
                    CompositionError(
                        "PROVIDES_ON_NON_OBJECT_FIELD",
                        f"[{subgraph.name}] Invalid @provides directive on field "
                        f'"{type_.name}.{field.name}": field has type "{type_str(field.type)}" '
                        "which is not a Composite Type",
                    )
                )
                continue
            selected, problems = subgraph.walk_field_set(target, field.provides)
            for problem in problems:
                errors.append(
                    CompositionError(
                        "PROVIDES_INVALID_FIELDS",
                        f'[{subgraph.name}] On field "{type_.name}.{field.name}", for '
                        f'@provides(fields: "{field.provides}"): {problem} (if the field '
                        "is defined in another subgraph, you need to add it to this subgraph "
                        "with @external).",
                    )
                )
            if subgraph.fed2:
                _check_external(
                    subgraph, f"{type_.name}.{field.name}", field.provides, selected, errors
                )


def _check_external(
    subgraph: Subgraph, coordinate: str, fields: str, selected: list[Selected], errors: ErrorSink
) -> None:
    """Provided leaf fields must be @external: a subgraph cannot provide what it resolves anyway."""
    for item in selected:
        provided = subgraph.types[item.type_name].fields[item.field_name]
        target = subgraph.types.get(named_type(provided.type))
        if provided.external or (target is not None and target.kind in _COMPOSITE):
            continue
        if _external_in_implementations(subgraph, item.type_name, item.field_name):
            continue
        errors.append(
            CompositionError(
                "PROVIDES_FIELDS_MISSING_EXTERNAL",
                f'[{subgraph.name}] On field "{coordinate}", for @provides(fields: "{fields}"): '
                f'field "{item.type_name}.{item.field_name}" should not be part of a @provides '
                "since it is already provided by this subgraph (it is not marked @external)",
            )
        )


def _external_in_implementations(subgraph: Subgraph, type_name: str, field_name: str) -> bool:
    """An interface field cannot be @external itself; it is provided when every
    implementation in this subgraph has it @external (Apollo composition agrees)."""
    if subgraph.types[type_name].kind != "interface":
        return False
    fields = [
        t.fields.get(field_name)
        for t in subgraph.types.values()
        if t.kind == "object" and type_name in t.interfaces
    ]
    return bool(fields) and all(f is not None and f.external for f in fields)
