"""Reduce a supergraph SDL to what it means, so two composers' outputs can be compared.

Kept: root types, the subgraphs (name and URL), every API type with its kind,
description, fields, arguments, values, members and directives (join directives
included). Dropped: spec definitions (`link__`, `join__`, feature scalars),
`@link` versions, the order of anything, default-valued join arguments, and the
`join__Graph` enum value names (replaced by the subgraph names they stand for).
"""

from __future__ import annotations

from typing import Any

from graphql import parse
from graphql.language import (
    DirectiveDefinitionNode,
    DirectiveNode,
    EnumTypeDefinitionNode,
    EnumValueNode,
    FieldDefinitionNode,
    InputObjectTypeDefinitionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    ListValueNode,
    ObjectTypeDefinitionNode,
    OperationDefinitionNode,
    SchemaDefinitionNode,
    StringValueNode,
    TypeDefinitionNode,
    UnionTypeDefinitionNode,
    ValueNode,
    print_ast,
)

_JOIN_DEFAULTS = {
    ("join__type", "extension", "false"),
    ("join__type", "resolvable", "true"),
    ("join__type", "isInterfaceObject", "false"),
    ("join__field", "external", "false"),
    ("join__field", "usedOverridden", "false"),
}
_FIELD_SETS = {"key", "requires", "provides"}
_SORTED_LISTS = {"requiresScopes", "policy"}
_SPEC_DIRECTIVES = {"tag", "inaccessible", "authenticated", "requiresScopes", "policy", "link"}


def normalize(sdl: str) -> dict[str, Any]:
    document = parse(sdl, no_location=True)
    graphs = _graphs(document.definitions)
    result: dict[str, Any] = {"roots": {}, "graphs": sorted(graphs.values()), "types": {}}
    result["custom_directives"] = sorted(
        print_ast(d)
        for d in document.definitions
        if isinstance(d, DirectiveDefinitionNode)
        and "__" not in d.name.value
        and d.name.value not in _SPEC_DIRECTIVES
    )
    for definition in document.definitions:
        if isinstance(definition, SchemaDefinitionNode):
            for op in definition.operation_types or ():
                result["roots"][op.operation.value] = op.type.name.value
        elif isinstance(definition, TypeDefinitionNode) and "__" not in definition.name.value:
            result["types"][definition.name.value] = _type(definition, graphs)
    return result


def _graphs(definitions: Any) -> dict[str, tuple[str, str]]:
    for definition in definitions:
        if (
            isinstance(definition, EnumTypeDefinitionNode)
            and definition.name.value == "join__Graph"
        ):
            graphs: dict[str, tuple[str, str]] = {}
            for value in definition.values or ():
                args = {
                    a.name.value: a.value for d in value.directives or () for a in d.arguments or ()
                }
                name, url = args["name"], args["url"]
                assert isinstance(name, StringValueNode) and isinstance(url, StringValueNode)
                graphs[value.name.value] = (name.value, url.value)
            return graphs
    return {}


def _type(node: TypeDefinitionNode, graphs: dict[str, tuple[str, str]]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": type(node).__name__,
        "description": _text(node.description),
        "directives": _directives(node.directives or (), graphs, None),
    }
    if isinstance(node, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode):
        out["interfaces"] = sorted(i.name.value for i in node.interfaces or ())
        out["fields"] = {f.name.value: _field(f, graphs) for f in node.fields or ()}
    elif isinstance(node, UnionTypeDefinitionNode):
        out["members"] = sorted(m.name.value for m in node.types or ())
    elif isinstance(node, EnumTypeDefinitionNode):
        out["values"] = {
            v.name.value: {
                "description": _text(v.description),
                "directives": _directives(v.directives or (), graphs, None),
            }
            for v in node.values or ()
        }
    elif isinstance(node, InputObjectTypeDefinitionNode):
        out["fields"] = {f.name.value: _input(f, graphs) for f in node.fields or ()}
    return out


def _field(node: FieldDefinitionNode, graphs: dict[str, tuple[str, str]]) -> dict[str, Any]:
    field_type = print_ast(node.type)
    return {
        "type": field_type,
        "description": _text(node.description),
        "args": {a.name.value: _input(a, graphs) for a in node.arguments or ()},
        "directives": _directives(node.directives or (), graphs, field_type),
    }


def _input(node: InputValueDefinitionNode, graphs: dict[str, tuple[str, str]]) -> dict[str, Any]:
    input_type = print_ast(node.type)
    return {
        "type": input_type,
        "default": None if node.default_value is None else print_ast(node.default_value),
        "description": _text(node.description),
        "directives": _directives(node.directives or (), graphs, input_type),
    }


def _directives(
    nodes: tuple[DirectiveNode, ...], graphs: dict[str, tuple[str, str]], own_type: str | None
) -> list[str]:
    printed = []
    for node in nodes:
        name = node.name.value
        args = []
        for argument in node.arguments or ():
            arg = argument.name.value
            value = _value(name, arg, argument.value, graphs)
            if (name, arg, value) in _JOIN_DEFAULTS:
                continue
            if name == "join__field" and arg == "type" and value == f'"{own_type}"':
                continue
            args.append(f"{arg}: {value}")
        printed.append(f"@{name}({', '.join(sorted(args))})")
    return sorted(printed)


def _value(directive: str, arg: str, value: ValueNode, graphs: dict[str, tuple[str, str]]) -> str:
    if isinstance(value, EnumValueNode) and value.value in graphs:
        return graphs[value.value][0]
    if arg in _FIELD_SETS and isinstance(value, StringValueNode):
        return _field_set(value.value)
    if directive in _SORTED_LISTS and isinstance(value, ListValueNode):
        inner = sorted(
            sorted(print_ast(v) for v in item.values)
            if isinstance(item, ListValueNode)
            else [print_ast(item)]
            for item in value.values
        )
        return repr(inner)
    return print_ast(value)


def _text(description: StringValueNode | None) -> str | None:
    return None if description is None else description.value.strip()


def flatten(value: Any, path: str = "") -> list[str]:
    """One line per leaf (`types.User.fields.name.type = String`): diffs read well."""
    if isinstance(value, dict):
        lines: list[str] = []
        for key in sorted(value):
            lines += flatten(value[key], f"{path}.{key}" if path else str(key))
        return lines
    return [f"{path} = {value!r}"]


def semantic_diff(ours: str, reference: str) -> list[str]:
    """Lines only in ours (`+`) or only in the reference (`-`); empty when equal."""
    mine, theirs = set(flatten(normalize(ours))), set(flatten(normalize(reference)))
    return sorted(f"+ {line}" for line in mine - theirs) + sorted(
        f"- {line}" for line in theirs - mine
    )


def _field_set(fields: str) -> str:
    """A field set printed canonically (spacing and line breaks do not matter)."""
    operation = parse("{" + fields + "}", no_location=True).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return " ".join(print_ast(operation.selection_set).split())
