"""`supergraph plan`: print the query plan of an operation (text, or Apollo-shaped JSON)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from graphql import GraphQLSyntaxError, parse, validate

from supergraph.planner import PlanningError, build_query_plan
from supergraph.planner.render import plan_to_json, plan_to_text
from supergraph.schema import SupergraphError, load_supergraph


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--supergraph", required=True, type=Path, help="supergraph SDL file")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("query", nargs="?", help="the GraphQL operation text")
    source.add_argument("--file", type=Path, help="read the operation from this file")
    parser.add_argument("--operation-name", default=None, help="operation to plan")
    parser.add_argument("--json", action="store_true", help="print the plan as JSON")


def run(args: argparse.Namespace) -> int:
    try:
        supergraph = load_supergraph(args.supergraph.read_text(encoding="utf-8"))
        text = args.file.read_text(encoding="utf-8") if args.file else args.query
        document = parse(text, allow_empty_selection_sets=False)
    except OSError as error:
        print(f"supergraph plan: {error}", file=sys.stderr)
        return 2
    except SupergraphError as error:
        print(f"supergraph plan: invalid supergraph: {error}", file=sys.stderr)
        return 2
    except GraphQLSyntaxError as error:
        print(f"supergraph plan: {error.message}", file=sys.stderr)
        return 1
    invalid = validate(supergraph.api_schema, document)
    if invalid:
        for problem in invalid:
            print(f"supergraph plan: {problem}", file=sys.stderr)
        return 1
    try:
        plan = build_query_plan(supergraph, document, args.operation_name)
    except PlanningError as error:
        print(f"supergraph plan: {error}", file=sys.stderr)
        return 1
    print(json.dumps(plan_to_json(plan), indent=2) if args.json else plan_to_text(plan))
    return 0
