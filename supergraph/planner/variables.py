"""Which variables a subgraph operation uses (so a fetch forwards only those)."""

from __future__ import annotations

from graphql import ListValueNode, ObjectValueNode, ValueNode, VariableNode

from supergraph.planner.selection import FieldItem, FragmentItem, SelectionSet


def used_variables(selection: SelectionSet) -> set[str]:
    names: set[str] = set()
    _collect(selection, names)
    return names


def _collect(selection: SelectionSet, names: set[str]) -> None:
    for item in selection.items.values():
        for directive in item.directives:
            for argument in directive.arguments or ():
                _value(argument.value, names)
        match item:
            case FieldItem():
                for argument in item.arguments:
                    _value(argument.value, names)
                if item.sub is not None:
                    _collect(item.sub, names)
            case FragmentItem():
                _collect(item.sub, names)


def _value(value: ValueNode, names: set[str]) -> None:
    match value:
        case VariableNode():
            names.add(value.name.value)
        case ListValueNode():
            for inner in value.values:
                _value(inner, names)
        case ObjectValueNode():
            for field in value.fields:
                _value(field.value, names)
        case _:
            pass
