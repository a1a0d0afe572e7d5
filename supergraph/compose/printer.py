"""Print the merged schema as supergraph SDL: core features first, then types sorted by name.

Types are sorted (roots first) and each element's directives come in a fixed
order, so composing the same subgraphs always prints the same text and diffs
of `schema.graphql` show only real changes.
"""

from __future__ import annotations

from graphql.language import (
    BooleanValueNode,
    ConstArgumentNode,
    ConstDirectiveNode,
    ConstListValueNode,
    ConstValueNode,
    DefinitionNode,
    EnumTypeDefinitionNode,
    EnumValueDefinitionNode,
    EnumValueNode,
    FieldDefinitionNode,
    InputObjectTypeDefinitionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    IntValueNode,
    NamedTypeNode,
    NameNode,
    ObjectTypeDefinitionNode,
    ScalarTypeDefinitionNode,
    StringValueNode,
    TypeNode,
    UnionTypeDefinitionNode,
    print_ast,
)

from .graph_names import graph_enum_names
from .merged import FieldJoin, MergedArgument, MergedField, MergedSchema, MergedType, TypeJoin
from .specs import (
    FEATURES,
    JOIN_DEFINITIONS,
    JOIN_URL,
    LINK_DEFINITIONS,
    LINK_URL,
    Feature,
    cost_feature,
)
from .subgraph import ROOT_KINDS, ListSize, Meta


def print_supergraph(merged: MergedSchema) -> str:
    printer = _Printer(merged)
    return printer.print()


class _Printer:
    def __init__(self, merged: MergedSchema) -> None:
        self.merged = merged
        self.graph_names = graph_enum_names([name for name, _ in merged.graphs])
        self.used_features: set[str] = set()

    def print(self) -> str:
        types = sorted(self.merged.types.values(), key=self._type_order)
        printed_types = [print_ast(self._type(t)) for t in types]
        features = [f for f in FEATURES if f.directive in self.used_features]
        if self.used_features & {"cost", "listSize"}:
            features.append(cost_feature("listSize" in self.used_features))
        parts = [self._schema(features), LINK_DEFINITIONS, JOIN_DEFINITIONS]
        parts += [f.definitions for f in features]
        parts += [print_ast(d) for _, d in sorted(self.merged.composed_directives.items())]
        parts.append(self._graph_enum())
        parts += printed_types
        return "\n\n".join(parts) + "\n"

    def _type_order(self, type_: MergedType) -> tuple[int, str]:
        roots = list(self.merged.roots.values())
        return (roots.index(type_.name), "") if type_.name in roots else (len(roots), type_.name)

    def _schema(self, features: list[Feature]) -> str:
        links = [f'@link(url: "{LINK_URL}")', f'@link(url: "{JOIN_URL}", for: EXECUTION)']
        for feature in features:
            purpose = f", for: {feature.purpose}" if feature.purpose else ""
            imports = f", import: {feature.imports}" if feature.imports else ""
            links.append(f'@link(url: "{feature.url}"{purpose}{imports})')
        for link in self.merged.composed_links:
            links.append(print_ast(link.node))
        roots = "".join(
            f"\n  {kind}: {self.merged.roots[kind]}"
            for kind in ROOT_KINDS
            if kind in self.merged.roots
        )
        heading = "schema\n" + "".join(f"  {link}\n" for link in links)
        return heading + "{" + roots + "\n}"

    def _graph_enum(self) -> str:
        values = [
            f'  {self.graph_names[name]} @join__graph(name: "{name}", url: "{url}")'
            for name, url in sorted(self.merged.graphs, key=lambda g: self.graph_names[g[0]])
        ]
        return "enum join__Graph {\n" + "\n".join(values) + "\n}"

    def _type(self, type_: MergedType) -> DefinitionNode:
        name = NameNode(value=type_.name)
        description = _description(type_.meta)
        directives = self._type_joins(type_.joins)
        directives += [
            _directive("join__implements", graph=self._graph(g), interface=_string(i))
            for g, i in type_.implements
        ]
        directives += [
            _directive("join__unionMember", graph=self._graph(g), member=_string(m))
            for g, m in type_.members
        ]
        directives += self._meta(type_.meta)
        interfaces = tuple(NamedTypeNode(name=NameNode(value=i)) for i in type_.interfaces)
        fields = tuple(self._field(f) for f in type_.fields.values())
        if type_.kind == "object":
            return ObjectTypeDefinitionNode(
                name=name,
                description=description,
                interfaces=interfaces,
                directives=tuple(directives),
                fields=fields,
            )
        if type_.kind == "interface":
            return InterfaceTypeDefinitionNode(
                name=name,
                description=description,
                interfaces=interfaces,
                directives=tuple(directives),
                fields=fields,
            )
        if type_.kind == "union":
            members: list[str] = []
            for _, member in type_.members:
                if member not in members:
                    members.append(member)
            return UnionTypeDefinitionNode(
                name=name,
                description=description,
                directives=tuple(directives),
                types=tuple(NamedTypeNode(name=NameNode(value=m)) for m in members),
            )
        if type_.kind == "enum":
            values = tuple(
                EnumValueDefinitionNode(
                    name=NameNode(value=v.name),
                    description=_description(v.meta),
                    directives=tuple(
                        [_directive("join__enumValue", graph=self._graph(g)) for g in v.graphs]
                        + self._meta(v.meta)
                    ),
                )
                for v in type_.values.values()
            )
            return EnumTypeDefinitionNode(
                name=name, description=description, directives=tuple(directives), values=values
            )
        if type_.kind == "input":
            inputs = tuple(
                self._input_value(f.name, f.type, f.default, f.meta, f.joins)
                for f in type_.fields.values()
            )
            return InputObjectTypeDefinitionNode(
                name=name, description=description, directives=tuple(directives), fields=inputs
            )
        return ScalarTypeDefinitionNode(
            name=name, description=description, directives=tuple(directives)
        )

    def _type_joins(self, joins: list[TypeJoin]) -> list[ConstDirectiveNode]:
        directives = []
        for join in joins:
            args: dict[str, ConstValueNode] = {"graph": self._graph(join.graph)}
            if join.key is not None:
                args["key"] = _string(join.key)
            if join.extension:
                args["extension"] = BooleanValueNode(value=True)
            if not join.resolvable:
                args["resolvable"] = BooleanValueNode(value=False)
            if join.interface_object:
                args["isInterfaceObject"] = BooleanValueNode(value=True)
            directives.append(_directive("join__type", **args))
        return directives

    def _field(self, field: MergedField) -> FieldDefinitionNode:
        directives = [self._field_join(j) for j in field.joins or ()] + self._meta(field.meta)
        return FieldDefinitionNode(
            name=NameNode(value=field.name),
            description=_description(field.meta),
            arguments=tuple(self._argument(a) for a in field.args.values()),
            type=field.type,
            directives=tuple(directives),
        )

    def _field_join(self, join: FieldJoin) -> ConstDirectiveNode:
        args: dict[str, ConstValueNode] = {}
        if join.graph is not None:
            args["graph"] = self._graph(join.graph)
        if join.requires is not None:
            args["requires"] = _string(join.requires)
        if join.provides is not None:
            args["provides"] = _string(join.provides)
        if join.type is not None:
            args["type"] = _string(join.type)
        if join.external:
            args["external"] = BooleanValueNode(value=True)
        if join.override is not None:
            args["override"] = _string(join.override)
        if join.used_overridden:
            args["usedOverridden"] = BooleanValueNode(value=True)
        if join.override_label is not None:
            args["overrideLabel"] = _string(join.override_label)
        return _directive("join__field", **args)

    def _argument(self, argument: MergedArgument) -> InputValueDefinitionNode:
        return self._input_value(argument.name, argument.type, argument.default, argument.meta)

    def _input_value(
        self,
        name: str,
        type_: TypeNode,
        default: ConstValueNode | None,
        meta: Meta,
        joins: list[FieldJoin] | None = None,
    ) -> InputValueDefinitionNode:
        return InputValueDefinitionNode(
            name=NameNode(value=name),
            description=_description(meta),
            type=type_,
            default_value=default,
            directives=tuple([self._field_join(j) for j in joins or ()] + self._meta(meta)),
        )

    def _meta(self, meta: Meta) -> list[ConstDirectiveNode]:
        directives: list[ConstDirectiveNode] = []
        for tag in meta.tags:
            self.used_features.add("tag")
            directives.append(_directive("tag", name=_string(tag)))
        if meta.inaccessible:
            self.used_features.add("inaccessible")
            directives.append(_directive("inaccessible"))
        if meta.authenticated:
            self.used_features.add("authenticated")
            directives.append(_directive("authenticated"))
        for scopes in meta.scopes:
            self.used_features.add("requiresScopes")
            directives.append(_directive("requiresScopes", scopes=_nested(scopes)))
        for policies in meta.policies:
            self.used_features.add("policy")
            directives.append(_directive("policy", policies=_nested(policies)))
        if meta.list_size is not None:
            self.used_features.add("listSize")
            directives.append(_list_size(meta.list_size))
        if meta.cost is not None:
            self.used_features.add("cost")
            directives.append(_directive("cost", weight=IntValueNode(value=str(meta.cost))))
        if meta.deprecated is not None:
            if meta.deprecated == "No longer supported":
                directives.append(_directive("deprecated"))
            else:
                directives.append(_directive("deprecated", reason=_string(meta.deprecated)))
        directives += meta.custom
        return directives

    def _graph(self, graph: str) -> EnumValueNode:
        return EnumValueNode(value=self.graph_names[graph])


