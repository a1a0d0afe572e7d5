"""Turn join__FieldSets (keys, requires) into operation selections the walker can plan."""

from __future__ import annotations

from supergraph.operation import Field, InlineFragment, Selection
from supergraph.planner.capabilities import is_abstract
from supergraph.planner.response_keys import ClientKeys, Path, argument_alias
from supergraph.planner.selection import SelectionSet
from supergraph.schema import FieldSet, FieldSetField, FieldSetFragment, Supergraph


def to_selections(
    sg: Supergraph,
    type_name: str,
    field_set: FieldSet,
    keys: ClientKeys | None = None,
    path: Path = (),
) -> tuple[Selection, ...]:
    """A field set as selections to plan at `path`, each field aliased to its own key
    in the merged data when that is not its name (response_keys.py; without `keys`,
    only fields with arguments)."""
    out: list[Selection] = []
    for item in field_set:
        match item:
            case FieldSetField():
                field_def = sg.types[type_name].fields.get(item.name)
                if field_def is None:
                    continue
                alias = _own_key(item, keys, path)
                list_depth = field_def.type.count("[")
                inner = (*path, alias or item.name, *("@",) * list_depth)
                out.append(
                    Field(
                        name=item.name,
                        alias=alias,
                        parent_type=type_name,
                        type_name=field_def.named_type,
                        list_depth=list_depth,
                        arguments=item.arguments,
                        selections=to_selections(
                            sg, field_def.named_type, item.selections, keys, inner
                        ),
                    )
                )
            case FieldSetFragment():
                condition = item.type_condition or type_name
                out.append(
                    InlineFragment(
                        type_condition=condition,
                        selections=to_selections(sg, condition, item.selections, keys, path),
                    )
                )
    return tuple(out)


def _own_key(item: FieldSetField, keys: ClientKeys | None, path: Path) -> str | None:
    if keys is None:
        return argument_alias(item.name, item.arguments)
    return keys.planner_key(path, item.name, item.arguments)


def add_to_representation(
    sg: Supergraph,
    target: SelectionSet,
    type_name: str,
    field_set: FieldSet,
    aliases: dict[str, str] | None = None,
    keys: ClientKeys | None = None,
    path: Path = (),
) -> None:
    """Copy a field set into a representation selection (`__typename` on abstract levels).

    Each field is read under its own key in the merged data at `path` (as
    `to_selections` with the same `keys` selected it); `aliases` maps a field of
    the top level to the response key it has when the planner had to alias it
    there (the executor reads the alias, sends the name).
    """
    for item in field_set:
        match item:
            case FieldSetField():
                field_def = sg.types[type_name].fields.get(item.name)
                composite = bool(item.selections)
                alias = _own_key(item, keys, path) or (aliases or {}).get(item.name)
                node, _ = target.add_field(item.name, alias, (), (), composite, internal=True)
                if composite and node.sub is not None and field_def is not None:
                    if is_abstract(sg, field_def.named_type):
                        node.sub.add_field("__typename", None, (), (), False, internal=True)
                    list_depth = field_def.type.count("[")
                    inner = (*path, alias or item.name, *("@",) * list_depth)
                    add_to_representation(
                        sg, node.sub, field_def.named_type, item.selections, None, keys, inner
                    )
            case FieldSetFragment():
                condition = item.type_condition or type_name
                fragment = target.add_fragment(condition)
                add_to_representation(
                    sg, fragment.sub, condition, item.selections, None, keys, path
                )
