"""The walker: builds the fetch graph, assigning every selection to a fetch group.

It builds the root fetches path finding chose for the root fields
(roots.py's `RootRoute`s), then walks the normalised operation depth-first
and asks path finding (paths.py) at each position how a field is served: in
the subgraph of the current fetch (field edge), or through a key in another
subgraph (key edge, with its `@requires`). Then it builds: a field edge adds
the field to the current fetch's selection (with the alias its shape needs,
response_keys.py); a key edge adds the key fields (and `@requires` fields,
planned from the current position like any selection) to the fetches that
provide them and opens, or reuses, an entity fetch group at the same response
path (fetch_graph.py), with its representation and rewrites.

The two stay interleaved, position by position, because an answer depends on
what the walk built before it: a jump into an entity fetch a sibling opened
costs no new fetch. Path finding only reads the graph (`paths.OpenFetches`).
"""

from __future__ import annotations

from dataclasses import replace

from graphql import DirectiveNode

from supergraph.operation import Field, InlineFragment, Operation, Selection
from supergraph.planner.budget import Budget
from supergraph.planner.capabilities import is_abstract, is_interface_object, resolves
from supergraph.planner.context import (
    Ctx,
    Jump,
    aliases_in,
    conditions_of,
    directives_for,
    required_conditions,
)
from supergraph.planner.contextual import (
    argument_node,
    renamers,
    value_paths,
    variable_for,
    variable_names,
)
from supergraph.planner.cost import CostModel
from supergraph.planner.errors import PlanningError
from supergraph.planner.fetch_graph import FetchGraph
from supergraph.planner.fieldsets import add_to_representation, to_selections
from supergraph.planner.groups import Conditions, FetchGroup
from supergraph.planner.paths import (
    Contextual,
    FragmentHere,
    FragmentLookup,
    FragmentNever,
    Leave,
    PathFinder,
    Refetch,
    Stay,
    StaySplit,
    TypenameHere,
    TypenameLookup,
    TypenameUnknown,
)
from supergraph.planner.plan import KeyRenamer, ValueSetter
from supergraph.planner.response_keys import ClientKeys
from supergraph.planner.roots import RootRoute
from supergraph.planner.selection import FieldItem, FragmentItem
from supergraph.schema import FieldInGraph, FieldSet, Supergraph

_MAX_JUMP_DEPTH = 64


