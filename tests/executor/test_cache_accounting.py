"""The document and plan caches' own accounting against what tracemalloc sees them hold.

The bundled supergraph with the real planner: distinct operations are parsed,
validated and prepared (the cached path of every request), and the bytes the
caches say they gained are compared with the Python heap they grew by.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable

import pytest

from supergraph.executor.mock_transport import MockTransport
from supergraph.pipeline.options import RouterOptions
from supergraph.pipeline.plan import PreparedOperation
from supergraph.pipeline.router import Router
from supergraph.schema import load_supergraph
from tests.kit.compose import REPO

SUPERGRAPH = load_supergraph((REPO / "schema.graphql").read_text())
ROOMY = RouterOptions(
    document_cache_size=10_000,
    plan_cache_size=10_000,
    document_cache_bytes=1 << 32,
    plan_cache_bytes=1 << 32,
)


def _small(index: int) -> str:
    """Operations of the usual kind: a few entity hops, each with its own alias."""
    shapes = (
        'query Op{i} {{ p{i}: product(upc: "{i}") {{ name price {{ amount }} '
        "reviews {{ id body author {{ username }} }} }} }}",
        "query Op{i} {{ r{i}: latestReviews(first: {i}) {{ id rating product {{ name inStock "
        "shippingEstimate }} }} }}",
        "query Op{i}($after: String) {{ c{i}: products(first: 5, after: $after) {{ edges {{ "
        "cursor node {{ upc name category {{ slug name }} }} }} pageInfo {{ hasNextPage }} }} }}",
    )
    return shapes[index % len(shapes)].format(i=index)


def _huge_literal(index: int) -> str:
    """A 500 KB string argument: the text, and the subgraph operation, carry it (smaller
    than the hostile suite's 1.5 MB: parsing it under tracemalloc is slow)."""
    return f'{{ search(text: "{index:07d}{"x" * 500_000}", first: 1) {{ __typename }} }}'


def _many_fields(index: int) -> str:
    """1,000 aliased fields (a 40 KB operation; its plan has as many selections)."""
    fields = " ".join(f'f{index}_{n}: product(upc: "{n}") {{ name }}' for n in range(1_000))
    return f"query Many{index} {{ {fields} }}"


def _cache(router: Router, query: str) -> None:
    parsed = router.parse_and_validate(query)
    assert not parsed.errors, parsed.errors
    prepared = router.prepare(query, parsed.document, None)
    assert isinstance(prepared, PreparedOperation)


def _accounted(router: Router) -> int:
    return router.documents.bytes + router.plans.bytes


@pytest.mark.parametrize(
    ("make", "count"),
    [(_small, 300), (_huge_literal, 2), (_many_fields, 2)],
    ids=["small", "huge_literal", "many_fields"],
)
def test_accounted_bytes_are_within_a_factor_of_what_the_entries_hold(
    make: Callable[[int], str], count: int
) -> None:
    router = Router(SUPERGRAPH, MockTransport(lambda *_: {"data": {}}), ROOMY)
    _cache(router, make(10_000))  # the shapes every later operation shares exist from here on
    texts = [make(index) for index in range(count)]
    gc.collect()
    tracemalloc.start()
    try:
        before, accounted_before = tracemalloc.get_traced_memory()[0], _accounted(router)
        for text in texts:
            _cache(router, text)
        del text
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # The texts were allocated before tracing: the caches hold them, and count them.
    held += sum(len(text) + 49 for text in texts)
    accounted = _accounted(router) - accounted_before
    assert len(router.plans) == count + 1 and len(router.documents) == count + 1
    assert 0.5 * held <= accounted <= 2 * held, (accounted, held)
