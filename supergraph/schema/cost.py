"""Demand control's directives in a supergraph: `@cost(weight:)` and `@listSize` (the
cost spec `https://specs.apollo.dev/cost/v0.1`, IBM's GraphQL Cost Directive as
Apollo Federation 2.9+ composes it).

    read_cost_directives(GraphQLSchema) -> CostDirectives

The names come from the schema's `@link` to the cost spec (`@cost` is the spec's own
directive, `@listSize` imported or `@cost__listSize`; `as:` and import renames are
honoured). A supergraph without the link has no weights: every element costs its
default (limits/cost.py). Pure: read once per loaded supergraph.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from graphql import (
    BooleanValueNode,
    ConstDirectiveNode,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    IntValueNode,
    ListValueNode,
    StringValueNode,
)

from supergraph.schema.links import COST_SPEC, local_name, schema_links


@dataclass(frozen=True, slots=True)
class ListSizeDirective:
    """`@listSize` on a field: where the length of its list comes from."""

    assumed_size: int | None = None
    slicing_arguments: tuple[str, ...] = ()
    sized_fields: tuple[str, ...] = ()
    """Fields of the (connection) object whose lists the slicing arguments size."""
    require_one_slicing_argument: bool = True


@dataclass(frozen=True, slots=True)
class CostDirectives:
    """The weights and list sizes of one supergraph, by schema coordinate."""

    types: Mapping[str, int] = field(default_factory=dict)
    fields: Mapping[tuple[str, str], int] = field(default_factory=dict)
    arguments: Mapping[tuple[str, str, str], int] = field(default_factory=dict)
    input_fields: Mapping[tuple[str, str], int] = field(default_factory=dict)
    list_sizes: Mapping[tuple[str, str], ListSizeDirective] = field(default_factory=dict)

    def type_cost(self, type_name: str) -> int | None:
        return self.types.get(type_name)

    def field_cost(self, type_name: str, field_name: str) -> int | None:
        return self.fields.get((type_name, field_name))

    def argument_cost(self, type_name: str, field_name: str, argument: str) -> int | None:
        return self.arguments.get((type_name, field_name, argument))

    def input_field_cost(self, type_name: str, field_name: str) -> int | None:
        return self.input_fields.get((type_name, field_name))

    def list_size(self, type_name: str, field_name: str) -> ListSizeDirective | None:
        return self.list_sizes.get((type_name, field_name))


NO_COST_DIRECTIVES = CostDirectives()


def read_cost_directives(schema: GraphQLSchema) -> CostDirectives:
    names = _local_names(schema)
    if names is None:
        return NO_COST_DIRECTIVES
    cost_name, list_size_name = names
    types: dict[str, int] = {}
    fields: dict[tuple[str, str], int] = {}
    arguments: dict[tuple[str, str, str], int] = {}
    input_fields: dict[tuple[str, str], int] = {}
    list_sizes: dict[tuple[str, str], ListSizeDirective] = {}
    for type_name, type_ in schema.type_map.items():
        if type_name.startswith("__"):
            continue
        if isinstance(type_, GraphQLObjectType | GraphQLScalarType | GraphQLEnumType):
            weight = _weight(_directives(type_), cost_name)
            if weight is not None:
                types[type_name] = weight
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field_ in type_.fields.items():
                directives = _directives(field_)
                weight = _weight(directives, cost_name)
                if weight is not None:
                    fields[type_name, field_name] = weight
                size = _list_size(directives, list_size_name)
                if size is not None:
                    list_sizes[type_name, field_name] = size
                for argument_name, argument in field_.args.items():
                    weight = _weight(_directives(argument), cost_name)
                    if weight is not None:
                        arguments[type_name, field_name, argument_name] = weight
        elif isinstance(type_, GraphQLInputObjectType):
            for field_name, input_field in type_.fields.items():
                weight = _weight(_directives(input_field), cost_name)
                if weight is not None:
                    input_fields[type_name, field_name] = weight
    return CostDirectives(types, fields, arguments, input_fields, list_sizes)


def _local_names(schema: GraphQLSchema) -> tuple[str, str] | None:
    """(`@cost`'s local name, `@listSize`'s), from the link to the cost spec."""
    for link in schema_links([schema.ast_node, *schema.extension_ast_nodes]):
        if link.url.startswith(COST_SPEC):
            return local_name(link, "cost", "cost"), local_name(link, "cost", "listSize")
    return None


def _directives(element: object) -> Iterable[ConstDirectiveNode]:
    node = getattr(element, "ast_node", None)
    return () if node is None else node.directives or ()


def _weight(directives: Iterable[ConstDirectiveNode], name: str) -> int | None:
    for directive in directives:
        if directive.name.value == name:
            for argument in directive.arguments or ():
                if argument.name.value == "weight" and isinstance(argument.value, IntValueNode):
                    return int(argument.value.value)
    return None


def _list_size(directives: Iterable[ConstDirectiveNode], name: str) -> ListSizeDirective | None:
    for directive in directives:
        if directive.name.value != name:
            continue
        assumed: int | None = None
        slicing: tuple[str, ...] = ()
        sized: tuple[str, ...] = ()
        require_one = True
        for argument in directive.arguments or ():
            value = argument.value
            match argument.name.value:
                case "assumedSize" if isinstance(value, IntValueNode):
                    assumed = int(value.value)
                case "slicingArguments":
                    slicing = _strings(value)
                case "sizedFields":
                    sized = _strings(value)
                case "requireOneSlicingArgument" if isinstance(value, BooleanValueNode):
                    require_one = value.value
        return ListSizeDirective(assumed, slicing, sized, require_one)
    return None


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, ListValueNode):
        return ()
    return tuple(v.value for v in value.values if isinstance(v, StringValueNode))
