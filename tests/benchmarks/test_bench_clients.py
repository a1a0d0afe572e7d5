"""bench/clients.py: every router transport measured against the canned-answer server."""

from __future__ import annotations

import pytest

from bench import clients


def test_each_transport_gets_a_row_with_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    assert clients.main(["--requests", "20"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ")][1:]
    assert [row.split("|")[1].split()[0] for row in rows] == ["http1", "aiohttp", "httpx"]
    for row in rows:
        wall, cpu = (float(cell) for cell in row.strip("| ").split("|")[1:3])
        assert wall > 0 and cpu > 0