def _directive(directive_name: str, /, **arguments: ConstValueNode) -> ConstDirectiveNode:
    return ConstDirectiveNode(
        name=NameNode(value=directive_name),
        arguments=tuple(
            ConstArgumentNode(name=NameNode(value=k), value=v) for k, v in arguments.items()
        ),
    )


def _list_size(size: ListSize) -> ConstDirectiveNode:
    arguments: dict[str, ConstValueNode] = {}
    if size.assumed_size is not None:
        arguments["assumedSize"] = IntValueNode(value=str(size.assumed_size))
    if size.slicing_arguments is not None:
        arguments["slicingArguments"] = _strings(size.slicing_arguments)
    if size.sized_fields is not None:
        arguments["sizedFields"] = _strings(size.sized_fields)
    if not size.require_one_slicing_argument:
        arguments["requireOneSlicingArgument"] = BooleanValueNode(value=False)
    return _directive("listSize", **arguments)


def _strings(values: tuple[str, ...]) -> ConstListValueNode:
    return ConstListValueNode(values=tuple(_string(v) for v in values))


def _string(value: str) -> StringValueNode:
    return StringValueNode(value=value)


def _nested(value: list[list[str]]) -> ConstListValueNode:
    return ConstListValueNode(
        values=tuple(ConstListValueNode(values=tuple(_string(s) for s in inner)) for inner in value)
    )


def _description(meta: Meta) -> StringValueNode | None:
    if meta.description is None:
        return None
    return StringValueNode(value=meta.description, block="\n" in meta.description)
