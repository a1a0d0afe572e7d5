"""An `@external` field must be used: by a key, a `@requires`, a `@provides` or an interface."""

from __future__ import annotations

from supergraph.compose.errors import CompositionError, ErrorSink
from supergraph.compose.subgraph import Subgraph
from supergraph.schema.sdl import named_type


def used_external_fields(subgraph: Subgraph) -> set[tuple[str, str]]:
    used: set[tuple[str, str]] = set()
    for type_ in subgraph.types.values():
        for key in type_.keys:
            selected, _ = subgraph.walk_field_set(type_.name, key.fields)
            used |= {(s.type_name, s.field_name) for s in selected}
            used |= {(type_.name, name) for name in key.top_level_fields()}
        for interface in type_.interfaces:
            owner = subgraph.types.get(interface)
            if owner is not None:
                used |= {(type_.name, name) for name in owner.fields}
        for field in type_.fields.values():
            if field.requires:
                selected, _ = subgraph.walk_field_set(type_.name, field.requires)
                used |= {(s.type_name, s.field_name) for s in selected}
            if field.provides:
                selected, _ = subgraph.walk_field_set(named_type(field.type), field.provides)
                used |= {(s.type_name, s.field_name) for s in selected}
    return used


def check_external_unused(subgraph: Subgraph, errors: ErrorSink) -> None:
    if not subgraph.fed2:
        return  # the Federation 1 upgrade already removed unused external fields
    used = used_external_fields(subgraph)
    for type_ in subgraph.types.values():
        for field in type_.fields.values():
            if field.external and (type_.name, field.name) not in used:
                errors.append(
                    CompositionError(
                        "EXTERNAL_UNUSED",
                        f'[{subgraph.name}] Field "{type_.name}.{field.name}" is marked @external '
                        "but is not used in any federation directive (@key, @provides, @requires) "
                        "or to satisfy an interface; the field declaration has no use and should "
                        "be removed (or the field should not be @external).",
                    )
                )
