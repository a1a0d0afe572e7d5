"""The fetch graph being built: fetch groups, the root ones, and where to reuse one.

The walker (walk.py) adds to it; path finding (paths.py) only looks up the
entity fetch open at a place (`paths.OpenFetches`), since reusing one makes a
jump cheaper.
"""

from __future__ import annotations

from supergraph.planner.context import Ctx
from supergraph.planner.fieldsets import add_to_representation
from supergraph.planner.groups import Conditions, FetchGroup
from supergraph.planner.response_keys import ClientKeys
from supergraph.planner.selection import SelectionSet, representation_conflict
from supergraph.schema import FieldSet, Supergraph


class FetchGraph:
    def __init__(self, sg: Supergraph, keys: ClientKeys) -> None:
        self.sg = sg
        self.keys = keys
        self.groups: list[FetchGroup] = []
        """Every fetch group, its id its index."""
        self.roots: list[FetchGroup] = []
        """The root fetches, in the order they were opened."""
        self.no_reuse: set[int] = set()
        """Fetches not to reuse now (one whose keys or requirements are being planned)."""
        self._index: dict[tuple[str, tuple[str, ...], int | None], list[FetchGroup]] = {}

    def find_group(
        self, ctx: Ctx, graph: str, requires: FieldSet | None = None
    ) -> FetchGroup | None:
        """An entity fetch to reuse: same subgraph, path and parent; the one that waits
        for the fewest other fetches (not one held back by a @requires).

        A fetch that must wait for @requires fields never reuses one that other
        fetches already wait for: those could be the ones providing the fields.
        """
        matches = [
            group
            for group in self._index.get((graph, ctx.path, ctx.group.id), ())
            if group.id not in self.no_reuse
        ]
        if requires is not None and matches:
            awaited = {d for g in self.groups for d in g.deps if d != g.parent}
            wanted = SelectionSet()
            add_to_representation(
                self.sg,
                wanted.add_fragment(ctx.type_name).sub,
                ctx.type_name,
                requires,
                keys=self.keys,
                path=ctx.path,
            )
            matches = [
                g
                for g in matches
                if g.id not in awaited and not representation_conflict(g.requires, wanted)
            ]
        return min(matches, key=lambda g: (len(g.deps), g.id)) if matches else None

    def ancestry(self, group_id: int) -> set[int]:
        """Every fetch this one waits for, directly or not."""
        seen: set[int] = set()
        stack = [group_id]
        while stack:
            current = stack.pop()
            for dep in self.groups[current].deps:
                if dep not in seen:
                    seen.add(dep)
                    stack.append(dep)
        return seen

    def new_group(
        self,
        service: str,
        is_entity: bool,
        path: tuple[str, ...],
        parent: int | None,
        conditions: Conditions,
    ) -> FetchGroup:
        group = FetchGroup(
            id=len(self.groups),
            service=service,
            is_entity=is_entity,
            path=path,
            parent=parent,
            conditions=conditions,
        )
        if parent is not None:
            group.deps.add(parent)
        self.groups.append(group)
        if is_entity:
            self._index.setdefault((service, path, parent), []).append(group)
        return group
