"""bench.ab: two checkouts of the router side by side (its argument checks; a run
starts the whole stack and belongs to bench/, not the suite)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import ab


@pytest.mark.parametrize(
    "trees", [".", ".,.", "./,.", "a,b,c"], ids=["one", "same", "same-spelt-twice", "three"]
)
def test_two_different_checkouts_are_wanted(trees: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        ab.main(["--trees", trees])
    assert stopped.value.code == 2
    assert "two different checkouts" in capsys.readouterr().err


def test_an_unknown_operation_is_refused_before_anything_starts(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as stopped:
        ab.main(["--trees", f"{tmp_path},.", "--operations", "no_such_operation"])
    assert stopped.value.code == 2
