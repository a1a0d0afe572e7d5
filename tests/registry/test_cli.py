"""`supergraph publish` and `supergraph registry history|diff` on a SQLite registry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from supergraph.__main__ import main

ROOT = Path(__file__).resolve().parents[2]


def test_publish_history_and_diff(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    registry = ["--registry", f"sqlite:///{tmp_path / 'registry.db'}"]
    bundled = ["--config", str(ROOT / "supergraph.yaml")]
    assert main(["publish", *registry, *bundled, "--author", "ana", "--message", "v1"]) == 0
    assert capsys.readouterr().out.startswith("published main version 1 (")
    assert main(["publish", *registry, *bundled]) == 0
    assert capsys.readouterr().out == "unchanged: main version 1 holds this supergraph\n"
    # A contract of it, published as another version of main: it removes most fields.
    contract = tmp_path / "partner.graphql"
    assert (
        main(
            [
                "contract",
                "--supergraph",
                str(ROOT / "schema.graphql"),
                "--include-tag",
                "partner",
                "--output",
                str(contract),
            ]
        )
        == 0
    )
    assert main(["publish", *registry, "--supergraph", str(contract), "--author", "bo"]) == 0
    capsys.readouterr()
    assert main(["registry", "history", *registry, "--json"]) == 0
    versions = json.loads(capsys.readouterr().out)["versions"]
    assert [(v["version"], v["author"]) for v in versions] == [(2, "bo"), (1, "ana")]
    assert versions[1]["subgraphs"] == ["accounts", "products", "reviews", "inventory", "orders"]
    assert main(["registry", "diff", *registry, "--from", "1", "--to", "2", "--json"]) == 1
    changes = json.loads(capsys.readouterr().out)["changes"]
    assert {
        "severity": "BREAKING",
        "code": "FIELD_REMOVED",
        "path": "Query.me",
        "message": "field Query.me was removed",
    } in changes
    assert main(["registry", "diff", *registry, "--from", "1", "--to", "1"]) == 0
    assert "no change to the API schema" in capsys.readouterr().out
    assert main(["registry", "diff", *registry, "--from", "1", "--to", "7"]) == 2


def test_publish_refuses_what_does_not_compose_and_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    registry = ["--registry", f"sqlite:///{tmp_path / 'registry.db'}"]
    sdl = tmp_path / "bad.graphql"
    sdl.write_text("type Query { a: Missing }")
    config = tmp_path / "supergraph.yaml"
    config.write_text(
        f"subgraphs:\n  a:\n    routing_url: http://a/graphql\n    schema:\n      file: {sdl}\n"
    )
    assert main(["publish", *registry, "--config", str(config)]) == 1
    assert "nothing published, composition failed" in capsys.readouterr().err
    assert main(["registry", "history", *registry]) == 0
    assert "has no version" in capsys.readouterr().out
    schema = str(ROOT / "schema.graphql")
    assert main(["publish", "--registry", "mysql://x/y", "--supergraph", schema]) == 2
    assert "expected sqlite:///PATH or postgresql://" in capsys.readouterr().err
    assert main(["publish", *registry, "--supergraph", str(sdl)]) == 2
