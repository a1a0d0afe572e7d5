"""Print a QueryPlan as readable text (`QueryPlan { Sequence { Fetch(...) } }`) and as JSON.

The JSON has the shape of Apollo's plans (`kind`, `serviceName`,
`variableUsages`, `operation`, `operationKind`, `requires`, `path` with "@",
`inputRewrites`, `outputRewrites`) so plans can be compared across routers.
"""

from __future__ import annotations

from typing import Any, assert_never

from graphql import FieldNode, OperationDefinitionNode, parse, print_ast

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
    RequiresInlineFragment,
    RequiresSelection,
    Sequence,
    ValueSetter,
)

_INDENT = "  "


def plan_to_text(plan: QueryPlan) -> str:
    if plan.node is None:
        return "QueryPlan {\n}"
    return "QueryPlan {\n" + _node_text(plan.node, 1) + "\n}"


def _node_text(node: PlanNode, depth: int) -> str:
    pad = _INDENT * depth
    match node:
        case Fetch():
            return _fetch_text(node, depth)
        case Flatten():
            path = ".".join(node.path)
            return f'{pad}Flatten(path: "{path}") {{\n{_node_text(node.node, depth + 1)}\n{pad}}},'
        case Sequence():
            inner = "\n".join(_node_text(n, depth + 1) for n in node.nodes)
            return f"{pad}Sequence {{\n{inner}\n{pad}}},"
        case Parallel():
            inner = "\n".join(_node_text(n, depth + 1) for n in node.nodes)
            return f"{pad}Parallel {{\n{inner}\n{pad}}},"
        case Condition():
            return _condition_text(node, depth)
        case _:
            assert_never(node)


def _condition_text(node: Condition, depth: int) -> str:
    pad = _INDENT * depth
    if node.if_clause is not None and node.else_clause is None:
        return f"{pad}Include(if: ${node.condition}) {{\n{_node_text(node.if_clause, depth + 1)}\n{pad}}},"
    if node.else_clause is not None and node.if_clause is None:
        return f"{pad}Skip(if: ${node.condition}) {{\n{_node_text(node.else_clause, depth + 1)}\n{pad}}},"
    parts = [f"{pad}Condition(if: ${node.condition}) {{"]
    if node.if_clause is not None:
        parts.append(
            f"{pad}{_INDENT}Then {{\n{_node_text(node.if_clause, depth + 2)}\n{pad}{_INDENT}}}"
        )
    if node.else_clause is not None:
        parts.append(
            f"{pad}{_INDENT}Else {{\n{_node_text(node.else_clause, depth + 2)}\n{pad}{_INDENT}}}"
        )
    parts.append(f"{pad}}},")
    return "\n".join(parts)


def _fetch_text(fetch: Fetch, depth: int) -> str:
    pad = _INDENT * depth
    inner = _INDENT * (depth + 1)
    document = parse(fetch.operation, no_location=True)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    lines = [f'{pad}Fetch(service: "{fetch.service_name}") {{']
    if fetch.requires is not None:
        lines.append(_indent(_requires_text(fetch.requires), inner) + " =>")
        entities = operation.selection_set.selections[0]
        assert isinstance(entities, FieldNode) and entities.selection_set is not None
        lines.append(_indent(print_ast(entities.selection_set), inner))
    else:
        lines.append(_indent(print_ast(operation), inner))
    lines.append(f"{pad}}},")
    return "\n".join(lines)


def _requires_text(selections: tuple[RequiresSelection, ...], depth: int = 0) -> str:
    pad = _INDENT * depth
    lines = ["{"]
    for selection in selections:
        match selection:
            case RequiresField():
                head = f"{selection.alias}: {selection.name}" if selection.alias else selection.name
                if selection.selections:
                    lines.append(
                        f"{pad}{_INDENT}{head} {_requires_text(selection.selections, depth + 1)}"
                    )
                else:
                    lines.append(f"{pad}{_INDENT}{head}")
            case RequiresInlineFragment():
                condition = (
                    f"... on {selection.type_condition}" if selection.type_condition else "..."
                )
                lines.append(
                    f"{pad}{_INDENT}{condition} {_requires_text(selection.selections, depth + 1)}"
                )
    lines.append(pad + "}")
    return "\n".join(lines)


def _indent(text: str, pad: str) -> str:
    return "\n".join(pad + line for line in text.splitlines())


def plan_to_json(plan: QueryPlan) -> dict[str, Any]:
    return {"kind": "QueryPlan", "node": _node_json(plan.node) if plan.node else None}


def _node_json(node: PlanNode) -> dict[str, Any]:
    match node:
        case Fetch():
            out: dict[str, Any] = {
                "kind": "Fetch",
                "serviceName": node.service_name,
                "variableUsages": list(node.variable_usages),
                "operation": node.operation,
                "operationKind": node.operation_kind,
                "operationName": node.operation_name,
            }
            if node.requires is not None:
                out["requires"] = [_requires_json(s) for s in node.requires]
            if node.input_rewrites:
                out["inputRewrites"] = [_rewrite_json(r) for r in node.input_rewrites]
            if node.output_rewrites:
                out["outputRewrites"] = [_rewrite_json(r) for r in node.output_rewrites]
            if node.context_rewrites:
                out["contextRewrites"] = [_rewrite_json(r) for r in node.context_rewrites]
            return out
        case Flatten():
            return {"kind": "Flatten", "path": list(node.path), "node": _node_json(node.node)}
        case Sequence():
            return {"kind": "Sequence", "nodes": [_node_json(n) for n in node.nodes]}
        case Parallel():
            return {"kind": "Parallel", "nodes": [_node_json(n) for n in node.nodes]}
        case Condition():
            return {
                "kind": "Condition",
                "condition": node.condition,
                "ifClause": _node_json(node.if_clause) if node.if_clause else None,
                "elseClause": _node_json(node.else_clause) if node.else_clause else None,
            }
        case _:
            assert_never(node)


def _requires_json(selection: RequiresSelection) -> dict[str, Any]:
    match selection:
        case RequiresField():
            out: dict[str, Any] = {"kind": "Field", "name": selection.name}
            if selection.alias:
                out["alias"] = selection.alias
            if selection.selections:
                out["selections"] = [_requires_json(s) for s in selection.selections]
            return out
        case RequiresInlineFragment():
            return {
                "kind": "InlineFragment",
                "typeCondition": selection.type_condition,
                "selections": [_requires_json(s) for s in selection.selections],
            }
        case _:
            assert_never(selection)


def _rewrite_json(rewrite: FetchRewrite) -> dict[str, Any]:
    match rewrite:
        case ValueSetter():
            return {"kind": "ValueSetter", "path": list(rewrite.path), "setValueTo": rewrite.value}
        case KeyRenamer():
            return {
                "kind": "KeyRenamer",
                "path": list(rewrite.path),
                "renameKeyTo": rewrite.rename_key_to,
            }
        case _:
            assert_never(rewrite)
