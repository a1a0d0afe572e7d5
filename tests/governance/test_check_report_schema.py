"""`supergraph check --json` output against its documented JSON Schema
(docs/check-report.schema.json): passing, failing on a change and on persisted operations,
not composing, and with recorded usage."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from supergraph.__main__ import main
from supergraph.cli.compose import module_sdl
from supergraph.schema import load_supergraph
from supergraph.usage.extract import describer
from supergraph.usage.recorder import UsageRecorder, UsageSettings
from tests.governance.test_check import PRODUCT_WEIGHT, _without_product_by_id

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "check-report.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


@pytest.fixture(scope="module")
def products_sdl() -> str:
    return module_sdl("products", "subgraphs.products.schema:schema")


def _report(tmp_path: Path, sdl: str, capsys: pytest.CaptureFixture[str], *extra: str) -> Any:
    schema = tmp_path / "products.graphql"
    schema.write_text(sdl)
    config = ["--config", str(ROOT / "supergraph.yaml")]
    capsys.readouterr()
    status = main(["check", "--subgraph", "products", "--schema", str(schema), *config, *extra])
    report = json.loads(capsys.readouterr().out)
    VALIDATOR.validate(report)
    assert status == (0 if report["result"] == "PASS" else 1)
    return report


def test_the_schema_itself_is_valid() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    change = SCHEMA["$defs"]["change"]
    assert set(change["required"]) >= {"severity", "path", "message"}
    assert change["properties"]["severity"]["enum"] == ["BREAKING", "DANGEROUS", "SAFE"]


def test_every_kind_of_report_matches_the_schema(
    tmp_path: Path, products_sdl: str, capsys: pytest.CaptureFixture[str]
) -> None:
    added = products_sdl.replace(PRODUCT_WEIGHT, PRODUCT_WEIGHT + "  tags: [String!]!\n", 1)
    passed = _report(tmp_path, added, capsys, "--json")
    assert (passed["result"], passed["changes"][0]["severity"]) == ("PASS", "SAFE")

    manifest = tmp_path / "manifest.json"
    body = 'query ById { productById(id: "1") { name } }'
    operations = [{"id": "byId", "body": body, "name": "ById"}]
    manifest.write_text(
        json.dumps(
            {"format": "apollo-persisted-query-manifest", "version": 1, "operations": operations}
        )
    )
    removed = _without_product_by_id(products_sdl)
    failed = _report(tmp_path, removed, capsys, "--json", "--operations", str(manifest))
    assert (failed["result"], failed["blocking"]) == ("FAIL", 2)
    assert failed["operations"]["invalid"][0]["id"] == "byId"

    broken = products_sdl.replace(PRODUCT_WEIGHT, PRODUCT_WEIGHT.replace("Int!", "Float"), 1)
    not_composed = _report(tmp_path, broken, capsys, "--json")
    assert (not_composed["composed"], not_composed["changes"]) == (False, [])
    assert not_composed["compositionErrors"]

    # With recorded usage: `usage` on the breaking change, `usageWindowDays` on the report.
    dsn = f"sqlite:///{tmp_path / 'usage.db'}"
    _record(dsn, 'query ById { productById(id: "1") { name } }', "partner-app")
    used = _report(tmp_path, removed, capsys, "--json", "--usage", dsn, "--window", "7d")
    assert used["usageWindowDays"] == 7
    (change,) = used["changes"]
    assert change["usage"][0]["clientName"] == "partner-app"

    # Through a contract: `contract` names its tags.
    partner = _report(tmp_path, removed, capsys, "--json", "--include-tag", "partner")
    assert partner["contract"] == {"includeTags": ["partner"], "excludeTags": []}
    assert partner["result"] == "PASS"  # productById is not in the partner API


def test_a_report_outside_the_schema_is_refused() -> None:
    """The schema can fail: a change without severity, or with another one, is refused."""
    good = {
        "subgraph": "products",
        "result": "PASS",
        "blocking": 0,
        "composed": True,
        "compositionErrors": [],
        "changes": [
            {
                "severity": "SAFE",
                "code": "FIELD_ADDED",
                "path": "Product.tags",
                "message": "field Product.tags was added",
                "blocking": False,
            }
        ],
        "operations": {"checked": 0, "invalid": []},
    }
    VALIDATOR.validate(good)
    change = good["changes"][0]  # type: ignore[index]
    without_severity = {k: v for k, v in change.items() if k != "severity"}
    for bad_change in (
        {**change, "severity": "MINOR"},
        {**change, "path": "Product tags"},
        without_severity,
    ):
        assert not VALIDATOR.is_valid({**good, "changes": [bad_change]}), bad_change


def _record(dsn: str, query: str, client: str) -> None:
    api = load_supergraph((ROOT / "schema.graphql").read_text()).api_schema

    async def run() -> None:
        recorder = UsageRecorder(UsageSettings(store=dsn), describer(api))
        recorder.record(query, "ById", client, "1.0")
        await recorder.aclose()

    asyncio.run(run())
