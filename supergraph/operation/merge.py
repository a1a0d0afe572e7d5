"""Merge and flatten the typed tree so each response key appears once per level.

- A fragment that always applies (same type, or an abstract type the
  parent, object or interface, belongs to) without directives is spliced
  into its parent; with directives it is kept.
- A fragment that can never apply (an object type that is not the parent)
  is dropped.
- Fields with the same response key and directives are merged (their
  sub-selections concatenated); fragments with the same condition too.
"""

from __future__ import annotations

from dataclasses import replace

from graphql import (
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    print_ast,
)

from supergraph.operation.tree import Field, InlineFragment, Selection


def merge_selections(
    schema: GraphQLSchema, parent_type: str, selections: tuple[Selection, ...]
) -> tuple[Selection, ...]:
    flat = _flatten(schema, parent_type, selections)
    merged: dict[tuple[str, ...], Selection] = {}
    for selection in flat:
        key = _key(selection)
        existing = merged.get(key)
        if existing is None:
            merged[key] = selection
        else:
            merged[key] = replace(existing, selections=existing.selections + selection.selections)
    out: list[Selection] = []
    for selection in merged.values():
        match selection:
            case Field():
                out.append(
                    replace(
                        selection,
                        selections=merge_selections(
                            schema, selection.type_name, selection.selections
                        ),
                    )
                )
            case InlineFragment():
                out.append(
                    replace(
                        selection,
                        selections=merge_selections(
                            schema, selection.type_condition, selection.selections
                        ),
                    )
                )
    return tuple(out)


def _flatten(
    schema: GraphQLSchema, parent_type: str, selections: tuple[Selection, ...]
) -> list[Selection]:
    out: list[Selection] = []
    for selection in selections:
        if isinstance(selection, InlineFragment):
            condition = selection.type_condition
            # Checked first: an interface no object type implements (only an
            # @interfaceObject stands for its values) has no objects to overlap.
            always = _always_applies(schema, parent_type, condition)
            if not always and not _can_apply(schema, parent_type, condition):
                continue
            if always and not selection.directives:
                out.extend(_flatten(schema, parent_type, selection.selections))
                continue
        out.append(selection)
    return out


def _key(selection: Selection) -> tuple[str, ...]:
    directives = " ".join(print_ast(d) for d in selection.directives)
    match selection:
        case Field():
            return ("field", selection.response_key, directives)
        case InlineFragment():
            return ("fragment", selection.type_condition, directives)


def _always_applies(schema: GraphQLSchema, parent_type: str, condition: str) -> bool:
    """The parent is the condition's type, or a type (object or interface) implementing it."""
    if condition == parent_type:
        return True
    parent = schema.get_type(parent_type)
    abstract = schema.get_type(condition)
    if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        return False
    if not isinstance(abstract, GraphQLInterfaceType | GraphQLUnionType):
        return False
    return schema.is_sub_type(abstract, parent)


def _can_apply(schema: GraphQLSchema, parent_type: str, condition: str) -> bool:
    parent = schema.get_type(parent_type)
    target = schema.get_type(condition)
    if parent is None or target is None:
        return False
    parent_objects = _objects(schema, parent)
    target_objects = _objects(schema, target)
    return bool(parent_objects & target_objects)


def _objects(schema: GraphQLSchema, named: object) -> set[str]:
    if isinstance(named, GraphQLObjectType):
        return {named.name}
    try:
        return {t.name for t in schema.get_possible_types(named)}  # type: ignore[arg-type]
    except (TypeError, AttributeError):
        return set()
