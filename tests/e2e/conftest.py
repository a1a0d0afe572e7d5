"""One session-scoped bundled system (subgraphs, supergraph, router) for every e2e test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.system import System


@pytest.fixture(scope="session")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    running = System.start(tmp_path_factory.mktemp("e2e"))
    try:
        yield running
    finally:
        running.stop()
