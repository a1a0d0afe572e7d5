"""@fromContext (join v0.5 `contextArguments`): where a contextual argument's value is.

A field argument marked `@fromContext(field: "$ctx { prop }")` is not the
client's: its value is `prop` of the nearest ancestor whose type sets `ctx`
(`@context`). The planner selects `prop` at that ancestor, fetches the field
in an entity fetch, and passes the value as a variable named as Apollo names
it (`contextualArgument_<subgraph number>_<argument index>`). The executor
finds each entity's value by the `contextRewrites` paths: one ".." per field
up from the entity, then the ancestor's type condition and the fields.
"""

from __future__ import annotations

from graphql import ArgumentNode, NameNode, VariableNode

from supergraph.operation import Field
from supergraph.planner.plan import KeyRenamer
from supergraph.planner.response_keys import ClientKeys, Path
from supergraph.schema import ContextArgument, FieldSet, FieldSetField, Supergraph


def variable_names(sg: Supergraph) -> dict[tuple[str, str, str, str], str]:
    """(graph, type, field, argument) -> variable name, numbered as Apollo numbers them:
    subgraphs in supergraph order from 1, arguments by sorted coordinate from 0."""
    out: dict[tuple[str, str, str, str], str] = {}
    for number, graph in enumerate(sg.subgraphs, start=1):
        coordinates: list[tuple[str, tuple[str, str, str, str]]] = []
        for type_def in sg.types.values():
            for field_def in type_def.fields.values():
                for in_graph in field_def.graphs:
                    if in_graph.graph != graph:
                        continue
                    for argument in in_graph.context_arguments:
                        coordinate = f"{type_def.name}.{field_def.name}({argument.name}:)"
                        key = (graph, type_def.name, field_def.name, argument.name)
                        coordinates.append((coordinate, key))
        for index, (_, key) in enumerate(sorted(coordinates)):
            out[key] = f"contextualArgument_{number}_{index}"
    return out


def sets_context(sg: Supergraph, type_name: str, context: str) -> bool:
    """Values of `type_name` (or some of them, for an abstract type) set `context`: on the
    type itself, on an interface it implements, or on a union it is a member of."""
    type_def = sg.types.get(type_name)
    if type_def is None:
        return False
    if context in type_def.contexts:
        return True
    if type_def.kind != "object":
        return any(
            sets_context(sg, p, context) for p in sg.possible_types(type_name) if p != type_name
        )
    if any(context in sg.types[i].contexts for i in type_def.interfaces if i in sg.types):
        return True
    return any(
        u.kind == "union" and type_name in u.members and context in u.contexts
        for u in sg.types.values()
    )


def value_paths(
    sg: Supergraph,
    ancestor_type: str,
    levels: int,
    argument: ContextArgument,
    aliases: dict[str, str],
    keys: ClientKeys,
    path: Path,
) -> list[tuple[str, ...]]:
    """Paths from an entity to the value: `..` per level, a type condition per runtime type
    of the ancestor that sets the context, then the selection's first field down to its leaf
    (each field under its own key at `path`, the ancestor's position, as `to_selections`
    with the same `keys` selected it)."""
    out: list[tuple[str, ...]] = []
    for runtime in sg.possible_types(ancestor_type) or (ancestor_type,):
        if not sets_context(sg, runtime, argument.context):
            continue
        field = _first_field(sg, argument.fields, runtime)
        if field is None:
            continue
        own = keys.planner_key(path, field.name, field.arguments)
        name = field.alias or own or aliases.get(field.name, field.name)
        field_def = sg.types[runtime].fields.get(field.name)
        inner = (
            *path,
            own or field.name,
            *("@",) * (field_def.type.count("[") if field_def else 0),
        )
        below = field_def.named_type if field_def else runtime
        out.append(
            (
                *("..",) * levels,
                f"... on {runtime}",
                name,
                *_down(sg, below, field.selections, keys, inner),
            )
        )
    return out


def _down(
    sg: Supergraph, type_name: str, fields: FieldSet, keys: ClientKeys, path: Path
) -> tuple[str, ...]:
    """From a selected object down to the value's leaf (`owner { name }` passes the name,
    not the owner object, as Apollo's planner does)."""
    for item in fields:
        if isinstance(item, FieldSetField):
            own = keys.planner_key(path, item.name, item.arguments)
            field_def = sg.types[type_name].fields.get(item.name) if type_name in sg.types else None
            depth = field_def.type.count("[") if field_def else 0
            inner = (*path, own or item.name, *("@",) * depth)
            below = field_def.named_type if field_def else type_name
            return (item.alias or own or item.name, *_down(sg, below, item.selections, keys, inner))
        condition = item.type_condition or type_name
        inner_keys = _down(sg, condition, item.selections, keys, path)
        return (f"... on {item.type_condition}", *inner_keys) if item.type_condition else inner_keys
    return ()


def _first_field(sg: Supergraph, fields: FieldSet, runtime: str) -> FieldSetField | None:
    """The selection's field for objects of `runtime` (type conditions applied)."""
    for item in fields:
        if isinstance(item, FieldSetField):
            return item
        condition = item.type_condition
        if condition is None or runtime in (sg.possible_types(condition) or (condition,)):
            found = _first_field(sg, item.selections, runtime)
            if found is not None:
                return found
    return None


def renamers(paths: list[tuple[str, ...]], variable: str) -> list[KeyRenamer]:
    return [KeyRenamer(path=path, rename_key_to=variable) for path in paths]


def argument_node(name: str, variable: str) -> ArgumentNode:
    return ArgumentNode(
        name=NameNode(value=name), value=VariableNode(name=NameNode(value=variable))
    )


def variable_for(
    sg: Supergraph,
    names: dict[tuple[str, str, str, str], str],
    graph: str,
    type_name: str,
    field: Field,
    argument: ContextArgument,
) -> str:
    """The variable of `argument`; asked on an interface, its implementation's."""
    found = names.get((graph, type_name, field.name, argument.name))
    if found is not None:
        return found
    for possible in sg.possible_types(type_name):
        found = names.get((graph, possible, field.name, argument.name))
        if found is not None:
            return found
    return f"contextualArgument_{field.name}_{argument.name}"
