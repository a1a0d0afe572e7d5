"""The first shaping of a fresh large operation, on its own (issue 12, hostile traffic).

A fresh 32 KB / 3,300-field operation (bench/hostile_payloads.py) costs the
router's process most in the first shaping of its answer: a new shaper collects
every field's entries then. This builds `--shapers` new shapers for that
operation and shapes one synthetic answer (one item per list, as `first: 1`)
once each, printing the thread CPU of those first shapings (min and median) and
of a repeat shaping for comparison.

    .venv/bin/python -m bench.first_shaping [--shapers 30]

Thread CPU (time.thread_time) is what the router's compute thread spends; under
a loaded machine prefer the minimum, or `valgrind --tool=callgrind` for counts.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
    validate,
)

from bench.hostile_payloads import large_operation_text
from supergraph.executor.shaping import ResponseShaper, SchemaShapes
from supergraph.schema import load_supergraph

SCHEMA = Path(__file__).resolve().parent.parent / "schema.graphql"

_SCALARS: dict[str, object] = {
    "String": "s",
    "ID": "1",
    "Int": 1,
    "Float": 1.5,
    "Boolean": True,
}


def answer(field_type: GraphQLOutputType, selection_set: SelectionSetNode | None) -> object:
    """A valid value of `field_type` for `selection_set` (one item per list)."""
    if isinstance(field_type, GraphQLNonNull):
        return answer(field_type.of_type, selection_set)
    if isinstance(field_type, GraphQLList):
        return [answer(field_type.of_type, selection_set)]
    if isinstance(field_type, GraphQLEnumType):
        return next(iter(field_type.values))
    if isinstance(field_type, GraphQLScalarType):
        return _SCALARS.get(field_type.name, "x")
    assert isinstance(field_type, GraphQLObjectType) and selection_set is not None
    return answer_object(field_type, selection_set)


def answer_object(parent: GraphQLObjectType, selection_set: SelectionSetNode) -> dict[str, object]:
    data: dict[str, object] = {}
    for node in selection_set.selections:
        assert isinstance(node, FieldNode)
        key = node.alias.value if node.alias else node.name.value
        if node.name.value == "__typename":
            data[key] = parent.name
            continue
        data[key] = answer(parent.fields[node.name.value].type, node.selection_set)
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--shapers", type=int, default=30)
    parser.add_argument(
        "--first-only",
        action="store_true",
        help="no repeat shapings (for instruction counts: run with --shapers 0 and N)",
    )
    args = parser.parse_args()
    schema = load_supergraph(SCHEMA.read_text(encoding="utf-8")).api_schema
    document = parse(large_operation_text("0"))
    assert not validate(schema, document)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    root = schema.query_type
    assert root is not None
    data = answer_object(root, operation.selection_set)
    variables = {"first": 1}
    shared = SchemaShapes(schema)
    expected = ResponseShaper(schema, operation, {}, shared=shared).shape(data, variables, [])
    first: list[float] = []
    repeat: list[float] = []
    for _ in range(args.shapers):
        shaper = ResponseShaper(schema, operation, {}, shared=shared)
        errors: list[dict[str, object]] = []
        start = time.thread_time()
        result = shaper.shape(data, variables, errors)
        first.append(time.thread_time() - start)
        if not args.first_only:
            start = time.thread_time()
            shaper.shape(data, variables, errors)
            repeat.append(time.thread_time() - start)
        assert result == expected and not errors
    for label, times in (("first shaping", first), ("repeat shaping", repeat)):
        if not times:
            continue
        ms = [t * 1000 for t in times]
        print(f"{label}: min {min(ms):.2f} ms, median {statistics.median(ms):.2f} ms")


if __name__ == "__main__":
    main()
