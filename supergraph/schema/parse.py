"""Supergraph SDL -> `Supergraph` model (join spec v0.1 to v0.5, Federation 1 and 2)."""

from __future__ import annotations

from collections.abc import Sequence

from graphql import (
    ConstDirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    FieldDefinitionNode,
    GraphQLError,
    GraphQLSyntaxError,
    ListTypeNode,
    NamedTypeNode,
    NonNullTypeNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    TypeNode,
    build_ast_schema,
    parse,
)
from graphql.utilities import value_from_ast_untyped

from supergraph.schema.api import build_api_schema
from supergraph.schema.errors import SupergraphError
from supergraph.schema.fieldset import field_set_names, parse_field_set
from supergraph.schema.links import Links, read_links
from supergraph.schema.model import (
    Authorization,
    ContextArgument,
    FieldDef,
    FieldInGraph,
    FieldSet,
    Key,
    Subgraph,
    Supergraph,
    TypeDef,
    TypeInGraph,
)
from supergraph.schema.sdl import named_type, type_kind

_TypeNode = TypeDefinitionNode | TypeExtensionNode


def load_supergraph(sdl: str) -> Supergraph:
    """Parse a supergraph SDL into the immutable `Supergraph` model.

    Accepts Federation 1 (`@core`, join v0.1) and Federation 2 (`@link`, join
    v0.2-v0.5) supergraphs as composed by Apollo or Hive. Raises
    `SupergraphError` naming the element when the SDL is corrupt or links a
    spec the router cannot honour. Pure: no I/O.
    """
    try:
        document = parse(sdl)
    except GraphQLSyntaxError as error:
        raise SupergraphError(f"supergraph SDL is not valid GraphQL: {error.message}") from None
    schema_nodes: list[SchemaDefinitionNode | SchemaExtensionNode] = [
        d for d in document.definitions if isinstance(d, SchemaDefinitionNode | SchemaExtensionNode)
    ]
    links = read_links(schema_nodes)
    try:
        schema = build_ast_schema(document)
    except (GraphQLError, TypeError) as error:
        raise SupergraphError(f"supergraph SDL does not build a schema: {error}") from None
    subgraphs, graph_by_enum = _read_graphs(document, links)
    nodes: dict[str, list[_TypeNode]] = {}
    for definition in document.definitions:
        if isinstance(definition, TypeDefinitionNode | TypeExtensionNode):
            nodes.setdefault(definition.name.value, []).append(definition)
    machinery = links.machinery_prefixes()
    reader = _Reader(links, graph_by_enum, tuple(subgraphs))
    types = {
        name: reader.type_def(name, group)
        for name, group in nodes.items()
        if not name.startswith(machinery)
    }
    query = schema.query_type
    if query is None:
        raise SupergraphError("the supergraph has no query root type")
    return Supergraph(
        subgraphs=subgraphs,
        types=types,
        api_schema=build_api_schema(document, links),
        schema=schema,
        join_version=links.join_version,
        query_type=query.name,
        mutation_type=schema.mutation_type.name if schema.mutation_type else None,
        subscription_type=schema.subscription_type.name if schema.subscription_type else None,
        graph_by_enum=graph_by_enum,
        source=sdl,
    )


def _read_graphs(
    document: DocumentNode, links: Links
) -> tuple[dict[str, Subgraph], dict[str, str]]:
    enum_name = f"{links.directive('join')}__Graph"
    graph_directive = links.directive("join", "graph")
    for definition in document.definitions:
        if isinstance(definition, EnumTypeDefinitionNode) and definition.name.value == enum_name:
            subgraphs: dict[str, Subgraph] = {}
            by_enum: dict[str, str] = {}
            for value in definition.values or ():
                args = _directive_args(value.directives, graph_directive)
                if not args:
                    raise SupergraphError(
                        f"{enum_name}.{value.name.value} has no @{graph_directive}"
                    )
                name, url = args[0].get("name"), args[0].get("url")
                if not isinstance(name, str) or not isinstance(url, str):
                    raise SupergraphError(
                        f"@{graph_directive} on {enum_name}.{value.name.value} needs name and url"
                    )
                subgraphs[name] = Subgraph(name=name, url=url, enum_value=value.name.value)
                by_enum[value.name.value] = name
            return subgraphs, by_enum
    raise SupergraphError(f"the supergraph has no {enum_name} enum listing its subgraphs")


