"""Contracts: a supergraph whose API shows only what a tag filter selects.

`derive_contract` marks every filtered element of a supergraph `@inaccessible`
(as Apollo's contracts do): the router still plans with all of it (keys and
`@requires` may go through hidden fields) while clients of the contract see,
and may validate against, only the selected part.

Selection, from the subgraphs' `@tag(name:)`s (merged into the supergraph):
- `exclude` tags hide what carries them: types, fields, arguments, enum values,
  input fields.
- With `include` tags, an object or interface type is shown when it, or one of
  its fields, carries one; a field when it or its type does. Enums, scalars,
  unions and input types are shown when something shown uses them.
- Then what can no longer be shown goes too, until nothing changes: a field
  whose type is hidden (or one of its required arguments'), a type left without
  fields, values or members, and (by default) a type no shown field leads to.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from graphql import (
    ConstDirectiveNode,
    DirectiveDefinitionNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    FieldDefinitionNode,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    NameNode,
    NonNullTypeNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    OperationType,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    StringValueNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
    parse,
    print_ast,
)

from supergraph.schema import SupergraphError, load_supergraph
from supergraph.schema.links import Links, read_links
from supergraph.schema.sdl import named_type

from .lint_model import BUILTIN_SCALARS

_N = TypeVar("_N")

INACCESSIBLE_URL = "https://specs.apollo.dev/inaccessible/v0.2"
_INACCESSIBLE_LOCATIONS = (
    "FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM"
    " | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION"
)

_OBJECTS = (
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
)
_INPUTS = (InputObjectTypeDefinitionNode, InputObjectTypeExtensionNode)
_ENUMS = (EnumTypeDefinitionNode, EnumTypeExtensionNode)
_UNIONS = (UnionTypeDefinitionNode, UnionTypeExtensionNode)


class ContractError(ValueError):
    """The filter leaves no valid API (no query field), or the tags are unknown."""


@dataclass(frozen=True, slots=True)
class Contract:
    supergraph_sdl: str
    hidden: tuple[str, ...]
    """The schema coordinates the contract hides (sorted)."""


@dataclass(slots=True)
class _Hidden:
    types: set[str] = field(default_factory=set)
    fields: set[tuple[str, str]] = field(default_factory=set)
    """Output fields and input fields, (type, field)."""
    arguments: set[tuple[str, str, str]] = field(default_factory=set)
    values: set[tuple[str, str]] = field(default_factory=set)

    def size(self) -> int:
        return len(self.types) + len(self.fields) + len(self.arguments) + len(self.values)

    def coordinates(self) -> Iterator[str]:
        yield from self.types
        yield from (f"{t}.{f}" for t, f in self.fields if t not in self.types)
        yield from (
            f"{t}.{f}({a}:)"
            for t, f, a in self.arguments
            if t not in self.types and (t, f) not in self.fields
        )
        yield from (f"{t}.{v}" for t, v in self.values if t not in self.types)


def derive_contract(
    supergraph_sdl: str,
    include: Iterable[str] = (),
    exclude: Iterable[str] = (),
    hide_unreachable: bool = True,
) -> Contract:
    """The contract supergraph SDL (raises SupergraphError for an invalid input
    supergraph, ContractError for a filter that leaves no API)."""
    load_supergraph(supergraph_sdl)  # a valid supergraph to start from
    document = parse(supergraph_sdl)
    schema_nodes = [
        d for d in document.definitions if isinstance(d, SchemaDefinitionNode | SchemaExtensionNode)
    ]
    links = read_links(schema_nodes)
    graph = _Graph(document, links)
    include_set, exclude_set = frozenset(include), frozenset(exclude)
    unknown = (include_set | exclude_set) - graph.all_tags()
    if unknown:
        raise ContractError(f"no element carries the tag(s) {sorted(unknown)}")
    hidden = graph.select(include_set, exclude_set)
    graph.cascade(hidden, hide_unreachable)
    query = graph.roots.get(OperationType.QUERY)
    if query is None or query in hidden.types:
        raise ContractError("the contract shows no Query field")
    sdl = _emit(document, links, graph, hidden)
    try:
        load_supergraph(sdl)
    except SupergraphError as error:
        raise ContractError(f"the contract is not a valid supergraph: {error}") from None
    return Contract(sdl, tuple(sorted(hidden.coordinates())))


class _Graph:
    """The supergraph's client-visible elements and their tags."""

    def __init__(self, document: DocumentNode, links: Links) -> None:
        self.tag = links.directive("tag")
        machinery = links.machinery_prefixes()
        self.nodes: dict[str, list[TypeDefinitionNode | TypeExtensionNode]] = {}
        for definition in document.definitions:
            if isinstance(definition, TypeDefinitionNode | TypeExtensionNode):
                name = definition.name.value
                if not name.startswith(machinery):
                    self.nodes.setdefault(name, []).append(definition)
        self.roots: dict[OperationType, str] = {}
        for definition in document.definitions:
            if isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode):
                for declared in definition.operation_types or ():
                    self.roots[declared.operation] = declared.type.name.value

    def is_(self, name: str, kinds: tuple[type, ...]) -> bool:
        return any(isinstance(node, kinds) for node in self.nodes.get(name, ()))

    def fields(self, name: str) -> list[FieldDefinitionNode | InputValueDefinitionNode]:
        return [f for node in self.nodes.get(name, ()) for f in getattr(node, "fields", None) or ()]

    def tags(self, node: object) -> frozenset[str]:
        out = set()
        for directive in getattr(node, "directives", None) or ():
            if directive.name.value != self.tag:
                continue
            for argument in directive.arguments or ():
                if argument.name.value == "name" and isinstance(argument.value, StringValueNode):
                    out.add(argument.value.value)
        return frozenset(out)

    def type_tags(self, name: str) -> frozenset[str]:
        return frozenset().union(*(self.tags(node) for node in self.nodes.get(name, ())))

    def all_tags(self) -> frozenset[str]:
        found: set[str] = set()
        for name, nodes in self.nodes.items():
            found |= self.type_tags(name)
            for node in nodes:
                for child in getattr(node, "fields", None) or ():
                    found |= self.tags(child)
                    for argument in getattr(child, "arguments", None) or ():
                        found |= self.tags(argument)
                for value in getattr(node, "values", None) or ():
                    found |= self.tags(value)
        return frozenset(found)

    def select(self, include: frozenset[str], exclude: frozenset[str]) -> _Hidden:
        hidden = _Hidden()
        roots = set(self.roots.values())
        for name, nodes in self.nodes.items():
            tags = self.type_tags(name)
            fields = self.fields(name)
            if tags & exclude:
                hidden.types.add(name)
                continue
            is_object = self.is_(name, _OBJECTS)
            if (
                include
                and is_object
                and name not in roots
                and not tags & include
                and not any(self.tags(f) & include for f in fields)
            ):
                hidden.types.add(name)
                continue
            for child in fields:
                child_tags = self.tags(child)
                shown_by_include = bool(tags & include or child_tags & include)
                if child_tags & exclude or (include and is_object and not shown_by_include):
                    hidden.fields.add((name, child.name.value))
                for argument in getattr(child, "arguments", None) or ():
                    if self.tags(argument) & exclude:
                        hidden.arguments.add((name, child.name.value, argument.name.value))
            for node in nodes:
                for value in getattr(node, "values", None) or ():
                    if self.tags(value) & exclude:
                        hidden.values.add((name, value.name.value))
        return hidden

    def cascade(self, hidden: _Hidden, hide_unreachable: bool) -> None:
        while True:
            before = hidden.size()
            self._follow_types(hidden)
            if hide_unreachable and hidden.size() == before:
                reachable = self._reachable(hidden)
                hidden.types |= {n for n in self.nodes if n not in reachable}
            if hidden.size() == before:
                return

    def _follow_types(self, hidden: _Hidden) -> None:
        for name, nodes in self.nodes.items():
            if name in hidden.types:
                continue
            shown_fields = [
                f for f in self.fields(name) if (name, f.name.value) not in hidden.fields
            ]
            for child in shown_fields:
                self._follow_field(name, child, hidden)
            shown_fields = [
                f for f in self.fields(name) if (name, f.name.value) not in hidden.fields
            ]
            values = [v for node in nodes for v in getattr(node, "values", None) or ()]
            members = [t for node in nodes for t in getattr(node, "types", None) or ()]
            if (
                (self.is_(name, _OBJECTS + _INPUTS) and not shown_fields)
                or (
                    self.is_(name, _ENUMS)
                    and all((name, v.name.value) in hidden.values for v in values)
                )
                or (self.is_(name, _UNIONS) and all(m.name.value in hidden.types for m in members))
            ):
                hidden.types.add(name)

    def _follow_field(
        self, owner: str, child: FieldDefinitionNode | InputValueDefinitionNode, hidden: _Hidden
    ) -> None:
        name = child.name.value
        if named_type(child.type) in hidden.types:
            if isinstance(child, InputValueDefinitionNode) and _required(child):
                hidden.types.add(owner)  # a required input field cannot go alone
            hidden.fields.add((owner, name))
            return
        for argument in getattr(child, "arguments", None) or ():
            key = (owner, name, argument.name.value)
            if named_type(argument.type) in hidden.types or key in hidden.arguments:
                if _required(argument):
                    hidden.fields.add((owner, name))  # cannot be called without it
                    return
                hidden.arguments.add(key)

    def _reachable(self, hidden: _Hidden) -> set[str]:
        shown_roots = [r for r in self.roots.values() if r not in hidden.types]
        seen: set[str] = set()
        stack = list(shown_roots)
        implementations: dict[str, list[str]] = {}
        for name, nodes in self.nodes.items():
            for node in nodes:
                for interface in getattr(node, "interfaces", None) or ():
                    implementations.setdefault(interface.name.value, []).append(name)
        while stack:
            name = stack.pop()
            if name in seen or name in hidden.types or name not in self.nodes:
                continue
            seen.add(name)
            for child in self.fields(name):
                if (name, child.name.value) in hidden.fields:
                    continue
                stack.append(named_type(child.type))
                for argument in getattr(child, "arguments", None) or ():
                    if (name, child.name.value, argument.name.value) not in hidden.arguments:
                        stack.append(named_type(argument.type))
            for node in self.nodes[name]:
                stack += [t.name.value for t in getattr(node, "types", None) or ()]
                stack += [i.name.value for i in getattr(node, "interfaces", None) or ()]
            stack += implementations.get(name, [])
        return seen | BUILTIN_SCALARS


