"""Fetch groups -> plan nodes: Sequence/Parallel by dependencies, Flatten, Condition.

Each group is placed under the group that opened it; the children of one
group run in parallel, in layers when a child depends on a sibling's
subtree (a `@requires` fetched through another subgraph). Query root
fetches run in parallel, mutation root fetches strictly in order.
"""

from __future__ import annotations

from graphql import VariableDefinitionNode, print_ast

from supergraph.operation import Operation
from supergraph.planner.groups import Conditions, FetchGroup
from supergraph.planner.held import without_held
from supergraph.planner.nonempty import without_empty
from supergraph.planner.plan import (
    Condition,
    Fetch,
    Flatten,
    Parallel,
    PlanNode,
    RequiresField,
    RequiresInlineFragment,
    RequiresSelection,
    Sequence,
)
from supergraph.planner.representations import representation_alternatives
from supergraph.planner.restored import check_restored
from supergraph.planner.selection import FieldItem, FragmentItem, SelectionSet
from supergraph.planner.variables import used_variables


class NodeBuilder:
    def __init__(self, operation: Operation, groups: list[FetchGroup], roots: list[FetchGroup]):
        self.operation = operation
        self.groups = groups
        self.by_id = {g.id: g for g in groups}
        self.roots = roots
        self.children: dict[int | None, list[FetchGroup]] = {}
        for group in groups:
            self.children.setdefault(group.parent, []).append(group)
        self._fetch_count = 0
        self._subtree: dict[int, set[int]] = {}
        self._subtree_deps: dict[int, set[int]] = {}

    def build(self) -> PlanNode | None:
        # A fetch under contradicting conditions (@skip and @include on one
        # variable) never runs, nor does anything planned under it: left out.
        self.roots = [r for r in self.roots if not _contradicts(r.conditions)]
        nodes = [self._node(root, ()) for root in self.roots]
        if not nodes:
            return None
        if self.operation.kind == "mutation":
            return _sequence(nodes)
        layers = self._layers(self.roots)
        if len(layers) == 1:
            return _parallel(nodes)
        by_id = {root.id: node for root, node in zip(self.roots, nodes, strict=True)}
        return _sequence([_parallel([by_id[g.id] for g in layer]) for layer in layers])

    def _node(self, group: FetchGroup, outer: Conditions) -> PlanNode:
        held = tuple(dict.fromkeys((*outer, *group.conditions)))
        fetch: PlanNode = self._fetch(group, held)
        if group.is_entity:
            fetch = Flatten(path=group.path, node=fetch)
        children = [
            c for c in self.children.get(group.id, []) if not _contradicts((*held, *c.conditions))
        ]
        node = fetch
        if children:
            layers = self._layers(children)
            steps: list[PlanNode] = [fetch]
            for layer in layers:
                steps.append(_parallel([self._node(c, held) for c in layer]))
            node = _sequence(steps)
        for variable, include in reversed([c for c in group.conditions if c not in outer]):
            node = (
                Condition(condition=variable, if_clause=node)
                if include
                else Condition(condition=variable, else_clause=node)
            )
        return node

    def _layers(self, siblings: list[FetchGroup]) -> list[list[FetchGroup]]:
        """Order siblings so that one depending on another's subtree comes in a later layer."""
        owner: dict[int, int] = {}
        for sibling in siblings:
            for member in self.subtree(sibling):
                owner[member] = sibling.id
        blockers = {
            g.id: {owner[d] for d in self.subtree_deps(g) if d in owner and owner[d] != g.id}
            for g in siblings
        }
        remaining = list(siblings)
        layers: list[list[FetchGroup]] = []
        done: set[int] = set()
        while remaining:
            layer = [g for g in remaining if blockers[g.id] <= done]
            if not layer:
                layer = [remaining[0]]  # a cycle cannot be ordered; keep creation order
            layers.append(layer)
            done |= {g.id for g in layer}
            remaining = [g for g in remaining if g.id not in done]
        return layers

    def subtree_deps(self, group: FetchGroup) -> set[int]:
        """Groups that something in this group's subtree waits for, outside the subtree."""
        cached = self._subtree_deps.get(group.id)
        if cached is not None:
            return cached
        inside = self.subtree(group)
        deps: set[int] = set()
        for member in inside:
            deps |= self.by_id[member].deps
        self._subtree_deps[group.id] = deps - inside
        return self._subtree_deps[group.id]

    def subtree(self, group: FetchGroup) -> set[int]:
        cached = self._subtree.get(group.id)
        if cached is not None:
            return cached
        ids = {group.id}
        for child in self.children.get(group.id, []):
            ids |= self.subtree(child)
        self._subtree[group.id] = ids
        return ids

    def _fetch(self, group: FetchGroup, held: Conditions) -> Fetch:
        check_restored(group)
        operation = self.operation
        # Before the variables are counted: one only a pruned fragment used is not declared.
        selection = without_empty(without_held(group.selection, held))
        used = used_variables(selection)
        definitions = [d for d in operation.variable_definitions if d.variable.name.value in used]
        name = None
        if operation.name:
            name = f"{operation.name}__{group.service}__{self._fetch_count}"
        self._fetch_count += 1
        kind = operation.kind if not group.is_entity else "query"
        header_vars = [_variable_definition(d) for d in definitions]
        if group.is_entity:
            header_vars[0:0] = [f"${n}:{t}" for n, t in sorted(group.context_variables.items())]
            header_vars.insert(0, "$representations:[_Any!]!")
            body = "{_entities(representations:$representations)" + selection.print() + "}"
        else:
            body = selection.print()
        head = kind + (f" {name}" if name else "")
        if header_vars:
            head += "(" + ",".join(header_vars) + ")"
        text = body if head == "query" else head + body
        return Fetch(
            service_name=group.service,
            operation=text,
            operation_kind=kind,
            operation_name=name,
            variable_usages=tuple(d.variable.name.value for d in definitions),
            requires=_shared(_representation(group, held)) if group.is_entity else None,
            input_rewrites=tuple(group.input_rewrites),
            output_rewrites=tuple(group.output_rewrites),
            id=group.id,
            context_rewrites=tuple(group.context_rewrites),
        )


