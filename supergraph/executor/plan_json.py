"""A `QueryPlan` as the plan JSON federation routers share (Apollo's field names)."""

from __future__ import annotations

from typing import assert_never

from supergraph.planner.plan import (
    Condition,
    Fetch,
    FetchRewrite,
    Flatten,
    KeyRenamer,
    Parallel,
    PlanNode,
    QueryPlan,
    RequiresField,
    RequiresSelection,
    Sequence,
)
from supergraph.types import JSONObject


def plan_to_json(plan: QueryPlan) -> JSONObject:
    return {"kind": "QueryPlan", "node": None if plan.node is None else node_to_json(plan.node)}


def node_to_json(node: PlanNode) -> JSONObject:
    match node:
        case Fetch():
            return _fetch(node)
        case Flatten(path=path, node=child):
            return {"kind": "Flatten", "path": list(path), "node": node_to_json(child)}
        case Sequence(nodes=children):
            return {"kind": "Sequence", "nodes": [node_to_json(c) for c in children]}
        case Parallel(nodes=children):
            return {"kind": "Parallel", "nodes": [node_to_json(c) for c in children]}
        case Condition():
            return {
                "kind": "Condition",
                "condition": node.condition,
                "ifClause": None if node.if_clause is None else node_to_json(node.if_clause),
                "elseClause": None if node.else_clause is None else node_to_json(node.else_clause),
            }
        case _:
            assert_never(node)


def _fetch(fetch: Fetch) -> JSONObject:
    out: JSONObject = {
        "kind": "Fetch",
        "serviceName": fetch.service_name,
        "variableUsages": list(fetch.variable_usages),
        "operation": fetch.operation,
        "operationKind": fetch.operation_kind,
    }
    if fetch.operation_name is not None:
        out["operationName"] = fetch.operation_name
    if fetch.requires is not None:
        out["requires"] = [_selection(s) for s in fetch.requires]
    if fetch.input_rewrites:
        out["inputRewrites"] = [_rewrite(r) for r in fetch.input_rewrites]
    if fetch.output_rewrites:
        out["outputRewrites"] = [_rewrite(r) for r in fetch.output_rewrites]
    if fetch.id is not None:
        out["id"] = fetch.id
    return out


def _selection(selection: RequiresSelection) -> JSONObject:
    if isinstance(selection, RequiresField):
        out: JSONObject = {"kind": "Field", "name": selection.name}
        if selection.alias:
            out["alias"] = selection.alias
        if selection.selections:
            out["selections"] = [_selection(s) for s in selection.selections]
        return out
    return {
        "kind": "InlineFragment",
        "typeCondition": selection.type_condition,
        "selections": [_selection(s) for s in selection.selections],
    }


def _rewrite(rewrite: FetchRewrite) -> JSONObject:
    if isinstance(rewrite, KeyRenamer):
        return {
            "kind": "KeyRenamer",
            "path": list(rewrite.path),
            "renameKeyTo": rewrite.rename_key_to,
        }
    return {"kind": "ValueSetter", "path": list(rewrite.path), "setValueTo": rewrite.value}
