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