def _required(value: InputValueDefinitionNode) -> bool:
    return isinstance(value.type, NonNullTypeNode) and value.default_value is None


def _emit(document: DocumentNode, links: Links, graph: _Graph, hidden: _Hidden) -> str:
    inaccessible = links.directive("inaccessible")
    linked = "inaccessible" in links.prefixes or any(
        v == inaccessible for k, v in links.imports.items() if k.startswith("inaccessible")
    )
    mark = ConstDirectiveNode(name=NameNode(value=inaccessible), arguments=())
    definitions = list(document.definitions)
    hidden_roots = {op for op, name in graph.roots.items() if name in hidden.types}
    for index, definition in enumerate(definitions):
        if isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode):
            directives = tuple(definition.directives or ())
            if not linked and isinstance(definition, SchemaDefinitionNode):
                directives += (_link_directive(),)
                linked = True
            definitions[index] = dataclasses.replace(
                definition,
                directives=directives,
                operation_types=tuple(
                    o for o in definition.operation_types or () if o.operation not in hidden_roots
                ),
            )
        elif (
            isinstance(definition, TypeDefinitionNode | TypeExtensionNode)
            and definition.name.value in graph.nodes
        ):
            definitions[index] = _marked(definition, hidden, mark)
    if not any(
        isinstance(d, DirectiveDefinitionNode) and d.name.value == inaccessible for d in definitions
    ):
        definitions.append(
            parse(f"directive @{inaccessible} on {_INACCESSIBLE_LOCATIONS}").definitions[0]
        )
    return print_ast(DocumentNode(definitions=tuple(definitions))) + "\n"


