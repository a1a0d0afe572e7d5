"""Demand control's cost model: Apollo Router's static estimate and actual cost.

    CostModel(schema, directives, list_size)
      .estimate(plan, variables)                    -> the cost before execution
      .actual(operation, fragments, data, variables) -> the cost of what came back

As Apollo documents it (https://www.apollographql.com/docs/graphos/routing/security/
demand-control, "Calculating cost") and its router computes it: the estimate is the sum
of the costs of the subgraph requests the plan sends (both branches of a condition: the
larger), each scored like an operation: 10 for a mutation, 0 for a query; a field of
object, interface or union type costs 1, of scalar or enum type 0, unless `@cost` on the
field (else on its type) gives a weight; a list field multiplies the cost of one item
(weight plus selections) by its size: the value of its `@listSize` slicing argument (a
literal, a variable's value, else the argument's default; the largest when several),
else `assumedSize`, else `list_size` from router.yaml (the `sizedFields` of a
connection take the size of the field that returns it). Arguments add their `@cost`
(input objects 1 each, plus their fields). An entity fetch is its `_entities` list,
sized `list_size` like any list without `@listSize`, so each one costs `list_size`
times what it selects: the plan's `@requires` fetches are counted this way, not guessed.
`__typename` and fields skipped by `@skip`/`@include` cost nothing.

The actual cost walks the client's operation over the response: each object 1 (or its
weight), each scalar its weight, a list the sum of its items, plus the arguments. Only
list lengths make the two differ.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from graphql import (
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    NullValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    parse,
)
from graphql.type.definition import GraphQLArgument, GraphQLField, GraphQLInputField

from supergraph.planner.plan import (
    Condition,
    Fetch,
    Flatten,
    Parallel,
    PlanNode,
    QueryPlan,
    Sequence,
)
from supergraph.schema.cost import CostDirectives, ListSizeDirective

MUTATION_BASE_COST = 10
"""Apollo's base cost of a mutation (a query or subscription: 0)."""
COMPOSITE_COST = 1
"""An object, interface or union value without `@cost`."""
INPUT_OBJECT_COST = 1
"""An input object argument without `@cost` (plus its fields)."""
ENTITIES_FIELD = "_entities"


class CostNotComputable(Exception):
    """The operation cannot be costed (Apollo: COST_QUERY_PARSE_FAILURE), e.g. a field
    whose `@listSize` requires exactly one slicing argument got none or two."""


Variables = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class _Scoring:
    fragments: Mapping[str, FragmentDefinitionNode]
    variables: Variables


@dataclass(slots=True)
class _ExpectedSize:
    """A `@listSize` applied to one field of the operation."""

    size: int | None
    sized_fields: tuple[str, ...] = field(default_factory=tuple)

    def size_of(self, field_name: str) -> int | None:
        return self.size if field_name in self.sized_fields else None