def _directive_args(
    directives: Sequence[ConstDirectiveNode] | None, name: str
) -> list[dict[str, object]]:
    return [
        {a.name.value: value_from_ast_untyped(a.value) for a in d.arguments or ()}
        for d in directives or ()
        if d.name.value == name
    ]


def _printed(type_node: TypeNode) -> str:
    match type_node:
        case NonNullTypeNode():
            return _printed(type_node.type) + "!"
        case ListTypeNode():
            return "[" + _printed(type_node.type) + "]"
        case NamedTypeNode():
            return type_node.name.value
        case _:
            raise SupergraphError("unexpected type reference")


class _Reader:
    """Reads one type's join directives; knows the local directive names."""

    def __init__(self, links: Links, graph_by_enum: dict[str, str], all_graphs: tuple[str, ...]):
        self.links = links
        self.graph_by_enum = graph_by_enum
        self.all_graphs = all_graphs
        self.fed1 = links.join_version == "0.1"

    def graph(self, value: object, where: str) -> str:
        if not isinstance(value, str) or value not in self.graph_by_enum:
            raise SupergraphError(f"{where} refers to unknown subgraph {value!r}")
        return self.graph_by_enum[value]

    def type_def(self, name: str, group: list[_TypeNode]) -> TypeDef:
        kind = type_kind(group[0])
        directives = [d for node in group for d in node.directives or ()]
        graphs = self._type_graphs(name, directives)
        owner_args = _directive_args(directives, self.links.directive("join", "owner"))
        owner = (
            self.graph(owner_args[0].get("graph"), f"@join__owner on {name}")
            if owner_args
            else None
        )
        interfaces = tuple(
            i.name.value for node in group for i in getattr(node, "interfaces", None) or ()
        )
        implements = tuple(
            (self.graph(a.get("graph"), f"@join__implements on {name}"), str(a.get("interface")))
            for a in _directive_args(directives, self.links.directive("join", "implements"))
        )
        members = tuple(m.name.value for node in group for m in getattr(node, "types", None) or ())
        union_members = tuple(
            (self.graph(a.get("graph"), f"@join__unionMember on {name}"), str(a.get("member")))
            for a in _directive_args(directives, self.links.directive("join", "unionMember"))
        )
        enum_values: list[str] = []
        enum_value_graphs: list[tuple[str, str]] = []
        for node in group:
            for value in getattr(node, "values", None) or ():
                if not isinstance(node, EnumTypeDefinitionNode | EnumTypeExtensionNode):
                    continue
                enum_values.append(value.name.value)
                for a in _directive_args(
                    value.directives, self.links.directive("join", "enumValue")
                ):
                    enum_value_graphs.append(
                        (self.graph(a.get("graph"), f"{name}.{value.name.value}"), value.name.value)
                    )
        fields: dict[str, FieldDef] = {}
        if kind in {"object", "interface"}:
            key_fields = {
                t.graph: {n for k in t.keys for n in field_set_names(k.selections)} for t in graphs
            }
            for node in group:
                for field_node in getattr(node, "fields", None) or ():
                    assert isinstance(field_node, FieldDefinitionNode)
                    fields[field_node.name.value] = self._field(
                        name, field_node, graphs, owner, key_fields
                    )
        return TypeDef(
            name=name,
            kind=kind,
            graphs=graphs,
            fields=fields,
            interfaces=interfaces,
            implements=implements,
            members=members,
            union_members=union_members,
            enum_values=tuple(enum_values),
            enum_value_graphs=tuple(enum_value_graphs),
            owner=owner,
            inaccessible=self._inaccessible(directives),
            authorization=self._authorization(directives),
            contexts=tuple(
                str(a.get("name"))
                for a in _directive_args(directives, self.links.directive("context"))
            ),
        )

    def _type_graphs(
        self, name: str, directives: list[ConstDirectiveNode]
    ) -> tuple[TypeInGraph, ...]:
        by_graph: dict[str, TypeInGraph] = {}
        for args in _directive_args(directives, self.links.directive("join", "type")):
            graph = self.graph(args.get("graph"), f"@join__type on {name}")
            current = by_graph.get(graph) or TypeInGraph(graph=graph)
            keys = current.keys
            key = args.get("key")
            if isinstance(key, str):
                selections = parse_field_set(key, f"@join__type(key:) on {name}")
                keys = (
                    *keys,
                    Key(
                        fields=key,
                        selections=selections,
                        resolvable=args.get("resolvable", True) is not False,
                    ),
                )
            by_graph[graph] = TypeInGraph(
                graph=graph,
                keys=keys,
                extension=current.extension or args.get("extension") is True,
                is_interface_object=current.is_interface_object
                or args.get("isInterfaceObject") is True,
            )
        return tuple(by_graph.values())

    def _field(
        self,
        type_name: str,
        node: FieldDefinitionNode,
        type_graphs: tuple[TypeInGraph, ...],
        owner: str | None,
        key_fields: dict[str, set[str]],
    ) -> FieldDef:
        where = f"{type_name}.{node.name.value}"
        joins = _directive_args(node.directives, self.links.directive("join", "field"))
        graphs: dict[str, FieldInGraph] = {}
        for args in joins:
            if args.get("graph") is None:
                continue  # `@join__field` without graph: only reachable through an @interfaceObject
            graph = self.graph(args.get("graph"), f"@join__field on {where}")
            requires, provides = args.get("requires"), args.get("provides")
            contexts = tuple(
                ContextArgument(
                    name=str(c.get("name")),
                    type=str(c.get("type")),
                    context=str(c.get("context")),
                    selection=str(c.get("selection")),
                    fields=_context_selection(str(c.get("selection")), where),
                )
                for c in args.get("contextArguments") or ()  # type: ignore[attr-defined]
                if isinstance(c, dict)
            )
            graphs[graph] = FieldInGraph(
                graph=graph,
                requires=parse_field_set(requires, f"@join__field(requires:) on {where}")
                if isinstance(requires, str)
                else None,
                requires_text=requires if isinstance(requires, str) else None,
                provides=parse_field_set(provides, f"@join__field(provides:) on {where}")
                if isinstance(provides, str)
                else None,
                provides_text=provides if isinstance(provides, str) else None,
                type=args["type"] if isinstance(args.get("type"), str) else None,  # type: ignore[arg-type]
                external=args.get("external") is True,
                override=args["override"] if isinstance(args.get("override"), str) else None,  # type: ignore[arg-type]
                used_overridden=args.get("usedOverridden") is True,
                override_label=args["overrideLabel"]
                if isinstance(args.get("overrideLabel"), str)
                else None,  # type: ignore[arg-type]
                context_arguments=contexts,
            )
        if not joins:
            # No @join__field: the field lives wherever the type does (Federation 1:
            # with its owner when the type has one).
            implied = (
                [owner]
                if (self.fed1 and owner)
                else [t.graph for t in type_graphs] or list(self.all_graphs)
            )
            for graph in implied:
                graphs[graph] = FieldInGraph(graph=graph)
        if self.fed1:
            # Federation 1 subgraphs that extend an entity mark its key fields
            # @external but can return them; the supergraph does not list them.
            for graph, names in key_fields.items():
                if node.name.value in names and graph not in graphs:
                    graphs[graph] = FieldInGraph(graph=graph)
        return FieldDef(
            name=node.name.value,
            type=_printed(node.type),
            named_type=named_type(node.type),
            graphs=tuple(graphs.values()),
            inaccessible=self._inaccessible(node.directives),
            authorization=self._authorization(node.directives),
        )

    def _inaccessible(self, directives: Sequence[ConstDirectiveNode] | None) -> bool:
        name = self.links.directive("inaccessible")
        return any(d.name.value == name for d in directives or ())

    def _authorization(self, directives: Sequence[ConstDirectiveNode] | None) -> Authorization:
        authenticated = any(
            d.name.value == self.links.directive("authenticated") for d in directives or ()
        )
        scopes = _nested_strings(
            _directive_args(directives, self.links.directive("requiresScopes")), "scopes"
        )
        policies = _nested_strings(
            _directive_args(directives, self.links.directive("policy")), "policies"
        )
        return Authorization(authenticated=authenticated, scopes=scopes, policies=policies)


def _context_selection(text: str, where: str) -> FieldSet:
    """`" { prop }"` or `"... on A { prop } ... on B { prop }"` as a field set."""
    text = text.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    return parse_field_set(text, f"@join__field(contextArguments:) on {where}")


def _nested_strings(args_list: list[dict[str, object]], key: str) -> tuple[tuple[str, ...], ...]:
    out: list[tuple[str, ...]] = []
    for args in args_list:
        value = args.get(key)
        if isinstance(value, list):
            for group in value:
                if isinstance(group, list):
                    out.append(tuple(str(v) for v in group))
    return tuple(out)
