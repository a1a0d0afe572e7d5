"""Hostile clients and misbehaving subgraphs, over real HTTP on loopback.

Each test plays an attacker (or a broken subgraph) against a real router and
asserts the coded refusal it gets and that the router still serves afterwards.
`system` is this folder's own bundled system (subgraphs, supergraph, router):
what these tests do to it must not leak into the e2e suite's expectations.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.system import System


@pytest.fixture(scope="package")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    with System.running(tmp_path_factory.mktemp("hostile")) as running:
        yield running
