"""One bundled system (subgraphs, supergraph, router) for every e2e test.

Package-scoped: it stops after this folder's last test, so its processes do not
load the machine (and slow other tests) for the rest of the session.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.system import System


@pytest.fixture(scope="package")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    with System.running(tmp_path_factory.mktemp("e2e")) as running:
        yield running
