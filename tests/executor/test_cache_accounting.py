"""The document and plan caches' own accounting against what tracemalloc sees them hold.

The bundled supergraph with the real planner: distinct operations are parsed,
validated and prepared (the cached path of every request), and the bytes the
caches say they gained are compared with the Python heap they grew by. Each
measurement runs in a fresh interpreter: tracemalloc counts every thread's
allocations, and in a long test session anything an earlier test left running
(or a record pytest keeps) would be counted as the caches' (CI saw 4.9 MB "held"
for 1.4 MB of entries that way).
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
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


MAKERS: dict[str, Callable[[int], str]] = {
    "small": _small,
    "huge_literal": _huge_literal,
    "many_fields": _many_fields,
}


def _room_among_interned_strings() -> list[str]:
    """Strings interned until the interpreter's table of interned strings grows (kept
    alive: the table keeps its size). The shaper interns response keys, and a growth
    of that table during the measurement (2-4 MB at once, not the entries' bytes) was
    what CI once saw; right after one the table has room for as many strings as it
    holds, tens of thousands, more than any measurement here adds."""
    kept: list[str | None] = [None] * 1_000_000  # no list growth while watching
    tracemalloc.start()
    try:
        last = tracemalloc.get_traced_memory()[0]
        for index in range(len(kept)):
            kept[index] = sys.intern(f"room-{index}")
            now = tracemalloc.get_traced_memory()[0]
            if now - last > 1 << 20:
                return [text for text in kept if text is not None]
            last = now
    finally:
        tracemalloc.stop()
    raise AssertionError("the table of interned strings never grew")


def measure(kind: str, count: int) -> tuple[int, int]:
    """(bytes the caches account for, bytes the Python heap grew by) after caching
    `count` distinct operations made by MAKERS[kind]."""
    make = MAKERS[kind]
    router = Router(SUPERGRAPH, MockTransport(lambda *_: {"data": {}}), ROOMY)
    _cache(router, make(10_000))  # the shapes every later operation shares exist from here on
    texts = [make(index) for index in range(count)]
    room = _room_among_interned_strings()
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
    del room
    return accounted, held


@pytest.mark.parametrize(
    ("kind", "count"), [("small", 300), ("huge_literal", 2), ("many_fields", 2)]
)
def test_accounted_bytes_are_within_a_factor_of_what_the_entries_hold(
    kind: str, count: int
) -> None:
    run = subprocess.run(
        [sys.executable, "-m", __name__, kind, str(count)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    accounted, held = json.loads(run.stdout)
    assert 0.5 * held <= accounted <= 2 * held, (accounted, held)


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1], int(sys.argv[2]))))
