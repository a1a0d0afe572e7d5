"""Helpers for plan snapshot tests: load a fixture supergraph, plan an operation, print it."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from textwrap import dedent
from typing import Any

from graphql import parse, validate

from supergraph.planner import build_query_plan
from supergraph.planner.plan import QueryPlan
from supergraph.planner.render import plan_to_json, plan_to_text
from supergraph.schema import Supergraph, load_supergraph

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "supergraphs"

JOIN_V03_PREAMBLE = """
schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)
{
  query: Query
}

directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE
directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA

scalar join__FieldSet
scalar link__Import
enum link__Purpose { SECURITY EXECUTION }
"""
"""The schema, link and join v0.3 definitions a hand-written test supergraph starts with."""


@cache
def supergraph(name: str) -> Supergraph:
    return load_supergraph((FIXTURES / name / "supergraph.graphql").read_text(encoding="utf-8"))


def plan(fixture: str, query: str, operation_name: str | None = None) -> QueryPlan:
    model = supergraph(fixture)
    document = parse(query)
    errors = validate(model.api_schema, document)
    assert not errors, errors
    return build_query_plan(model, document, operation_name)


def plan_text(fixture: str, query: str, operation_name: str | None = None) -> str:
    return plan_to_text(plan(fixture, query, operation_name))


def plan_json(fixture: str, query: str, operation_name: str | None = None) -> dict[str, Any]:
    return plan_to_json(plan(fixture, query, operation_name))


def expected(text: str) -> str:
    return dedent(text).strip("\n")
