from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.loaders.backends import BACKENDS, Backend


@pytest.fixture(scope="session", params=BACKENDS)
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    instance = Backend(request.param, tmp_path_factory.mktemp(f"loaders-{request.param}"))
    yield instance
    instance.cleanup()
