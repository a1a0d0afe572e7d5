"""`supergraph plan`: text and JSON output, files, operation names, clear errors."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from supergraph.__main__ import main
from tests.planner.support import FIXTURES

SHOP = str(FIXTURES / "shop" / "supergraph.graphql")
ROOT = Path(__file__).resolve().parents[2]


def test_prints_the_text_plan(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--supergraph", SHOP, '{ product(id: "1") { inStock } }']) == 0
    out = capsys.readouterr().out
    assert out.startswith("QueryPlan {\n  Sequence {")
    assert 'Flatten(path: "product")' in out


def test_prints_json_for_a_named_operation_from_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    operations = tmp_path / "ops.graphql"
    operations.write_text("query A { me { name } } query B { latestReviews { body } }")
    args = ["plan", "--supergraph", SHOP, "--file", str(operations), "--operation-name", "B"]
    assert main([*args, "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["node"]["serviceName"] == "reviews"
    assert plan["node"]["operationName"] == "B__reviews__0"


def test_invalid_operation_is_reported_not_raised(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--supergraph", SHOP, "{ nope }"]) == 1
    assert "Cannot query field 'nope'" in capsys.readouterr().err


def test_bad_supergraph_path_exits_with_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--supergraph", "/nonexistent.graphql", "{ a }"]) == 2
    assert "supergraph plan:" in capsys.readouterr().err


class _Stdin(io.StringIO):
    def __init__(self, text: str, *, tty: bool = False) -> None:
        super().__init__(text)
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


def test_reads_stdin_and_defaults_to_schema_graphql(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """As `supergraph dev`: ./schema.graphql, and `cat op.graphql | supergraph plan`."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(sys, "stdin", _Stdin("{ me { username orders { id } } }"))
    assert main(["plan"]) == 0
    out = capsys.readouterr().out
    assert 'Fetch(service: "accounts")' in out and 'Fetch(service: "orders")' in out
    monkeypatch.setattr(sys, "stdin", _Stdin("{ categories { slug } }"))
    assert main(["plan", "--supergraph", SHOP, "-"]) == 1  # the shop has no categories


def test_no_operation_on_a_terminal_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(sys, "stdin", _Stdin("", tty=True))
    assert main(["plan"]) == 2
    assert "give the operation" in capsys.readouterr().err