def _marked(definition: _N, hidden: _Hidden, mark: ConstDirectiveNode) -> _N:
    """The type definition with `mark` on what the contract hides (AST nodes are frozen)."""
    name: str = definition.name.value  # type: ignore[attr-defined]
    if name in hidden.types:
        return _with(definition, mark)
    changes: dict[str, Any] = {}
    fields = getattr(definition, "fields", None)
    if fields:
        changes["fields"] = tuple(_marked_field(name, child, hidden, mark) for child in fields)
    values = getattr(definition, "values", None)
    if values:
        changes["values"] = tuple(
            _with(v, mark) if (name, v.name.value) in hidden.values else v for v in values
        )
    return dataclasses.replace(definition, **changes) if changes else definition  # type: ignore[type-var]


def _marked_field(owner: str, child: _N, hidden: _Hidden, mark: ConstDirectiveNode) -> _N:
    field_name: str = child.name.value  # type: ignore[attr-defined]
    if (owner, field_name) in hidden.fields:
        return _with(child, mark)
    arguments = getattr(child, "arguments", None)
    if not arguments:
        return child
    marked = tuple(
        _with(a, mark) if (owner, field_name, a.name.value) in hidden.arguments else a
        for a in arguments
    )
    return dataclasses.replace(child, arguments=marked)  # type: ignore[type-var]


def _with(node: _N, mark: ConstDirectiveNode) -> _N:
    directives = tuple(getattr(node, "directives", None) or ())
    if any(d.name.value == mark.name.value for d in directives):
        return node
    return dataclasses.replace(node, directives=(*directives, mark))  # type: ignore[type-var]


def _link_directive() -> ConstDirectiveNode:
    definition = parse(f'schema @link(url: "{INACCESSIBLE_URL}", for: SECURITY) {{ query: Q }}')
    node = definition.definitions[0]
    assert isinstance(node, SchemaDefinitionNode)
    directive = (node.directives or ())[0]
    return directive
