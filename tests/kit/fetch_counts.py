"""Fetch counts of our planner against Apollo's query planner, on generated operations.

Not a test (nothing runs it by default): a tool to find where our plans make more
fetches than @apollo/query-planner (tests/node). For each supergraph file, it
generates operations (tests/kit/generator.py), plans each with both planners and
lists those where ours has more Fetch nodes; `--show N` prints both plans of
operation N. A higher count is not always ours to fix: Apollo's plan sometimes
drops data the operation needs (check by hand).

    .venv/bin/python -m tests.kit.fetch_counts tests/artifacts/conformance/*.json \\
        /work/audit-run/out/ours/*.graphql --count 60

A `.json` file is a composed conformance artifact (its "supergraph" key).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from graphql import parse

from supergraph.planner import PlanningError, build_query_plan
from supergraph.planner.plan import json_fetch_nodes
from supergraph.planner.render import plan_to_json, plan_to_text
from supergraph.schema import load_supergraph
from tests.kit.compose import NODE_DIR, node_executable
from tests.kit.generator import GeneratedOperation, GenerationError, generate

_APOLLO = """
import { QueryPlanner, prettyFormatQueryPlan } from "@apollo/query-planner";
import { Supergraph, operationFromDocument } from "@apollo/federation-internals";
import { parse } from "graphql";
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const { supergraph, operations } = JSON.parse(Buffer.concat(chunks).toString("utf8"));
// Apollo's planner refuses `for: SECURITY` links it does not implement; plans are the same without.
const model = Supergraph.build(supergraph.replace(/, for: SECURITY/g, ""));
const planner = new QueryPlanner(model);
process.stdout.write(JSON.stringify(operations.map(([query, operationName]) => {
  try {
    const plan = planner.buildQueryPlan(
      operationFromDocument(model.schema, parse(query), { operationName: operationName ?? undefined }));
    return { node: plan.node ?? null, text: prettyFormatQueryPlan(plan) };
  } catch (e) {
    return { error: String(e) };
  }
})));
"""


def count_fetches(node: dict[str, Any] | None) -> int:
    return sum(1 for _ in json_fetch_nodes(node))


def apollo_plans(sdl: str, operations: list[GeneratedOperation]) -> list[dict[str, Any]]:
    completed = subprocess.run(
        [node_executable(), "--input-type=module", "-e", _APOLLO],
        input=json.dumps(
            {"supergraph": sdl, "operations": [[o.query, o.operation_name] for o in operations]}
        ),
        capture_output=True,
        text=True,
        cwd=NODE_DIR,
        timeout=600,
        check=True,
    )
    plans: list[dict[str, Any]] = json.loads(completed.stdout)
    return plans


def _read(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        sdl: str = json.loads(text)["supergraph"]
        return sdl
    return text


def compare(path: Path, count: int, seed: int, show: int | None) -> tuple[int, int, int]:
    """(operations compared, ours fewer, ours more); prints the ones where ours has more."""
    sdl = _read(path)
    model = load_supergraph(sdl)
    try:
        operations = generate(model.api_schema, count, seed=seed)
    except GenerationError as error:
        print(f"{path.name}: skipped ({error})")
        return 0, 0, 0
    compared = fewer = more = 0
    for index, (operation, apollo) in enumerate(
        zip(operations, apollo_plans(sdl, operations), strict=True)
    ):
        if "error" in apollo:
            continue
        try:
            plan = build_query_plan(model, parse(operation.query), operation.operation_name)
        except PlanningError as error:
            print(f"{path.name} #{index}: ours fails ({error}), Apollo plans it")
            continue
        ours, theirs = count_fetches(plan_to_json(plan).get("node")), count_fetches(apollo["node"])
        compared += 1
        fewer += ours < theirs
        if ours > theirs:
            more += 1
            print(f"{path.name} #{index}: ours {ours} fetches, Apollo {theirs}")
            if show == index:
                print(operation.query, operation.variables)
                print(plan_to_text(plan))
                print(apollo["text"])
    return compared, fewer, more


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("supergraphs", nargs="+", type=Path)
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show", type=int, default=None, help="print both plans of operation N")
    args = parser.parse_args(argv)
    totals = [0, 0, 0]
    for path in args.supergraphs:
        for i, value in enumerate(compare(path, args.count, args.seed, args.show)):
            totals[i] += value
    print(f"compared {totals[0]}: ours fewer fetches {totals[1]}, more {totals[2]}")


if __name__ == "__main__":
    main(sys.argv[1:])
