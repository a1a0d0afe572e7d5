"""Turn join__FieldSets (keys, requires) into operation selections the walker can plan."""

from __future__ import annotations

from hashlib import sha1

from graphql import print_ast

from supergraph.operation import Field, InlineFragment, Selection
from supergraph.planner.capabilities import is_abstract
from supergraph.planner.selection import SelectionSet
from supergraph.schema import FieldSet, FieldSetField, FieldSetFragment, Supergraph


def argument_alias(item: FieldSetField) -> str | None:
    """A stable alias for a required field with arguments.

    The client may select the same field with other arguments at the same
    place; the alias keeps the two apart in the subgraph query and in the
    merged response (the representation reads it back under this alias).
    """
    if not item.arguments:
        return None
    text = ",".join(f"{a.name.value}:{print_ast(a.value)}" for a in item.arguments)
    return f"{item.name}__{sha1(text.encode()).hexdigest()[:8]}"


def to_selections(sg: Supergraph, type_name: str, field_set: FieldSet) -> tuple[Selection, ...]:
    out: list[Selection] = []
    for item in field_set:
        match item:
            case FieldSetField():
                field_def = sg.types[type_name].fields.get(item.name)
                if field_def is None:
                    continue
                out.append(
                    Field(
                        name=item.name,
                        alias=argument_alias(item),
                        parent_type=type_name,
                        type_name=field_def.named_type,
                        list_depth=field_def.type.count("["),
                        arguments=item.arguments,
                        selections=to_selections(sg, field_def.named_type, item.selections),
                    )
                )
            case FieldSetFragment():
                condition = item.type_condition or type_name
                out.append(
                    InlineFragment(
                        type_condition=condition,
                        selections=to_selections(sg, condition, item.selections),
                    )
                )
    return tuple(out)


def add_to_representation(
    sg: Supergraph,
    target: SelectionSet,
    type_name: str,
    field_set: FieldSet,
    aliases: dict[str, str] | None = None,
) -> None:
    """Copy a field set into a representation selection (`__typename` on abstract levels).

    `aliases` maps a field to the response key it has in the merged data when
    the planner had to alias it (the executor reads the alias, sends the name).
    """
    for item in field_set:
        match item:
            case FieldSetField():
                field_def = sg.types[type_name].fields.get(item.name)
                composite = bool(item.selections)
                alias = argument_alias(item) or (aliases or {}).get(item.name)
                node, _ = target.add_field(item.name, alias, (), (), composite, internal=True)
                if composite and node.sub is not None and field_def is not None:
                    if is_abstract(sg, field_def.named_type):
                        node.sub.add_field("__typename", None, (), (), False, internal=True)
                    add_to_representation(sg, node.sub, field_def.named_type, item.selections)
            case FieldSetFragment():
                condition = item.type_condition or type_name
                fragment = target.add_fragment(condition)
                add_to_representation(sg, fragment.sub, condition, item.selections)
