"""Plan a fixed corpus of operations and compare two runs: do plans change, are they worse?

Not a test (nothing runs it by default): the check behind a planner change that must
not change plans, or the evidence for one that does (docs/planner.md). The corpus:
generated operations (tests/kit/generator.py, seed 1 plain and seed 2 with every
feature, `--count` each) on every fixture supergraph, schema.graphql (plus the bench
operations) and the generated 216-type supergraph of the micro-benchmarks (plus its
chain, wide and large operations). One JSON line per operation: its plan as text,
its fetches and the planning steps it took.

    .venv/bin/python -m tests.kit.plan_corpus --count 100 > before.jsonl
    (change the planner)
    .venv/bin/python -m tests.kit.plan_corpus --count 100 > after.jsonl
    .venv/bin/python -m tests.kit.plan_corpus --compare before.jsonl after.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from graphql import parse

import supergraph.planner.build as planner_build
from bench.operations import OPERATIONS
from supergraph.planner import PlanningError, build_query_plan
from supergraph.planner.budget import DEFAULT_MAX_STEPS, Budget
from supergraph.planner.plan import json_fetch_nodes
from supergraph.planner.render import plan_to_json, plan_to_text
from supergraph.schema import load_supergraph
from tests.benchmarks import generated
from tests.kit.generator import Features, GenerationError, generate

ROOT = Path(__file__).resolve().parents[2]


class _CountingBudget(Budget):
    """The planner's budget, remembered so that its steps can be read after planning."""

    made: list[Budget] = []

    def __init__(self, limit: int | None = DEFAULT_MAX_STEPS) -> None:
        super().__init__(limit)
        _CountingBudget.made.append(self)


def corpus(count: int) -> Iterator[tuple[str, str, list[tuple[str, str | None]]]]:
    """(name, supergraph SDL, operations) for each supergraph of the corpus."""
    named = [
        (path.parent.name, path.read_text(encoding="utf-8"))
        for path in sorted(ROOT.glob("tests/fixtures/supergraphs/*/supergraph.graphql"))
    ]
    named.append(("schema.graphql", (ROOT / "schema.graphql").read_text(encoding="utf-8")))
    named.append(("generated216", generated.supergraph_sdl()))
    for name, sdl in named:
        schema = load_supergraph(sdl).api_schema
        operations: list[tuple[str, str | None]] = []
        for seed, features in ((1, Features()), (2, Features.all())):
            try:
                drawn = generate(schema, count, seed=seed, features=features)
            except GenerationError as error:
                print(f"{name}: {error}", file=sys.stderr)
                continue
            operations += [(o.query, o.operation_name) for o in drawn]
        if name == "schema.graphql":
            operations += [(o.query, None) for o in OPERATIONS]
        if name == "generated216":
            extra = (generated.chain_query(), generated.wide_query(), generated.large_operation())
            operations += [(query, None) for query in extra]
        yield name, sdl, operations


def plan_all(count: int) -> Iterator[dict[str, Any]]:
    vars(planner_build)["Budget"] = _CountingBudget
    for name, sdl, operations in corpus(count):
        model = load_supergraph(sdl)
        for index, (query, operation_name) in enumerate(operations):
            _CountingBudget.made.clear()
            try:
                plan = build_query_plan(model, parse(query), operation_name)
                text = plan_to_text(plan)
                fetches = sum(1 for _ in json_fetch_nodes(plan_to_json(plan).get("node")))
            except PlanningError as error:
                text, fetches = f"ERROR {error}", -1
            steps = _CountingBudget.made[0].used if _CountingBudget.made else 0
            yield {
                "sg": name,
                "i": index,
                "q": query,
                "text": text,
                "fetches": fetches,
                "steps": steps,
            }


def compare(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[str]:
    """A summary: identical plans, changed ones by fetch count and supergraph, totals."""
    assert [b["q"] for b in before] == [a["q"] for a in after], "not the same corpus"
    changed = [(b, a) for b, a in zip(before, after, strict=True) if b["text"] != a["text"]]
    delta = Counter(a["fetches"] - b["fetches"] for b, a in changed)
    where = Counter(b["sg"] for b, _ in changed)
    return [
        f"operations {len(before)}, identical plans {len(before) - len(changed)}",
        f"changed {len(changed)}: fetches more/fewer by {dict(sorted(delta.items()))}",
        f"changed by supergraph: {dict(where)}",
        f"fetches {sum(max(b['fetches'], 0) for b in before)}"
        f" -> {sum(max(a['fetches'], 0) for a in after)}",
        f"planning steps {sum(b['steps'] for b in before)} -> {sum(a['steps'] for a in after)}",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.kit.plan_corpus", description=__doc__)
    parser.add_argument("--count", type=int, default=100, help="generated operations per seed")
    parser.add_argument("--compare", nargs=2, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args(argv)
    if args.compare:
        runs = [
            [json.loads(line) for line in Path(name).read_text(encoding="utf-8").splitlines()]
            for name in args.compare
        ]
        print("\n".join(compare(runs[0], runs[1])))
        return 0
    for row in plan_all(args.count):
        print(json.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