class CostModel:
    """Costs of operations on one supergraph (read once, shared by every request)."""

    def __init__(self, schema: GraphQLSchema, directives: CostDirectives, list_size: int) -> None:
        """`schema`: the full supergraph schema (subgraph requests select from it)."""
        self.schema = schema
        self.directives = directives
        self.list_size = list_size

    # -- before execution: the plan -------------------------------------------------------

    def estimate(self, plan: QueryPlan, variables: Variables) -> float:
        return 0.0 if plan.node is None else self._node(plan.node, variables)

    def _node(self, node: PlanNode, variables: Variables) -> float:
        match node:
            case Fetch() as fetch:
                return self.fetch_cost(fetch.operation, variables)
            case Flatten(node=child):
                return self._node(child, variables)
            case Sequence(nodes=children) | Parallel(nodes=children):
                return sum(self._node(child, variables) for child in children)
            case Condition(if_clause=yes, else_clause=no):
                return max(self._node(n, variables) if n is not None else 0.0 for n in (yes, no))
        raise TypeError(f"unknown plan node {node!r}")

    def fetch_cost(self, operation_text: str, variables: Variables) -> float:
        """One subgraph request, scored as Apollo scores it against that subgraph."""
        document = _parsed(operation_text)
        fragments = _fragments(document)
        return sum(
            self.operation_cost(d, fragments, variables)
            for d in document.definitions
            if isinstance(d, OperationDefinitionNode)
        )

    def operation_cost(
        self,
        operation: OperationDefinitionNode,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Variables,
    ) -> float:
        """An operation scored on its own (the plan's parts, or a client's operation on a
        single-subgraph supergraph: the same number)."""
        base = MUTATION_BASE_COST if operation.operation is OperationType.MUTATION else 0
        root = self.schema.get_root_type(operation.operation)
        if root is None:
            raise CostNotComputable(f"The schema has no {operation.operation.value} type.")
        scoring = _Scoring(fragments, variables)
        return base + self._selections(scoring, operation.selection_set, root.name, None)

    def _selections(
        self,
        scoring: _Scoring,
        selection_set: SelectionSetNode | None,
        parent: str,
        expected: _ExpectedSize | None,
    ) -> float:
        if selection_set is None:
            return 0.0
        cost = 0.0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                upstream = expected.size_of(selection.name.value) if expected else None
                cost += self._field(scoring, selection, parent, upstream)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = parent if condition is None else condition.name.value
                cost += self._selections(scoring, selection.selection_set, inner, expected)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = scoring.fragments.get(selection.name.value)
                if fragment is None:
                    raise CostNotComputable(f"Unknown fragment '{selection.name.value}'.")
                inner = fragment.type_condition.name.value
                cost += self._selections(scoring, fragment.selection_set, inner, expected)
        return cost

    def _field(
        self, scoring: _Scoring, node: FieldNode, parent: str, upstream: int | None
    ) -> float:
        name = node.name.value
        if name == "__typename" or _skipped(node, scoring.variables):
            return 0.0
        if name == ENTITIES_FIELD and parent == self._query_name():
            # `_entities: [_Entity]!` of the subgraph: a list without @listSize.
            inner = self._selections(scoring, node.selection_set, "_Entity", None)
            return self.list_size * (COMPOSITE_COST + inner)
        definition = self._field_definition(parent, name)
        list_size = self.directives.list_size(parent, name)
        expected = None if list_size is None else _expected(list_size, definition, node, scoring)
        output = definition.type
        if not _is_list(output):
            count = 1
        elif upstream is not None:
            count = upstream
        elif expected is not None and expected.size is not None:
            count = expected.size
        else:
            count = self.list_size
        type_cost = self._output_cost(parent, name, output)
        type_cost += self._selections(
            scoring, node.selection_set, get_named_type(output).name, expected
        )
        arguments = 0.0
        for argument in node.arguments or ():
            argument_definition = definition.args.get(argument.name.value)
            if argument_definition is None:
                raise CostNotComputable(f"Unknown argument '{argument.name.value}' of {name}.")
            weight = self.directives.argument_cost(parent, name, argument.name.value)
            arguments += self._argument(
                argument.value, argument_definition, weight, scoring.variables
            )
        # An empty list costs nothing, even when its items would overflow (0 * inf).
        return (count * type_cost if count else 0.0) + arguments

    def _output_cost(self, parent: str, name: str, output: Any) -> float:
        weight = self.directives.field_cost(parent, name)
        if weight is not None:
            return float(weight)
        named = get_named_type(output)
        weight = self.directives.type_cost(named.name)
        if weight is not None:
            return float(weight)
        composite = (GraphQLObjectType, GraphQLInterfaceType, GraphQLUnionType)
        return float(COMPOSITE_COST) if isinstance(named, composite) else 0.0

    def _argument(
        self,
        value: ValueNode | Any,
        definition: GraphQLArgument | GraphQLInputField,
        weight: int | None,
        variables: Variables,
        *,
        literal: bool = True,
    ) -> float:
        """Apollo's `score_argument` / `score_variable`: a literal, or a variable's value
        (`literal=False`: a JSON value)."""
        if literal and isinstance(value, VariableNode):
            found = variables.get(value.name.value)
            return (
                0.0
                if found is None
                else self._argument(found, definition, weight, variables, literal=False)
            )
        own = weight if weight is not None else self._type_weight(definition.type)
        input_type = get_named_type(definition.type)
        if (literal and isinstance(value, NullValueNode)) or (not literal and value is None):
            return 0.0
        if isinstance(input_type, GraphQLInputObjectType):
            items = _object_items(value, literal)
            if items is not None:
                cost = float(own if own is not None else INPUT_OBJECT_COST)
                for key, inner in items:
                    inner_definition = input_type.fields.get(key)
                    if inner_definition is None:
                        raise CostNotComputable(f"Unknown input field '{key}'.")
                    inner_weight = self.directives.input_field_cost(input_type.name, key)
                    cost += self._argument(
                        inner, inner_definition, inner_weight, variables, literal=literal
                    )
                return cost
        elements = _list_items(value, literal)
        if elements is not None:
            cost = float(own or 0)
            for element in elements:
                cost += self._argument(element, definition, weight, variables, literal=literal)
            return cost
        return float(own or 0)

    def _type_weight(self, input_type: GraphQLInputType) -> int | None:
        named = get_named_type(input_type)
        if isinstance(named, GraphQLScalarType | GraphQLEnumType):
            return self.directives.type_cost(named.name)
        return None

    def _field_definition(self, parent: str, name: str) -> GraphQLField:
        type_ = self.schema.get_type(parent)
        fields = getattr(type_, "fields", None)
        definition = None if fields is None else fields.get(name)
        if definition is None:
            raise CostNotComputable(f"Cannot cost field '{parent}.{name}': not in the schema.")
        return definition  # type: ignore[no-any-return]

    def _query_name(self) -> str:
        query = self.schema.query_type
        return "Query" if query is None else query.name

    # -- after execution: the response ----------------------------------------------------

    def actual(
        self,
        operation: OperationDefinitionNode,
        fragments: Mapping[str, FragmentDefinitionNode],
        data: Mapping[str, Any] | None,
        variables: Variables,
    ) -> float:
        """Apollo's actual cost: the response's own list lengths (no operation base cost)."""
        root = self.schema.get_root_type(operation.operation)
        if data is None or root is None:
            return 0.0
        scoring = _Scoring(fragments, variables)
        return self._response_selections(scoring, operation.selection_set, root.name, data)

    def _response_selections(
        self, scoring: _Scoring, selection_set: SelectionSetNode, parent: str, data: Any
    ) -> float:
        if not isinstance(data, Mapping):
            return 0.0
        cost = 0.0
        concrete = data.get("__typename") if isinstance(data.get("__typename"), str) else None
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                key = (selection.alias or selection.name).value
                if key in data and not _skipped(selection, scoring.variables):
                    cost += self._response_field(scoring, selection, parent, data[key], True)
            else:
                if isinstance(selection, InlineFragmentNode):
                    inner_set = selection.selection_set
                    condition = selection.type_condition
                    inner = None if condition is None else condition.name.value
                elif isinstance(selection, FragmentSpreadNode):
                    fragment = scoring.fragments.get(selection.name.value)
                    if fragment is None:
                        continue
                    inner_set = fragment.selection_set
                    inner = fragment.type_condition.name.value
                else:
                    continue
                if inner is not None and not self._applies(inner, concrete, parent):
                    continue
                cost += self._response_selections(scoring, inner_set, inner or parent, data)
        return cost

    def _applies(self, condition: str, concrete: str | None, parent: str) -> bool:
        """Does a fragment on `condition` apply to this object (typename when known)?"""
        type_name = concrete or parent
        if condition == type_name:
            return True
        abstract = self.schema.get_type(condition)
        runtime = self.schema.get_type(type_name)
        if isinstance(abstract, GraphQLInterfaceType | GraphQLUnionType) and isinstance(
            runtime, GraphQLObjectType
        ):
            return self.schema.is_sub_type(abstract, runtime)
        return concrete is None  # unknown: count what was returned

    def _response_field(
        self, scoring: _Scoring, node: FieldNode, parent: str, value: Any, with_arguments: bool
    ) -> float:
        name = node.name.value
        if name == "__typename":
            return 0.0
        type_ = self.schema.get_type(parent)
        fields = getattr(type_, "fields", None)
        definition = None if fields is None else fields.get(name)
        if definition is None:
            return 0.0
        named = get_named_type(definition.type).name
        weight = self.directives.field_cost(parent, name)
        if weight is None:
            weight = self.directives.type_cost(named)
        cost = self._response_value(scoring, node, named, weight, value)
        if with_arguments:
            for argument in node.arguments or ():
                argument_definition = definition.args.get(argument.name.value)
                if argument_definition is None:
                    continue
                argument_weight = self.directives.argument_cost(parent, name, argument.name.value)
                try:
                    cost += self._argument(
                        argument.value, argument_definition, argument_weight, scoring.variables
                    )
                except CostNotComputable:
                    continue
        return cost

    def _response_value(
        self, scoring: _Scoring, node: FieldNode, named: str, weight: int | None, value: Any
    ) -> float:
        """One value of a field: each item of a list scored alone (no arguments)."""
        if isinstance(value, list):
            return sum(self._response_value(scoring, node, named, weight, v) for v in value)
        if isinstance(value, Mapping):
            cost = float(weight if weight is not None else COMPOSITE_COST)
            if node.selection_set is not None:
                cost += self._response_selections(scoring, node.selection_set, named, value)
            return cost
        return float(weight or 0)


