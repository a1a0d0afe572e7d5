"""Generated operations on every fixture: plans never read data before it is fetched.

Operations are generated from each API schema with a fixed seed (fields,
nested selections, fragments on abstract types, aliases, arguments and
variable @include/@skip), so the planner is exercised beyond hand-written
cases; each plan must build and pass the data-flow check.
"""

from __future__ import annotations

import random

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    get_named_type,
    parse,
    validate,
)
from graphql.type.definition import GraphQLInputType

from supergraph.planner import build_query_plan
from supergraph.planner.plan import (
    Fetch,
    Flatten,
    Parallel,
    QueryPlan,
    RequiresField,
    RequiresInlineFragment,
    Sequence,
)
from tests.planner.ordering import unmet_requirements
from tests.planner.support import FIXTURES, supergraph

FIXTURE_NAMES = sorted(p.name for p in FIXTURES.iterdir() if (p / "supergraph.graphql").exists())


@pytest.mark.parametrize("fixture", FIXTURE_NAMES)
def test_generated_operations_plan_with_sound_data_flow(fixture: str) -> None:
    model = supergraph(fixture)
    rnd = random.Random(f"{fixture}-7")
    planned = 0
    for _ in range(25):
        text = _operation(model.api_schema, rnd)
        if text is None:
            continue
        document = parse(text)
        if validate(model.api_schema, document):
            continue
        plan = build_query_plan(model, document)
        assert unmet_requirements(plan) == [], text
        planned += 1
    assert planned >= 5


def test_the_check_catches_a_fetch_that_runs_too_early() -> None:
    root = Fetch("a", "{p{__typename id}}")
    entity = Fetch(
        "b",
        "query($representations:[_Any!]!){_entities(representations:$representations){...on P{x}}}",
        requires=(
            RequiresInlineFragment(
                "P", (RequiresField("__typename"), RequiresField("id"), RequiresField("w"))
            ),
        ),
    )
    in_order = QueryPlan(Sequence((root, Flatten(("p",), entity))))
    assert unmet_requirements(in_order) == [("b", ("p", "w"))]
    too_early = QueryPlan(Parallel((root, Flatten(("p",), entity))))
    assert ("b", ("p", "id")) in unmet_requirements(too_early)


def _operation(schema: GraphQLSchema, rnd: random.Random) -> str | None:
    use_variable = rnd.random() < 0.3
    assert schema.query_type is not None
    body = _selection(schema, schema.query_type, rnd, 0, use_variable)
    if not body:
        return None
    if use_variable and "$v" in body:
        return "query($v: Boolean!) " + body
    return body


def _selection(
    schema: GraphQLSchema,
    named: GraphQLNamedType,
    rnd: random.Random,
    depth: int,
    variable: bool,
) -> str:
    parts: list[str] = []
    if isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
        if rnd.random() < 0.5:
            parts.append("__typename")
        if isinstance(named, GraphQLInterfaceType):
            parts += _fields(schema, named, rnd, depth, variable)
        possible = list(schema.get_possible_types(named))
        for obj in rnd.sample(possible, min(len(possible), rnd.randint(1, 3))):
            inner = _selection(schema, obj, rnd, depth, variable)
            condition = " @include(if: $v)" if variable and rnd.random() < 0.3 else ""
            if inner:
                parts.append(f"... on {obj.name}{condition} {inner}")
    elif isinstance(named, GraphQLObjectType):
        parts += _fields(schema, named, rnd, depth, variable)
    return "{ " + " ".join(parts) + " }" if parts else ""


def _fields(
    schema: GraphQLSchema,
    owner: GraphQLObjectType | GraphQLInterfaceType,
    rnd: random.Random,
    depth: int,
    variable: bool,
) -> list[str]:
    names = [n for n in owner.fields if not n.startswith("__")]
    out: list[str] = []
    for index, name in enumerate(rnd.sample(names, min(len(names), rnd.randint(1, 4)))):
        field = owner.fields[name]
        arguments: list[str] = []
        for arg_name, argument in field.args.items():
            value = _literal(argument.type)
            required = isinstance(argument.type, GraphQLNonNull) and argument.default_value is None
            if value is None and required:
                break
            if value is not None and (required or rnd.random() < 0.2):
                arguments.append(f"{arg_name}: {value}")
        else:
            alias = f"a{index}: " if rnd.random() < 0.15 else ""
            text = alias + name + (f"({', '.join(arguments)})" if arguments else "")
            if variable and rnd.random() < 0.15:
                text += rnd.choice([" @include(if: $v)", " @skip(if: $v)"])
            inner_type = get_named_type(field.type)
            if isinstance(inner_type, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType):
                if depth >= 3:
                    continue
                inner = _selection(schema, inner_type, rnd, depth + 1, variable)
                if not inner:
                    continue
                text += " " + inner
            out.append(text)
    return out


def _literal(type_: GraphQLInputType) -> str | None:
    if isinstance(type_, GraphQLNonNull):
        return _literal(type_.of_type)
    if isinstance(type_, GraphQLList):
        inner = _literal(type_.of_type)
        return None if inner is None else f"[{inner}]"
    if isinstance(type_, GraphQLEnumType):
        return str(next(iter(type_.values)))
    if isinstance(type_, GraphQLScalarType):
        return {"Int": "1", "Float": "1.5", "Boolean": "true"}.get(type_.name, '"1"')
    return None
