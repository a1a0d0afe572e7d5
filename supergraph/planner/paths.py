"""Path finding: which subgraph serves each field, by field, key, `@requires`, `@provides` edges.

Questions about the supergraph and the position the walker is at, never
changes to the plan. `route` says how a field is served: by the current
subgraph with its subtree (a field edge; `@provides` counts, `@requires`
inputs must be local or fetched first), partly there and partly through an
entity fetch a sibling opened, or by another subgraph. `jump_target` says
through which key (a key edge, from `jump_options`, each with its cost in
further jumps; a fetch open at the place makes a jump cheaper), or that the
path must be re-fetched from an ancestor entity because no key leads to the
field. `order` says in which order siblings are best planned. The walker
(walk.py) builds the fetch graph from the answers; estimates of whole
subtrees come from `cost.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from supergraph.operation import Field, InlineFragment, Selection
from supergraph.planner.alternatives import condition_everywhere, serving_graphs
from supergraph.planner.capabilities import (
    Provided,
    can_collect,
    entry,
    is_abstract,
    is_interface_object,
    key_local,
    resolvable_keys,
    resolves,
)
from supergraph.planner.context import Ctx, Jump
from supergraph.planner.contextual import sets_context
from supergraph.planner.cost import INFEASIBLE, CostModel
from supergraph.planner.errors import PlanningError, UnsatisfiableField
from supergraph.planner.fieldsets import add_to_representation, to_selections
from supergraph.planner.groups import FetchGroup
from supergraph.planner.response_keys import ClientKeys
from supergraph.planner.selection import SelectionSet, covers
from supergraph.schema import ContextArgument, FieldInGraph, FieldSet, FieldSetField, Supergraph


class OpenFetches(Protocol):
    """What path finding reads of the fetch graph being built (fetch_graph.py)."""

    def find_group(
        self, ctx: Ctx, graph: str, requires: FieldSet | None = None
    ) -> FetchGroup | None:
        """The entity fetch to `graph` open at `ctx`'s place, if one can be reused."""
        ...


@dataclass(frozen=True, slots=True)
class Refetch:
    """Plan `field` again from `position`, an ancestor entity (inside `... on
    type_condition` there, when set), from one of the subgraphs `allowed`."""

    position: Ctx
    field: Field
    allowed: frozenset[str]
    type_condition: str | None = None


@dataclass(frozen=True, slots=True)
class Stay:
    """A field edge: the current subgraph serves the field (`found`) and its subtree
    is planned from there."""

    found: FieldInGraph


@dataclass(frozen=True, slots=True)
class StaySplit:
    """`here` (the subfields the current subgraph serves) stays; `elsewhere` (the
    others) goes through an entity fetch a sibling already opened at this place."""

    found: FieldInGraph
    here: Field
    elsewhere: Field


@dataclass(frozen=True, slots=True)
class Leave:
    """A key edge: another subgraph serves the field, through `target` (`jump_target`:
    a jump, or the re-fetches from an ancestor entity)."""

    target: Jump | list[Refetch]


@dataclass(frozen=True, slots=True)
class Contextual:
    """A field with `@fromContext` arguments: asked at the top of an entity fetch."""

    found: FieldInGraph


@dataclass(frozen=True, slots=True)
class TypenameHere:
    """`__typename` from the current subgraph."""


@dataclass(frozen=True, slots=True)
class TypenameLookup:
    """`__typename` of an `@interfaceObject`, asked (unaliased) of a subgraph that
    knows the object type."""

    field: Field
    target: Jump | list[Refetch]


@dataclass(frozen=True, slots=True)
class TypenameUnknown:
    """`__typename` of an `@interfaceObject` no subgraph can tell (the interface has
    no object type there, or its key is not resolvable): the interface's name."""


Route = Stay | StaySplit | Leave | Contextual | TypenameHere | TypenameLookup | TypenameUnknown


@dataclass(frozen=True, slots=True)
class ContextSource:
    """Where a contextual argument's value comes from: `ancestor`, `levels` fields up."""

    argument: ContextArgument
    ancestor: Ctx
    levels: int


@dataclass(frozen=True, slots=True)
class FragmentHere:
    """The type condition is asked in the current fetch."""