def _variable_definition(node: VariableDefinitionNode) -> str:
    text = f"${node.variable.name.value}:{print_ast(node.type)}"
    if node.default_value is not None:
        text += f"={print_ast(node.default_value)}"
    return text


def _representation(group: FetchGroup, held: Conditions) -> tuple[RequiresSelection, ...]:
    return tuple(
        selection
        for alternative in representation_alternatives(group, held)
        for selection in _requires(alternative)
    )


def _requires(selection: SelectionSet) -> tuple[RequiresSelection, ...]:
    out: list[RequiresSelection] = []
    for item in selection.items.values():
        match item:
            case FieldItem():
                out.append(
                    RequiresField(
                        name=item.name,
                        alias=item.alias,
                        selections=_requires(item.sub) if item.sub else (),
                    )
                )
            case FragmentItem():
                out.append(
                    RequiresInlineFragment(
                        type_condition=item.type_condition, selections=_requires(item.sub)
                    )
                )
    return tuple(out)


# Equal `requires` (an entity type's key fields, mostly) are one object in every
# cached plan; bounded, as aliases may come from the client.
_REQUIRES: dict[tuple[RequiresSelection, ...], tuple[RequiresSelection, ...]] = {}
_REQUIRES_LIMIT = 10_000


def _shared(requires: tuple[RequiresSelection, ...]) -> tuple[RequiresSelection, ...]:
    shared = _REQUIRES.get(requires)
    if shared is not None:
        return shared
    if len(_REQUIRES) < _REQUIRES_LIMIT:
        _REQUIRES[requires] = requires
    return requires


def _contradicts(conditions: Conditions) -> bool:
    return any((variable, not include) in conditions for variable, include in conditions)


def _sequence(nodes: list[PlanNode]) -> PlanNode:
    flat: list[PlanNode] = []
    for node in nodes:
        flat.extend(node.nodes if isinstance(node, Sequence) else (node,))
    return flat[0] if len(flat) == 1 else Sequence(nodes=tuple(flat))


def _parallel(nodes: list[PlanNode]) -> PlanNode:
    flat: list[PlanNode] = []
    for node in nodes:
        flat.extend(node.nodes if isinstance(node, Parallel) else (node,))
    return flat[0] if len(flat) == 1 else Parallel(nodes=tuple(flat))
