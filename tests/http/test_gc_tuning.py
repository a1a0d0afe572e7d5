from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

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