@dataclass(frozen=True, slots=True)
class FragmentLookup:
    """An `@interfaceObject` knows no implementations: the type condition is asked of
    a subgraph with the real interface, through its `__typename` (`typename`)."""

    typename: Field


@dataclass(frozen=True, slots=True)
class FragmentNever:
    """The type condition never matches an object type of the subgraph here."""


FragmentRoute = FragmentHere | FragmentLookup | FragmentNever

_TYPENAME_HERE = TypenameHere()
_TYPENAME_UNKNOWN = TypenameUnknown()
_FRAGMENT_HERE = FragmentHere()
_FRAGMENT_NEVER = FragmentNever()


class PathFinder:
    def __init__(
        self, sg: Supergraph, cost: CostModel, keys: ClientKeys, fetches: OpenFetches
    ) -> None:
        self.sg = sg
        self.cost = cost
        self.keys = keys
        self.fetches = fetches
        """Read only: the entity fetches open at a place (a jump into one costs no new fetch)."""
        self.graph_order = {name: i for i, name in enumerate(sg.subgraphs)}
        """Subgraphs in supergraph order: the last tie-break, so plans are deterministic."""

    def route(self, ctx: Ctx, field: Field) -> Route:
        """How `field` is served from `ctx`: here, in part here, or through a jump."""
        sg, graph, type_name = self.sg, ctx.group.service, ctx.type_name
        if field.name == "__typename":
            # An @interfaceObject subgraph answers the interface's name: fine in a
            # representation, wrong for the client, who gets it from the real type.
            if ctx.internal or not is_interface_object(sg, graph, type_name):
                return _TYPENAME_HERE
            # The shaper answers every `__typename` of an object, whatever its alias,
            # from the object's one `__typename` key: the jump overwrites that key,
            # never an alias of it (`tn: __typename` would leave the interface's name).
            typename = replace(field, alias=None)
            if self.jump_options(ctx, typename):
                return TypenameLookup(typename, self._leave_by(ctx, typename))
            return _TYPENAME_UNKNOWN
        found = resolves(sg, graph, type_name, field.name, ctx.provided)
        # Keys may use fields the subgraph declares @external or lost to
        # @override; a client field only when no other subgraph can serve it.
        if (
            found is None
            and can_collect(sg, graph, type_name, field.name)
            and (ctx.internal or not self.jump_options(ctx, field))
        ):
            found = entry(sg, type_name, field.name, graph)
        if found is not None and found.context_arguments:
            return Contextual(found)
        usable = found is not None and (
            found.requires is None or ctx.requires_ok or self.requires_local(ctx, found)
        )
        if found is not None and usable and self.worth_staying(ctx, field, found):
            parts = self.stay_split(ctx, field, found)
            return Stay(found) if parts is None else StaySplit(found, *parts)
        return Leave(self._leave_by(ctx, field))

    def _leave_by(self, ctx: Ctx, field: Field) -> Jump | list[Refetch]:
        self.cost.budget.spend()  # the step of the jump, as the walker's other jumps take
        return self.jump_target(ctx, field, False, None)

    def fragment_route(self, ctx: Ctx, fragment: InlineFragment) -> FragmentRoute:
        """How an inline fragment at an object position (or an `@interfaceObject`) is served."""
        if not self.may_apply(ctx.type_name, fragment.type_condition):
            return _FRAGMENT_NEVER
        if fragment.type_condition != ctx.type_name and is_abstract(self.sg, ctx.type_name):
            return FragmentLookup(Field("__typename", None, ctx.type_name, "String", 0))
        return _FRAGMENT_HERE

    def context_sources(
        self, ctx: Ctx, field: Field, found: FieldInGraph
    ) -> tuple[ContextSource, ...] | Jump:
        """Where each contextual argument of `field` (served as `found`) comes from; or
        the jump into an entity fetch the field needs first, since only an entity
        fetch receives a value that varies per object (see contextual.py)."""
        sources: list[ContextSource] = []
        for argument in found.context_arguments:
            located = self.context_ancestor(ctx, argument.context)
            if located is None:
                raise PlanningError(
                    f'cannot plan field "{ctx.type_name}.{field.name}" at path '
                    f'"{".".join(ctx.path) or "(root)"}": no ancestor sets context '
                    f'"{argument.context}" for its argument "{argument.name}"'
                )
            sources.append(ContextSource(argument, *located))
        group = ctx.group
        at_top = ctx.origin is not None and group.is_entity
        if not at_top or any(s.ancestor.group.id == group.id for s in sources):
            return self.context_jump(ctx, field, found.graph)
        return tuple(sources)

    def jump_target(
        self, ctx: Ctx, field: Field, fragment: bool, allowed: frozenset[str] | None
    ) -> Jump | list[Refetch]:
        """The jump that serves `field` from `ctx` (`fragment`: a type condition the
        field stands for), or the re-fetches from an ancestor entity that do."""
        options = self.jump_options(ctx, field)
        if allowed is not None:
            options = [o for o in options if o.graph in allowed]
        if not fragment and all(o.key_cost >= 2 for o in options):
            # No key leads there, or only keys whose fields need more jumps themselves:
            # re-fetching the path from an ancestor entity is the shorter way.
            ancestors = self.ancestor_jump(ctx, field)
            if ancestors:
                return ancestors
        if not options:
            raise UnsatisfiableField(
                f'cannot plan field "{ctx.type_name}.{field.name}" at path '
                f'"{".".join(ctx.path) or "(root)"}": no subgraph reachable from '
                f'"{ctx.group.service}" resolves it'
            )
        best = min(options, key=lambda o: (o.cost, o.order))
        # A `@requires` edge: the target's required fields are planned from here first.
        target = resolves(self.sg, best.graph, best.rep_type, field.name, None)
        return (
            best
            if target is None or target.requires is None
            else replace(best, requires=target.requires)
        )

    def context_jump(self, ctx: Ctx, field: Field, graph: str) -> Jump:
        """The jump into an entity fetch of `graph` at `ctx` (the same subgraph too) for
        a field with contextual arguments: by a key the current subgraph gives itself."""
        here = ctx.group.service
        keys = [
            key
            for key in resolvable_keys(self.sg, graph, ctx.type_name)
            if self.key_cost(here, ctx.type_name, key.selections) == 0
        ]
        if not keys:
            raise PlanningError(
                f'cannot plan field "{ctx.type_name}.{field.name}" at path '
                f'"{".".join(ctx.path) or "(root)"}": its contextual arguments need an entity '
                f'fetch, and "{here}" cannot give a key of "{ctx.type_name}" for "{graph}"'
            )
        return Jump(
            cost=0, order=self.graph_order[graph], graph=graph, key=keys[0], rep_type=ctx.type_name
        )

    def abstract_fields(
        self, ctx: Ctx, fields: list[Field], fragments: Sequence[InlineFragment] = ()
    ) -> tuple[tuple[Field, ...], bool]:
        """The fields asked at an abstract position, and whether once at the interface
        (True) or in a fragment per implementation the subgraph has (False)."""
        in_graph = self.sg.possible_types_in(ctx.group.service, ctx.type_name)
        if fields and not in_graph and not ctx.internal:
            fields = self.evaluable(ctx, fields, fragments)
        if not fields:
            return (), True
        direct = [f for f in fields if self.direct_on_abstract(ctx, f)]
        others = [f for f in fields if f not in direct]
        # A field an @interfaceObject (or entity interface) elsewhere resolves is
        # fetched with one jump at the interface level, not once per implementation.
        whole = [f for f in others if self.interface_jump(ctx, f)]
        if not in_graph or len(whole) == len(others):
            return (*direct, *others), True  # the client's keys first, as in `order`
        return tuple(fields), False

    def fragment_targets(
        self, ctx: Ctx, fragments: list[InlineFragment]
    ) -> list[tuple[InlineFragment, list[str]]]:
        """The type conditions at an abstract position, each with the types it is asked
        on in this subgraph (itself, or the implementations it matches here); those
        that cannot apply, or not in every subgraph that could answer, are left out."""
        sg, graph = self.sg, ctx.group.service
        in_graph = sg.possible_types_in(graph, ctx.type_name)
        # The client's type conditions hold only where every subgraph that could
        # answer here agrees (see alternatives.py); keys and requirements are ours.
        alternatives = serving_graphs(sg, ctx) if fragments and not ctx.internal else None
        out: list[tuple[InlineFragment, list[str]]] = []
        for fragment in fragments:
            condition = fragment.type_condition
            # The condition applies by the supergraph's types: an object of this
            # subgraph may implement the interface only in another subgraph.
            matching = set(sg.possible_types(condition))
            relevant = [t for t in in_graph if t in matching]
            if not relevant:
                continue
            if alternatives is not None and not condition_everywhere(
                sg, ctx, condition, alternatives
            ):
                continue
            local = set(sg.possible_types_in(graph, condition))
            as_is = sg.has_type(graph, condition) and local.issuperset(relevant)
            out.append((fragment, [condition] if as_is else relevant))
        return out

    def order(self, ctx: Ctx, selections: tuple[Selection, ...]) -> tuple[Selection, ...]:
        """The order to plan the selections of an object position in.

        Fields this subgraph serves go first, so the client's fields come before
        the keys added for jumps in the subgraph query. A local field whose
        subtree needs jumps goes after the jumps of its siblings: it may then be
        cheaper through a fetch opened for them. Likewise a field jumped for whose
        subtree needs jumps from there: a fetch a sibling opens may serve that
        part (or all of it) without one more jump.
        """
        settled: list[Selection] = []
        unsettled: list[Selection] = []
        jumped: list[Selection] = []
        deep: list[Selection] = []
        # Each predicate once per selection, before anything is planned here.
        local = [isinstance(s, Field) and self.is_local(ctx, s) for s in selections]
        for selection, is_local in zip(selections, local, strict=True):
            if is_local:
                assert isinstance(selection, Field)
                (settled if self.stays_whole(ctx, selection) else unsettled).append(selection)
        for selection, is_local in zip(selections, local, strict=True):
            if not is_local:
                jumps = isinstance(selection, Field) and self.jumps_on(ctx, selection)
                (deep if jumps else jumped).append(selection)
        return (*settled, *jumped, *deep, *unsettled)

    def may_apply(self, type_name: str, condition: str) -> bool:
        if condition == type_name or is_abstract(self.sg, type_name):
            return True
        return condition in self.sg.types and type_name in self.sg.possible_types(condition)

    def stays_whole(self, ctx: Ctx, field: Field) -> bool:
        """The subgraph serves the field's whole subtree without jumps."""
        if not field.selections or ctx.requires_ok:
            return True
        found = resolves(self.sg, ctx.group.service, ctx.type_name, field.name, ctx.provided)
        if found is None:
            return True
        provided = self.child_provided(ctx, field, found)
        graph = ctx.group.service
        return self.cost.local_cost(graph, field.type_name, field.selections, provided) == 0

    def is_local(self, ctx: Ctx, field: Field) -> bool:
        found = resolves(self.sg, ctx.group.service, ctx.type_name, field.name, ctx.provided)
        return field.name == "__typename" or (found is not None and found.requires is None)

    def jumps_on(self, ctx: Ctx, field: Field) -> bool:
        """Does the subgraph a jump for `field` would go to need further jumps for it?"""
        if not field.selections or ctx.internal or ctx.requires_ok:
            return False
        if is_abstract(self.sg, ctx.type_name) and not is_interface_object(
            self.sg, ctx.group.service, ctx.type_name
        ):
            return False
        options = self.jump_options(ctx, field)
        if not options:
            return False
        best = min(options, key=lambda o: (o.cost, o.order))
        found = resolves(self.sg, best.graph, best.rep_type, field.name, None)
        provided = Provided(found.provides) if found is not None and found.provides else None
        subtree = self.cost.local_cost(best.graph, field.type_name, field.selections, provided)
        return 0 < subtree < INFEASIBLE

    def evaluable(
        self, ctx: Ctx, fields: list[Field], fragments: Sequence[InlineFragment] = ()
    ) -> list[Field]:
        """The fields worth planning where the subgraph has no object of the abstract type.

        The subgraph can only return null (or an error) here, so its fields are
        never evaluated: one that no subgraph reachable from here serves needs no
        fetch, as long as the client asked for something that can be fetched (the
        value, null or not, still comes from this subgraph), in a fragment on the
        interface too (`a { field ... @skip(if: $v) { id } }`: the plan serves
        every value of `$v`). When nothing can be, all are planned, and the first
        unreachable one is refused as before.
        """
        evaluable = [f for f in fields if self._evaluable_one(ctx, f)]
        if evaluable or self._evaluable_within(ctx, fragments):
            return evaluable
        return fields

    def _evaluable_one(self, ctx: Ctx, field: Field) -> bool:
        return self.direct_on_abstract(ctx, field) or bool(self.jump_options(ctx, field))

    def _evaluable_within(self, ctx: Ctx, fragments: Sequence[InlineFragment]) -> bool:
        """Does a fragment on this interface itself ask a field that can be fetched?"""
        for fragment in fragments:
            if fragment.type_condition != ctx.type_name:
                continue
            inner = [s for s in fragment.selections if isinstance(s, Field)]
            nested = [s for s in fragment.selections if isinstance(s, InlineFragment)]
            if any(self._evaluable_one(ctx, f) for f in inner) or self._evaluable_within(
                ctx, nested
            ):
                return True
        return False

    def interface_jump(self, ctx: Ctx, field: Field) -> bool:
        return any(
            o.rep_type == ctx.type_name and o.cost < INFEASIBLE
            for o in self.jump_options(ctx, field)
        )

    def direct_on_abstract(self, ctx: Ctx, field: Field) -> bool:
        """Can the interface field be asked directly, the same for every implementation?"""
        if field.name == "__typename":
            return True
        sg, graph = self.sg, ctx.group.service
        found = resolves(sg, graph, ctx.type_name, field.name, ctx.provided)
        if found is None or found.requires is not None:
            return False
        for possible in sg.possible_types_in(graph, ctx.type_name):
            other = resolves(sg, graph, possible, field.name, ctx.provided)
            if other is None or other.requires is not None:
                return False
        return True

    def context_ancestor(self, ctx: Ctx, context: str) -> tuple[Ctx, int] | None:
        """The nearest position above `ctx` whose type sets `context`, and how many fields up."""
        current, levels = ctx.parent, 1
        while current is not None:
            if sets_context(self.sg, current.type_name, context):
                return current, levels
            current, levels = current.parent, levels + 1
        return None

    def requires_local(self, ctx: Ctx, found: FieldInGraph) -> bool:
        """The subgraph resolves the required fields itself: no fetch needed before."""
        assert found.requires is not None
        required = to_selections(self.sg, ctx.type_name, found.requires)
        return self.cost.local_cost(ctx.group.service, ctx.type_name, required, ctx.provided) == 0

    def worth_staying(self, ctx: Ctx, field: Field, found: FieldInGraph) -> bool:
        if not field.selections or ctx.requires_ok:
            return True
        here = self.cost.local_cost(
            ctx.group.service,
            field.type_name,
            field.selections,
            self.child_provided(ctx, field, found),
        )
        if here == 0:
            return True
        # Jump instead when that costs fewer fetches, e.g. through an entity
        # fetch a sibling opened here anyway.
        limit = min(here, INFEASIBLE)
        return not any(o.cost < limit for o in self.jump_options(ctx, field))

    def stay_split(self, ctx: Ctx, field: Field, found: FieldInGraph) -> tuple[Field, Field] | None:
        """The field as asked here (the subfields this subgraph serves) and as asked
        through an entity fetch already open at this place (a sibling's jump), when
        that fetch serves all the others; None: asked whole, here."""
        if not field.selections or ctx.requires_ok:
            return None
        graph, provided = ctx.group.service, self.child_provided(ctx, field, found)
        mine: list[Selection] = []
        others: list[Selection] = []
        for selection in field.selections:
            cost = self.cost.local_cost(graph, field.type_name, (selection,), provided)
            if cost == 0:
                mine.append(selection)
            elif isinstance(selection, InlineFragment):
                # Its fields too: those served here stay, under the same fragment.
                inner = selection.type_condition
                parts: tuple[list[Selection], list[Selection]] = ([], [])
                for sub in selection.selections:
                    zero = self.cost.local_cost(graph, inner, (sub,), provided) == 0
                    parts[0 if zero else 1].append(sub)
                if parts[0] and parts[1]:
                    mine.append(replace(selection, selections=tuple(parts[0])))
                    others.append(replace(selection, selections=tuple(parts[1])))
                else:
                    others.append(selection)
            else:
                others.append(selection)
        if not mine or not others:
            return None
        elsewhere = replace(field, selections=tuple(others))
        if not any(o.cost == 0 for o in self.jump_options(ctx, elsewhere)):
            return None
        return replace(field, selections=tuple(mine)), elsewhere

    def child_provided(self, ctx: Ctx, field: Field, found: FieldInGraph) -> Provided | None:
        if found.provides is not None:
            return Provided(found.provides)
        if is_abstract(self.sg, ctx.type_name):
            # Asked on an interface: the implementations' @provides hold when they agree.
            graph = ctx.group.service
            impls = [
                entry(self.sg, p, field.name, graph)
                for p in self.sg.possible_types_in(graph, ctx.type_name)
            ]
            texts = {i.provides_text if i else None for i in impls}
            first = impls[0] if impls else None
            if len(texts) == 1 and first is not None and first.provides is not None:
                return Provided(first.provides)
        if ctx.provided is not None:
            return ctx.provided.child(ctx.type_name, self.sg, field.name)
        return None

    def child_type(self, ctx: Ctx, field: Field, found: FieldInGraph) -> str:
        """The type `field`'s sub-selection is planned for, served as `found` here.

        The subgraph may declare a narrower type (`@join__field(type:)`): an
        object where the supergraph has a union; so may the object type an
        interface field is asked on (`narrowed`).
        """
        type_name = found.type.strip("[]!") if found.type else self.narrowed(ctx, field)
        return type_name if type_name in self.sg.types else field.type_name

    def narrowed(self, ctx: Ctx, field: Field) -> str:
        """The field's type at this object: an implementation may narrow the type its
        interface declares (`similar: [Book]` for `[Product]`), and a selection made
        through the interface (`... on Similar`) then only meets the narrower type."""
        type_def = self.sg.types.get(ctx.type_name)
        if type_def is None or type_def.kind != "object" or field.parent_type == ctx.type_name:
            return field.type_name
        field_def = type_def.fields.get(field.name)
        return field_def.named_type if field_def is not None else field.type_name

    def ancestor_jump(self, ctx: Ctx, field: Field) -> list[Refetch]:
        """No key leads to a subgraph resolving `field` here (its type is not an entity
        there): re-fetch the path to it from the nearest ancestor entity instead (from
        each of its implementations when that ancestor is abstract)."""
        current: Ctx = ctx
        nested: Selection = field
        while current.parent is not None and current.via is not None:
            via = current.via
            if current.type_name != via.type_name:
                nested = InlineFragment(type_condition=current.type_name, selections=(nested,))
            nested_field = replace(via, selections=(nested,))
            current = current.parent
            positions = [current]
            while positions[-1].origin is not None:
                positions.append(positions[-1].origin)
            for position in reversed(positions):
                allowed = frozenset(
                    o.graph
                    for o in self.jump_options(position, nested_field)
                    if self.cost.local_cost(
                        o.graph, nested_field.type_name, nested_field.selections, None
                    )
                    == 0
                )
                if allowed:
                    return [Refetch(position, nested_field, allowed)]
                found = self.ancestor_per_implementation(position, nested_field)
                if found:
                    return found
            nested = nested_field
        return []

    def ancestor_per_implementation(self, position: Ctx, field: Field) -> list[Refetch]:
        """An abstract ancestor has no key, but its implementations in its subgraph may:
        re-fetch the path from each implementation that serves it (as the walker's
        `_add_abstract`)."""
        sg, graph = self.sg, position.group.service
        if not is_abstract(sg, position.type_name) or is_interface_object(
            sg, graph, position.type_name
        ):
            return []
        candidates: list[tuple[str, frozenset[str]]] = []
        for possible in sg.possible_types_in(graph, position.type_name):
            type_def = sg.types.get(possible)
            if type_def is None or field.name not in type_def.fields:
                continue
            typed = replace(position, type_name=possible)
            allowed = frozenset(
                o.graph
                for o in self.jump_options(typed, field)
                if self.cost.local_cost(o.graph, field.type_name, field.selections, None) == 0
            )
            if allowed:
                candidates.append((possible, allowed))
        return [Refetch(position, field, allowed, possible) for possible, allowed in candidates]

    def jump_options(self, ctx: Ctx, field: Field) -> list[Jump]:
        self.cost.budget.spend()
        sg, here, type_name = self.sg, ctx.group.service, ctx.type_name
        type_def = sg.types.get(type_name)
        if type_def is None:
            return []
        options: list[Jump] = []
        rep_types = [type_name]
        if type_def.kind == "object":
            rep_types += list(type_def.interfaces)
        for graph in sg.subgraphs:
            for rep_type in rep_types:
                if rep_type != type_name and not is_interface_object(sg, graph, rep_type):
                    continue
                if field.name == "__typename":
                    if is_interface_object(sg, graph, rep_type) or graph == here:
                        continue
                    found: FieldInGraph | None = FieldInGraph(graph=graph)
                else:
                    found = resolves(sg, graph, rep_type, field.name, None)
                if found is None:
                    continue
                if graph == here and found.requires is None and rep_type == type_name:
                    continue
                provided = Provided(found.provides) if found.provides else None
                subtree = self.cost.local_cost(graph, field.type_name, field.selections, provided)
                reused = self.fetches.find_group(ctx, graph)
                elsewhere_only = (
                    not ctx.internal
                    and resolves(sg, here, type_name, field.name, ctx.provided) is None
                )
                for key in resolvable_keys(sg, graph, rep_type):
                    key_cost = self.key_cost(here, type_name, key.selections)
                    if key_cost >= INFEASIBLE:
                        continue
                    if key_cost > 0 and reused is not None and not ctx.internal:
                        # A fetch open here already has this key: its jumps are paid
                        # (for the client's fields; keys are collected the plain way).
                        wanted = SelectionSet()
                        add_to_representation(
                            sg,
                            wanted.add_fragment(type_name).sub,
                            type_name,
                            key.selections,
                            keys=self.keys,
                            path=ctx.path,
                        )
                        if covers(reused.requires, wanted):
                            key_cost = 0
                    if (not field.selections or (key_cost > 0 and not elsewhere_only)) and any(
                        isinstance(item, FieldSetField) and item.name == field.name
                        for item in key.selections
                    ):
                        # Fetching a key field through that very key goes in circles.
                        # A client field this subgraph lacks may come that way: the
                        # key's own fields are collected without it.
                        continue
                    options.append(
                        Jump(
                            cost=min(
                                INFEASIBLE, key_cost + subtree + (0 if reused is not None else 1)
                            ),
                            order=self.graph_order[graph],
                            graph=graph,
                            key=key,
                            rep_type=rep_type,
                            key_cost=key_cost,
                        )
                    )
        return options

    def key_cost(self, graph: str, type_name: str, field_set: FieldSet) -> int:
        """0 when `graph` can produce the key itself, 1 when it needs another jump."""
        cost = 0
        for item in field_set:
            if not isinstance(item, FieldSetField):
                continue
            if not can_collect(self.sg, graph, type_name, item.name):
                # One more jump can fetch it only from a subgraph that has it and
                # whose key this subgraph can give directly.
                if not any(
                    other != graph
                    and can_collect(self.sg, other, type_name, item.name)
                    and any(
                        self.key_local(graph, type_name, key.selections)
                        for key in resolvable_keys(self.sg, other, type_name)
                    )
                    for other in self.sg.subgraphs
                ):
                    # Maybe re-fetched from an ancestor entity (see `ancestor_jump`).
                    if not any(
                        other != graph and can_collect(self.sg, other, type_name, item.name)
                        for other in self.sg.subgraphs
                    ):
                        return INFEASIBLE
                    cost = max(cost, 2)
                    continue
                cost = max(cost, 1)
                continue
            field_def = self.sg.types[type_name].fields.get(item.name)
            if item.selections and field_def is not None:
                cost = max(cost, self.key_cost(graph, field_def.named_type, item.selections))
        return cost

    def key_local(self, graph: str, type_name: str, field_set: FieldSet) -> bool:
        return key_local(self.sg, graph, type_name, field_set)
