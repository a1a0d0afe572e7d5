"""`supergraph plan`: print the query plan of an operation (text, or Apollo-shaped JSON).

The supergraph defaults to ./schema.graphql (what `supergraph dev` serves); the
operation comes from the argument, `--file`, or standard input (`-`, or no
argument with stdin not a terminal: `cat op.graphql | supergraph plan`).
"""

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
    parser.add_argument(
        "--supergraph",
        type=Path,
        default=Path(DEFAULT_SUPERGRAPH),
        help=f"supergraph SDL file (default: {DEFAULT_SUPERGRAPH}, as `supergraph dev`)",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "query", nargs="?", help="the GraphQL operation text (- or none: standard input)"
    )
    source.add_argument("--file", type=Path, help="read the operation from this file")
    parser.add_argument("--operation-name", default=None, help="operation to plan")
    parser.add_argument("--json", action="store_true", help="print the plan as JSON")


DEFAULT_SUPERGRAPH = "schema.graphql"


def _operation(args: argparse.Namespace) -> str | None:
    """The operation's text; None when there is none to read."""
    if args.file:
        text: str = args.file.read_text(encoding="utf-8")
        return text
    if args.query is not None and args.query != "-":
        return str(args.query)
    if args.query is None and sys.stdin.isatty():
        return None
    return sys.stdin.read()


def run(args: argparse.Namespace) -> int:
    try:
        supergraph = load_supergraph(args.supergraph.read_text(encoding="utf-8"))
        text = _operation(args)
        if text is None:
            print(
                "supergraph plan: give the operation (an argument, --file F, or on stdin)",
                file=sys.stderr,
            )
            return 2
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
