"""`supergraph plan`: text and JSON output, files, operation names, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from supergraph.__main__ import main
from tests.planner.support import FIXTURES

SHOP = str(FIXTURES / "shop" / "supergraph.graphql")


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
