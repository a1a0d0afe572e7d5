"""Memos keyed by subgraph operation texts (which carry the client's literals) are
bounded by bytes; the planner keeps no memo keyed by client variable names."""

from __future__ import annotations

from graphql import print_ast

from supergraph.executor.contextual import aliased_operation
from supergraph.executor.execute import root_response_names
from supergraph.planner.context import directive_for


def _entities(literal: str) -> str:
    return (
        "query($representations:[_Any!]!,$c:String)"
        "{_entities(representations:$representations){...on Product"
        f'{{price(currency:$c,note:"{literal}")}}}}}}'
    )


def test_root_response_names_keeps_its_texts_within_its_byte_budget() -> None:
    cache = root_response_names.cache
    for index in range(200):
        operation = (
            f'{{ a{index}: search(text: "{index}{"x" * 100_000}") {{ id }} b: me {{ id }} }}'
        )
        assert root_response_names(operation) == (f"a{index}", "b")
        assert cache.bytes <= cache.max_bytes
    assert cache.bytes <= 4 << 20 and len(cache) < 200
    # Too heavy to keep at all: answered, not cached.
    rejected = cache.rejected_oversize
    assert root_response_names(f'{{ c: search(text: "{"y" * 1_500_000}") {{ id }} }}') == ("c",)
    assert cache.rejected_oversize == rejected + 1


def test_aliased_operation_keeps_its_texts_within_its_byte_budget() -> None:
    cache = aliased_operation.cache
    for index in range(100):
        text = aliased_operation(_entities(f"{index}{'x' * 50_000}"), ("c",), 3)
        assert text.count("_entities(") == 3
        assert cache.bytes <= cache.max_bytes
    assert cache.bytes <= 4 << 20 and len(cache) < 100


def test_directives_for_client_variables_are_built_not_cached() -> None:
    name = "v" * 100_000
    directive = directive_for(name, True)
    assert print_ast(directive) == f"@include(if: ${name})"
    assert print_ast(directive_for("x", False)) == "@skip(if: $x)"
    assert not hasattr(directive_for, "cache_info")  # no functools memo keeps the names
    # (tests/planner/test_skip_include.py and others check them in subgraph operations)