class Walker:
    """One walk of one operation: the fetch graph (`fetches`), path finding over it
    (`paths`), and the state of the walk itself."""

    def __init__(self, sg: Supergraph, operation: Operation, budget: Budget | None = None) -> None:
        self.sg = sg
        self.operation = operation
        self.keys = ClientKeys(operation.selections)
        """The client's response keys by position: planner fields keep clear of them."""
        self.budget = budget or Budget(None)
        self.cost = CostModel(sg, self.budget)
        self.fetches = FetchGraph(sg, self.keys)
        self.paths = PathFinder(sg, self.cost, self.keys, self.fetches)
        self.groups = self.fetches.groups
        self.roots = self.fetches.roots
        self._touched: set[int] = set()
        """Fetches a selection went into since `_collect` began: what a jump waits for."""
        self._depth = 0
        """Entity jumps nested right now (bounded: `_MAX_JUMP_DEPTH`)."""
        # Per (fetch, response path) and response key: the subgraph type each
        # field has there, and the alias a field of another type gets.
        self._shapes: dict[tuple[int, tuple[str, ...]], dict[str, dict[str, str | None]]] = {}
        self._context_variables: dict[tuple[str, str, str, str], str] | None = None

    # -- root (the choices are roots.py's) ----------------------------------

    def add_root(self, route: RootRoute) -> None:
        """Build a root field's route: each part in its root fetch, opened when new."""
        for part in route.parts:
            if part.fetch == len(self.roots):
                group = self.fetches.new_group(
                    part.graph, False, path=(), parent=None, conditions=()
                )
                self.roots.append(group)
            self._add_root_field(self.roots[part.fetch], part.field)

    def _add_root_field(self, group: FetchGroup, field: Field) -> None:
        group.condition_sets.append(conditions_of(field.directives))
        root = self.operation.root_type
        ctx = Ctx(group=group, selset=group.selection, fpath=(), type_name=root, path=())
        found = resolves(self.sg, group.service, root, field.name, None)
        assert found is not None
        self._add_here(ctx, field, found)

    # -- selections ---------------------------------------------------------

    def add(self, ctx: Ctx, selections: tuple[Selection, ...]) -> None:
        if is_abstract(self.sg, ctx.type_name) and not is_interface_object(
            self.sg, ctx.group.service, ctx.type_name
        ):
            self._add_abstract(ctx, selections)
            return
        for selection in self.paths.order(ctx, selections):
            match selection:
                case Field():
                    self.add_field(ctx, selection)
                case InlineFragment():
                    match self.paths.fragment_route(ctx, selection):
                        case FragmentHere():
                            self._add_fragment_on_object(ctx, selection)
                        case FragmentLookup(typename):
                            self._jump(ctx, typename, then=(selection,))
                        case FragmentNever():
                            pass

    def _add_fragment_on_object(self, ctx: Ctx, fragment: InlineFragment) -> None:
        if not fragment.directives:
            self.add(ctx, fragment.selections)
            return
        item = ctx.selset.add_fragment(None, fragment.directives)
        inner = replace(
            ctx,
            selset=item.sub,
            conditions=ctx.conditions + conditions_of(fragment.directives),
        )
        self.add(inner, fragment.selections)

    def _add_abstract(self, ctx: Ctx, selections: tuple[Selection, ...]) -> None:
        ctx.selset.add_field("__typename", None, (), (), False, internal=True)
        fields = [s for s in selections if isinstance(s, Field)]
        fragments = [s for s in selections if isinstance(s, InlineFragment)]
        asked, at_interface = self.paths.abstract_fields(ctx, fields, fragments)
        if at_interface:
            for field in asked:
                self.add_field(ctx, field)
        else:
            for possible in self.sg.possible_types_in(ctx.group.service, ctx.type_name):
                _, inner = _in_fragment(ctx, possible)
                self.add(inner, asked)
        for fragment, targets in self.paths.fragment_targets(ctx, fragments):
            conditions = ctx.conditions + conditions_of(fragment.directives)
            for target in targets:
                # Left empty when everything in it is re-fetched from an ancestor
                # entity: pruned from the subgraph operation (nonempty.py).
                _, inner = _in_fragment(ctx, target, fragment.directives, conditions)
                self.add(inner, fragment.selections)

    def add_field(self, ctx: Ctx, field: Field) -> None:
        self.budget.spend()
        match self.paths.route(ctx, field):
            case Stay(found):
                self._add_here(ctx, field, found)
            case StaySplit(found, here, elsewhere):
                self._add_here(ctx, here, found)
                self._jump(ctx, elsewhere)
            case Leave(target):
                self._follow(ctx, field, target)
            case Contextual(found):
                self._add_contextual(ctx, field, found)
            case TypenameHere():
                self._touched.add(ctx.group.id)
                ctx.selset.add_field(
                    "__typename", field.alias, (), field.directives, False, ctx.internal
                )
            case TypenameLookup(typename, target):
                self._follow(ctx, typename, target)
            case TypenameUnknown():
                # The interface's name stays in the data, and the shaper reports
                # each such object as an error.
                self._touched.add(ctx.group.id)
                ctx.selset.add_field("__typename", None, (), (), False, internal=True)

    # -- @fromContext --------------------------------------------------------

    def _add_contextual(self, ctx: Ctx, field: Field, found: FieldInGraph) -> None:
        """A field with contextual arguments: asked at the top of an entity fetch, with
        each value selected at its ancestor and passed as a variable (see contextual.py)."""
        sources = self.paths.context_sources(ctx, field, found)
        if isinstance(sources, Jump):
            self._context_jump(ctx, field, sources)
            return
        group = ctx.group
        if self._context_variables is None:
            self._context_variables = variable_names(self.sg)
        arguments = list(field.arguments)
        # The values are needed only when the field is: under its conditions.
        conditions = ctx.conditions + conditions_of(field.directives)
        for source in sources:
            argument, ancestor = source.argument, source.ancestor
            at = replace(
                ancestor, internal=True, requires_ok=False, provided=None, conditions=conditions
            )
            # The value paths check the ancestor's type (`... on Shop`): its __typename too.
            typename = Field("__typename", None, ancestor.type_name, "String", 0)
            selections = (
                typename,
                *to_selections(
                    self.sg, ancestor.type_name, argument.fields, self.keys, ancestor.path
                ),
            )
            group.deps |= self._collect(group, at, selections)
            variable = variable_for(
                self.sg, self._context_variables, group.service, ctx.type_name, field, argument
            )
            paths = value_paths(
                self.sg,
                ancestor.type_name,
                source.levels,
                argument,
                aliases_in(ancestor.selset),
                self.keys,
                ancestor.path,
            )
            for renamer in renamers(paths, variable):
                if renamer not in group.context_rewrites:
                    group.context_rewrites.append(renamer)
            group.context_variables[variable] = argument.type
            arguments.append(argument_node(argument.name, variable))
        self._add_here(ctx, replace(field, arguments=tuple(arguments)), found)

    def _context_jump(self, ctx: Ctx, field: Field, jump: Jump) -> None:
        """Into the entity fetch at this position `jump` leads to (the same subgraph too)."""
        own = conditions_of(field.directives)
        child, _ = self._entity_group(ctx, jump, own=own)
        self.add_field(_inside_entity_fetch(ctx, child, ctx.type_name, own), field)

    def _add_here(self, ctx: Ctx, field: Field, found: FieldInGraph) -> None:
        type_def = self.sg.types.get(field.type_name)
        composite_type = type_def is not None and type_def.kind in {"object", "interface", "union"}
        if not field.selections and composite_type:
            # Composite, with every type condition dropped as never applying: the
            # value is still resolved, and a subgraph query needs a selection.
            typename = Field("__typename", None, field.type_name, "String", 0)
            field = replace(field, selections=(typename,))
        composite = bool(field.selections)
        shape, shape_alias = self._shape_alias(ctx, field, found)
        item, renamed = ctx.selset.add_field(
            field.name,
            shape_alias or field.alias,
            field.arguments,
            field.directives,
            composite,
            ctx.internal,
        )
        self._touched.add(ctx.group.id)
        item.shape = shape
        if renamed is not None:
            ctx.group.output_rewrites.append(
                KeyRenamer(path=(*ctx.fpath, renamed.alias), rename_key_to=renamed.original)
            )
        restore: KeyRenamer | None = None
        if shape_alias is not None:
            # Planner fields too: representations read each field under its own key
            # (response_keys.py). After the sub-selection's own rewrites, which use
            # the alias in their paths.
            item.own_key = field.response_key
            restore = KeyRenamer(path=(*ctx.fpath, shape_alias), rename_key_to=field.response_key)
        try:
            self._add_sub_selection(ctx, field, found, item)
        finally:
            if restore is not None and restore not in ctx.group.output_rewrites:
                ctx.group.output_rewrites.append(restore)

    def _shape_alias(
        self, ctx: Ctx, field: Field, found: FieldInGraph
    ) -> tuple[str | None, str | None]:
        """The field's shape here, and an alias when the response key already holds a
        field of another shape here (None: it needs none).

        Fields merged at one response position (sibling type conditions) must
        have the same shape in the subgraph's schema: `... on User { id }` (ID!)
        and `... on Admin { id }` (ID) do not validate, so the second is aliased.
        Composite types may differ (their subfields are compared instead).
        """
        type_def = self.sg.types.get(ctx.type_name)
        field_def = type_def.fields.get(field.name) if type_def else None
        type_text = found.type or (field_def.type if field_def else None)
        if type_text is None:
            return None, None
        # As GraphQL compares them: wrappers, and the named type only for leaves.
        named = type_text.strip("[]!")
        named_def = self.sg.types.get(named)
        if named_def is not None and named_def.kind in {"object", "interface", "union"}:
            type_text = type_text.replace(named, "?")
        position = self._shapes.setdefault((ctx.group.id, ctx.path), {})
        types = position.setdefault(field.response_key, {})
        if type_text not in types:
            count = sum(len(t) for t in position.values())
            types[type_text] = f"{field.response_key}__shape_{count}" if types else None
        return type_text, types[type_text]

    def _add_sub_selection(
        self, ctx: Ctx, field: Field, found: FieldInGraph, item: FieldItem
    ) -> None:
        composite = bool(field.selections)
        if not composite or item.sub is None:
            return
        # Planned for the subgraph's type; a client's abstract type still needs
        # `__typename` to shape the value.
        type_name = self.paths.child_type(ctx, field, found)
        if type_name != field.type_name and is_abstract(self.sg, field.type_name):
            item.sub.add_field("__typename", None, (), (), False, internal=True)
        inner = Ctx(
            group=ctx.group,
            selset=item.sub,
            fpath=(*ctx.fpath, item.response_key),
            type_name=type_name,
            path=(*ctx.path, field.response_key, *("@",) * field.list_depth),
            provided=self.paths.child_provided(ctx, field, found),
            conditions=ctx.conditions + conditions_of(field.directives),
            internal=ctx.internal,
            parent=ctx,
            via=field,
        )
        self.add(inner, field.selections)

    # -- entity jumps -------------------------------------------------------

    def _jump(
        self,
        ctx: Ctx,
        field: Field,
        then: tuple[Selection, ...] = (),
        allowed: frozenset[str] | None = None,
    ) -> None:
        """Jump through a key to a subgraph resolving `field` (or, with `then`, those selections)."""
        self.budget.spend()
        self._follow(ctx, field, self.paths.jump_target(ctx, field, bool(then), allowed), then)

    def _follow(
        self,
        ctx: Ctx,
        field: Field,
        best: Jump | list[Refetch],
        then: tuple[Selection, ...] = (),
    ) -> None:
        """Build the jump path finding chose for `field` (or, with `then`, those
        selections): into an entity fetch, or the re-fetches from ancestors."""
        if isinstance(best, list):
            # Each re-fetch's place first (a fragment per implementation), then the jumps.
            ancestors = [(_refetch_position(r), r) for r in best]
            for position, refetch in ancestors:
                nested = _carrying(refetch.field, ctx.conditions, position.conditions)
                self._jump(position, nested, allowed=refetch.allowed)
            return
        self._depth += 1
        if self._depth > _MAX_JUMP_DEPTH:
            raise PlanningError(f'entity jumps for "{ctx.type_name}.{field.name}" do not terminate')
        # The fetch exists only when the jumped selection's own @skip/@include allow it
        # (for a fragment, also those that everything in it carries).
        own = conditions_of(field.directives) + tuple(
            c for t in then if isinstance(t, InlineFragment) for c in required_conditions(t)
        )
        try:
            child, available = self._entity_group(ctx, best, requires=best.requires, own=own)
            if best.requires is not None:
                self._add_requirements(ctx, child, best.requires, available)
            inner = _inside_entity_fetch(ctx, child, best.rep_type, own)
            if then:
                self.add(replace(inner, requires_ok=False), then)
            else:
                self.add_field(inner, field)
        finally:
            self._depth -= 1

    def _entity_group(
        self, ctx: Ctx, jump: Jump, requires: FieldSet | None = None, own: Conditions = ()
    ) -> tuple[FetchGroup, Conditions]:
        """The entity fetch for a jump from `ctx` (of a selection under the further
        conditions `own`), with the key in its representation; and the conditions
        under which the response holds that key (see representations.py)."""
        sg, type_name = self.sg, ctx.type_name
        child = self.fetches.find_group(ctx, jump.graph, requires)
        if child is None:
            child = self.fetches.new_group(
                jump.graph,
                is_entity=True,
                path=ctx.path,
                parent=ctx.group.id,
                conditions=(),
            )
        entered = ctx.conditions + own
        child.condition_sets.append(entered)
        # Key fields (and __typename) come from the current position.
        key_ctx = replace(ctx, conditions=entered, internal=True, requires_ok=False, provided=None)
        typename = Field("__typename", None, type_name, "String", 0)
        providers = self._collect(
            child,
            key_ctx,
            (typename, *to_selections(sg, type_name, jump.key.selections, self.keys, ctx.path)),
        )
        child.deps |= providers
        # Selected here, the key is there whenever this position is; a fetch it takes
        # runs only under the selection's own conditions too.
        available = ctx.conditions if providers <= {ctx.group.id} else entered
        for target in (child.requires, child.representation_under(available)):
            representation = target.add_fragment(type_name)
            representation.sub.add_field("__typename", None, (), (), False, internal=True)
            add_to_representation(
                sg,
                representation.sub,
                type_name,
                jump.key.selections,
                aliases_in(ctx.selset),
                self.keys,
                ctx.path,
            )
        if jump.rep_type != type_name or is_interface_object(sg, jump.graph, type_name):
            # The target knows the type only as an @interfaceObject: it expects the
            # interface's name as __typename (the path matches implementations too).
            rewrite = ValueSetter(path=(f"... on {type_name}", "__typename"), value=jump.rep_type)
            if rewrite not in child.input_rewrites:
                child.input_rewrites.append(rewrite)
        return child, available

    def _add_requirements(
        self, ctx: Ctx, child: FetchGroup, requires: FieldSet, conditions: Conditions
    ) -> None:
        """Plan `@requires` fields from the current position and add them to the
        representation, beside the key the response holds under `conditions` (they
        are planned at this position, whose conditions those include)."""
        req_ctx = replace(ctx, internal=True, requires_ok=False, provided=None)
        required = to_selections(self.sg, ctx.type_name, requires, self.keys, ctx.path)
        providers = self._collect(child, req_ctx, required)
        if any(child.id in self.fetches.ancestry(p) for p in providers):
            raise PlanningError(
                f'the @requires of "{ctx.type_name}" fields in "{child.service}" at '
                f'"{".".join(ctx.path)}" depend on their own fetch'
            )
        child.deps |= providers
        for target in (child.requires, child.representation_under(conditions)):
            representation = target.add_fragment(ctx.type_name)
            add_to_representation(
                self.sg,
                representation.sub,
                ctx.type_name,
                requires,
                aliases_in(ctx.selset),
                self.keys,
                ctx.path,
            )

    def _collect(self, child: FetchGroup, ctx: Ctx, selections: tuple[Selection, ...]) -> set[int]:
        """Plan internal selections; return the groups that now hold them (never `child`)."""
        saved = self._touched
        self._touched = set()
        self.fetches.no_reuse.add(child.id)
        try:
            self.add(ctx, selections)
            return self._touched - {child.id}
        finally:
            self.fetches.no_reuse.discard(child.id)
            saved |= self._touched
            self._touched = saved


