"""Upgrade a Federation 1 subgraph to Federation 2 semantics, the way Apollo's upgrader does.

Federation 1 let any subgraph resolve any field and required type extensions
to repeat their key fields as `@external`. Federation 2 makes sharing explicit,
so an upgraded subgraph gets: every object field shareable, key fields of type
extensions no longer external, and `@external` fields that nothing uses removed.
"""

from __future__ import annotations

from supergraph.schema.sdl import named_type

from .subgraph import Subgraph


def upgrade_fed1(subgraph: Subgraph) -> None:
    for type_ in subgraph.types.values():
        if type_.kind != "object":
            continue
        key_fields = type_.key_field_names()
        for field in type_.fields.values():
            field.shareable = True
            if field.external and field.name in key_fields and type_.extension:
                field.external = False
    _remove_unused_externals(subgraph)


def _remove_unused_externals(subgraph: Subgraph) -> None:
    used: set[tuple[str, str]] = set()
    for type_ in subgraph.types.values():
        for key in type_.keys:
            used |= {(type_.name, name) for name in key.top_level_fields()}
        for field in type_.fields.values():
            if field.requires:
                selected, _ = subgraph.walk_field_set(type_.name, field.requires)
                used |= {(s.type_name, s.field_name) for s in selected}
            if field.provides:
                selected, _ = subgraph.walk_field_set(named_type(field.type), field.provides)
                used |= {(s.type_name, s.field_name) for s in selected}
    for type_ in subgraph.types.values():
        for name in [n for n, f in type_.fields.items() if f.external]:
            if (type_.name, name) not in used:
                del type_.fields[name]
