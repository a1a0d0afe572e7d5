from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from supergraph.http import gc_tuning
from supergraph.http.gc_tuning import FIRST_GENERATION_THRESHOLD, settle_after_startup


@pytest.fixture
def restored_gc() -> Iterator[None]:
    threshold = gc.get_threshold()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


@pytest.mark.usefixtures("restored_gc")
def test_settle_freezes_what_is_loaded_and_raises_the_first_threshold() -> None:
    loaded = [{"type": i} for i in range(1000)]
    second, third = gc.get_threshold()[1:]
    settle_after_startup()
    assert gc.get_freeze_count() >= len(loaded)
    assert gc.get_threshold() == (FIRST_GENERATION_THRESHOLD, second, third)
    # Cycles made after start-up are still found.
    cycle: list[object] = []
    cycle.append(cycle)
    del cycle
    assert gc.collect() >= 1


class _Token:
    """Like graphql-core's lexer tokens: linked both ways, a large value in one."""

    def __init__(self, value: str) -> None:
        self.value = value
        self.prev: _Token | None = None
        self.next: _Token | None = None


@pytest.mark.usefixtures("restored_gc")
def test_cycles_holding_large_inputs_are_collected_once_enough_bytes_came_in() -> None:
    settle_after_startup()
    gc.disable()  # only `received` may collect here
    try:
        gc_tuning.received(-gc_tuning._received)  # start counting from zero
        size = 1_500_000
        tokens = []
        for _ in range(10):  # ten 1.5 MB operations: 15 MB, under the budget
            first, second = _Token("x" * size), _Token("")
            first.next, second.prev = second, first
            tokens.append(weakref.ref(first))
            gc_tuning.received(size)
            del first, second
        assert all(token() is not None for token in tokens)  # garbage, still held
        gc_tuning.received(gc_tuning.COLLECT_EVERY_BYTES - 10 * size)
        assert all(token() is None for token in tokens)
    finally:
        gc.enable()