def _expected(
    directive: ListSizeDirective, definition: GraphQLField, node: FieldNode, scoring: _Scoring
) -> _ExpectedSize:
    """The size `@listSize` gives this use of the field (Apollo's `ListSizeDirective`)."""
    if not directive.slicing_arguments:
        return _ExpectedSize(directive.assumed_size, directive.sized_fields)
    values: dict[str, int] = {}
    for name in directive.slicing_arguments:
        declared = definition.args.get(name)
        default = None if declared is None or declared.ast_node is None else declared.ast_node
        if default is not None and isinstance(default.default_value, IntValueNode):
            values[name] = int(default.default_value.value)
    for given_argument in node.arguments or ():
        name = given_argument.name.value
        if name not in directive.slicing_arguments:
            continue
        given = given_argument.value
        if isinstance(given, IntValueNode):
            values[name] = _size(int(given.value))
        elif isinstance(given, VariableNode):
            found = scoring.variables.get(given.name.value)
            if isinstance(found, int) and not isinstance(found, bool):
                values[name] = _size(found)
    if directive.require_one_slicing_argument and len(values) != 1:
        raise CostNotComputable(
            f"Exactly one slicing argument is required on field '{node.name.value}',"
            f" but found {len(values)}."
        )
    size = max(values.values()) if values else directive.assumed_size
    return _ExpectedSize(size, directive.sized_fields)