def _in_fragment(
    ctx: Ctx,
    type_name: str,
    directives: tuple[DirectiveNode, ...] = (),
    conditions: Conditions | None = None,
) -> tuple[FragmentItem, Ctx]:
    """The `... on type_name` fragment in `ctx`'s selection (added or found) and the
    position inside it (`conditions`: the position's, if they change there)."""
    item = ctx.selset.add_fragment(type_name, directives)
    inner = replace(
        ctx,
        selset=item.sub,
        fpath=(*ctx.fpath, f"... on {type_name}"),
        type_name=type_name,
        conditions=ctx.conditions if conditions is None else conditions,
    )
    return item, inner


def _refetch_position(refetch: Refetch) -> Ctx:
    if refetch.type_condition is None:
        return refetch.position
    return _in_fragment(refetch.position, refetch.type_condition)[1]


def _carrying(field: Field, here: Conditions, there: Conditions) -> Field:
    """`field`, re-planned from an ancestor, with the `@skip`/`@include` met on the way
    down from there to here (a fragment's): the re-fetch is needed only when they hold.

    On the outermost field they make the entity fetch a Condition node (or keep its
    part under them when the fetch is shared); the inner fields keep their own.
    """
    own = conditions_of(field.directives)
    missing = tuple(c for c in dict.fromkeys(here) if c not in there and c not in own)
    if not missing:
        return field
    return replace(field, directives=field.directives + directives_for(missing))


def _inside_entity_fetch(ctx: Ctx, child: FetchGroup, rep_type: str, own: Conditions) -> Ctx:
    """The position `ctx` seen from inside the entity fetch `child` (`... on rep_type`)."""
    # Conditional content keeps its @skip/@include inside the merged fetch: all of the
    # position's, as other parts may join the fetch without them (`featured @skip(if:
    # $v) { a }` beside `featured { b }`); those the fetch's own Condition node decides
    # are left out when it is built (held.py).
    return Ctx(
        group=child,
        selset=child.selection.add_fragment(rep_type, directives_for(ctx.conditions)).sub,
        fpath=(f"... on {rep_type}",),
        type_name=rep_type,
        path=ctx.path,
        conditions=ctx.conditions + own,
        internal=ctx.internal,
        requires_ok=True,
        parent=ctx.parent,
        via=ctx.via,
        origin=ctx,
    )
