"""The Apollo-shaped JSON form of plans: kinds, paths with "@", requires, rewrites, variables."""

from __future__ import annotations

from typing import Any

from tests.planner.support import plan, plan_json


def test_entity_fetch_json_has_apollo_fields() -> None:
    data = plan_json("shop", "query Q($n: Int) { products { reviews(first: $n) { body } } }", "Q")
    assert data["kind"] == "QueryPlan"
    sequence = data["node"]
    assert sequence["kind"] == "Sequence"
    root, flatten = sequence["nodes"]
    assert root == {
        "kind": "Fetch",
        "serviceName": "accounts",
        "variableUsages": [],
        "operation": "query Q__accounts__0{products{__typename id}}",
        "operationKind": "query",
        "operationName": "Q__accounts__0",
    }
    assert flatten["kind"] == "Flatten"
    assert flatten["path"] == ["products", "@"]
    fetch = flatten["node"]
    assert fetch["serviceName"] == "reviews"
    assert fetch["variableUsages"] == ["n"]
    assert fetch["operation"] == (
        "query Q__reviews__1($representations:[_Any!]!,$n:Int)"
        "{_entities(representations:$representations){...on Product{reviews(first:$n){body}}}}"
    )
    assert fetch["requires"] == [
        {
            "kind": "InlineFragment",
            "typeCondition": "Product",
            "selections": [
                {"kind": "Field", "name": "__typename"},
                {"kind": "Field", "name": "id"},
            ],
        }
    ]


def test_interface_object_input_rewrite_json() -> None:
    fetch = _fetches(plan_json("interface_object", "{ accounts { balance } }")["node"])[1]
    assert fetch["serviceName"] == "billing"
    assert fetch["inputRewrites"] == [
        {"kind": "ValueSetter", "path": ["... on Account", "__typename"], "setValueTo": "Account"}
    ]


def test_aliased_key_field_is_read_through_its_alias() -> None:
    fetch = _fetches(plan_json("shop", '{ product(id: "1") { sku: name inStock } }')["node"])[1]
    (fragment,) = fetch["requires"]
    assert {"kind": "Field", "name": "sku", "alias": "sku__planner"} in fragment["selections"]


def test_client_keeps_its_response_key_when_the_planner_needs_the_same() -> None:
    # `sku` (client alias of name) first, then the planner's own key `sku`: the
    # client keeps its key, the planner's field is aliased: no output rewrite.
    assert plan("shop", '{ product(id: "1") { sku: name inStock } }').node is not None
    data = _fetches(plan_json("shop", '{ product(id: "1") { sku: name inStock } }')["node"])
    assert "outputRewrites" not in data[0]
    assert data[0]["operation"] == '{product(id:"1"){sku:name __typename sku__planner:sku}}'


def test_condition_json() -> None:
    data = plan_json(
        "shop", 'query($w: Boolean!) { product(id: "1") { name inStock @include(if: $w) } }'
    )
    condition = data["node"]["nodes"][1]
    assert condition["kind"] == "Condition"
    assert condition["condition"] == "w"
    assert condition["ifClause"]["kind"] == "Flatten"
    assert condition["elseClause"] is None


def test_no_fetch_plan_for_router_fields() -> None:
    assert plan_json("shop", "{ __typename __schema { queryType { name } } }") == {
        "kind": "QueryPlan",
        "node": None,
    }


def _fetches(node: dict[str, Any]) -> list[dict[str, Any]]:
    """Fetch nodes in document order."""
    match node["kind"]:
        case "Fetch":
            return [node]
        case "Flatten":
            return _fetches(node["node"])
        case "Sequence" | "Parallel":
            return [f for n in node["nodes"] for f in _fetches(n)]
        case "Condition":
            return [f for n in (node["ifClause"], node["elseClause"]) if n for f in _fetches(n)]
    raise AssertionError(node["kind"])