MAX_SLICE = 2**31 - 1
"""Apollo reads slicing arguments as 32-bit integers; a custom scalar could carry more."""


def _size(value: int) -> int:
    """A client's slicing value as a list size: negative ones are empty lists."""
    return min(max(value, 0), MAX_SLICE)


def _is_list(output: Any) -> bool:
    return isinstance(get_nullable_type(output), GraphQLList)


def _skipped(node: FieldNode, variables: Variables) -> bool:
    for directive in node.directives or ():
        name = directive.name.value
        if name in ("skip", "include"):
            condition = _condition(directive, variables)
            if condition is not None and condition == (name == "skip"):
                return True
    return False


def _condition(directive: DirectiveNode, _variables: Variables) -> bool | None:
    for argument in directive.arguments or ():
        if argument.name.value != "if":
            continue
        value = argument.value
        # Apollo reads literals only: `@skip(if: $var)` counts (an upper bound); the
        # planner's condition nodes already take the larger branch of a variable.
        if isinstance(value, BooleanValueNode):
            return value.value
    return None


def _object_items(value: Any, literal: bool) -> list[tuple[str, Any]] | None:
    if literal:
        if isinstance(value, ObjectValueNode):
            return [(f.name.value, f.value) for f in value.fields]
        return None
    return list(value.items()) if isinstance(value, Mapping) else None


def _list_items(value: Any, literal: bool) -> list[Any] | None:
    if literal:
        return list(value.values) if isinstance(value, ListValueNode) else None
    return value if isinstance(value, list) else None


@lru_cache(maxsize=2048)
def _parsed(operation_text: str) -> DocumentNode:
    """Subgraph operations are the planner's (as many as cached plans hold): parsed once."""
    return parse(operation_text, no_location=True)


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
