"""Mutable selection sets of the subgraph operations being built, and their printing.

The planner fills one `SelectionSet` per fetch. A response key appears once
per selection set. The planner's own fields keep clear of the client's keys
(response_keys.py); should a client field still clash with one the planner
needs (same response key, different field or arguments), the client field is
renamed with a generated alias and the fetch records a `KeyRenamer` output
rewrite so the executor restores the client's key (`FieldItem.own_key`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import ArgumentNode, DirectiveNode, print_ast

_CONDITIONS = frozenset({"include", "skip"})


@dataclass(slots=True)
class FieldItem:
    name: str
    alias: str | None
    arguments: tuple[ArgumentNode, ...]
    directives: tuple[DirectiveNode, ...]
    internal: bool
    """Added for planning (keys, requires, __typename): not part of the client's selection."""
    sub: SelectionSet | None = None
    own_key: str | None = None
    """Where the fetch's output rewrites move the value when the subgraph answers it
    under an alias only the subgraph query needs (see response_keys.py)."""
    shape: str | None = None
    """The field's type in the subgraph as GraphQL compares fields merged at one
    response key (composite named types as `?`); None: not recorded."""

    @property
    def response_key(self) -> str:
        return self.alias or self.name

    def same_field(self, name: str, arguments: tuple[ArgumentNode, ...]) -> bool:
        return self.name == name and _args_text(self.arguments) == _args_text(arguments)


@dataclass(slots=True)
class FragmentItem:
    type_condition: str | None
    directives: tuple[DirectiveNode, ...]
    sub: SelectionSet


@dataclass(slots=True)
class Renamed:
    """A client field got a generated alias: rename `alias` back to `original`."""

    alias: str
    original: str


@dataclass(slots=True)
class SelectionSet:
    items: dict[tuple[str, str, str], FieldItem | FragmentItem] = field(default_factory=dict)
    _aliases: int = 0

    def add_field(
        self,
        name: str,
        alias: str | None,
        arguments: tuple[ArgumentNode, ...],
        directives: tuple[DirectiveNode, ...],
        composite: bool,
        internal: bool,
    ) -> tuple[FieldItem, Renamed | None]:
        """Add (or find) a field; returns it and the renaming made to avoid a clash."""
        levels = _condition_levels(directives)
        if len(levels) > 1:
            # Two @include/@skip on one node are invalid: the rest wrap the field.
            target = self
            for level in levels[1:]:
                target = target.add_fragment(None, level).sub
            return target.add_field(name, alias, arguments, levels[0], composite, internal)
        directives = levels[0] if levels else ()
        key_text = alias or name
        conditions_text = directives_text(directives)
        existing = self.items.get(("f", key_text, conditions_text))
        renamed: Renamed | None = None
        if existing is not None:
            assert isinstance(existing, FieldItem)
            if existing.same_field(name, arguments):
                existing.internal = existing.internal and internal
                if composite and existing.sub is None:
                    existing.sub = SelectionSet()
                return existing, None
            if internal:
                # The client owns this response key: the planner's field gets a
                # generated alias, which representations read (RequiresField.alias).
                for other in self.items.values():
                    if (
                        isinstance(other, FieldItem)
                        and other.internal
                        and other.same_field(name, arguments)
                        and other.directives == directives
                    ):
                        return other, None
                alias = self._generated(name)
                key_text = alias
            else:
                alias = self._generated(name)
                renamed = Renamed(alias=alias, original=key_text)
                key_text = alias
        item = FieldItem(
            name=name,
            alias=alias if alias != name else None,
            arguments=arguments,
            directives=directives,
            internal=internal,
            sub=SelectionSet() if composite else None,
            own_key=renamed.original if renamed is not None else None,
        )
        self.items[("f", key_text, conditions_text)] = item
        return item, renamed

    def add_fragment(
        self, type_condition: str | None, directives: tuple[DirectiveNode, ...] = ()
    ) -> FragmentItem:
        """Add (or find) a fragment; with conditions that cannot share one node (two
        `@include`), the innermost of nested fragments, one condition of a kind each."""
        levels = _condition_levels(directives)
        if len(levels) > 1:
            item = self.add_fragment(type_condition, levels[0])
            for level in levels[1:]:
                item = item.sub.add_fragment(None, level)
            return item
        directives = levels[0] if levels else ()
        key = ("t", type_condition or "", directives_text(directives))
        existing = self.items.get(key)
        if existing is not None:
            assert isinstance(existing, FragmentItem)
            return existing
        item = FragmentItem(
            type_condition=type_condition, directives=directives, sub=SelectionSet()
        )
        self.items[key] = item
        return item

    def is_empty(self) -> bool:
        return not self.items

    def _generated(self, name: str) -> str:
        alias = f"{name}__alias_{self._aliases}"
        self._aliases += 1
        return alias

    def print(self) -> str:
        """Minified GraphQL, as federation plans show subgraph operations: `{a b{c}}`."""
        parts: list[str] = []
        for item in self.items.values():
            match item:
                case FieldItem():
                    text = f"{item.alias}:{item.name}" if item.alias else item.name
                    if item.arguments:
                        text += "(" + ",".join(_arg(a) for a in item.arguments) + ")"
                    text += directives_text(item.directives)
                    if item.sub is not None:
                        text += item.sub.print()
                case FragmentItem():
                    text = "..."
                    if item.type_condition:
                        text += f"on {item.type_condition}"
                    text += directives_text(item.directives) + item.sub.print()
            parts.append(text)
        return "{" + " ".join(parts) + "}"


def _condition_levels(directives: tuple[DirectiveNode, ...]) -> list[tuple[DirectiveNode, ...]]:
    """`directives` without repeats, split so no level has two `@include` or two `@skip`.

    Conditions met along several paths (a fragment's and a field's) must all hold;
    a node takes one of each kind, so the others go on enclosing inline fragments.
    """
    levels: list[list[DirectiveNode]] = []
    seen: set[str] = set()
    for directive in directives:
        text = directives_text((directive,))
        if text in seen:
            continue
        seen.add(text)
        name = directive.name.value
        for level in levels:
            if name not in _CONDITIONS or all(d.name.value != name for d in level):
                level.append(directive)
                break
        else:
            levels.append([directive])
    return [tuple(level) for level in levels]


def _arg(argument: ArgumentNode) -> str:
    return f"{argument.name.value}:{print_ast(argument.value)}"


def _args_text(arguments: tuple[ArgumentNode, ...]) -> str:
    return ",".join(sorted(_arg(a) for a in arguments))


def directives_text(directives: tuple[DirectiveNode, ...]) -> str:
    return "".join(
        "@"
        + d.name.value
        + ("(" + ",".join(_arg(a) for a in d.arguments) + ")" if d.arguments else "")
        for d in directives
    )


def shape_conflict(a: SelectionSet, b: SelectionSet) -> bool:
    """Would merging two fetches' selections put fields of different shapes under one
    response key at one position (`... on User { id }` with ID!, `... on Admin { id }`
    with ID)? Each fetch aliased its own such fields apart, but not from the other's."""
    shapes: dict[tuple[str, ...], set[str]] = {}
    _collect_shapes(a, (), shapes)
    _collect_shapes(b, (), shapes)
    return any(len(found) > 1 for found in shapes.values())


def _collect_shapes(
    selection: SelectionSet, at: tuple[str, ...], out: dict[tuple[str, ...], set[str]]
) -> None:
    """Shapes by (response keys down to the field): type conditions do not count, as
    GraphQL compares fields across the fragments of one selection."""
    for item in selection.items.values():
        if isinstance(item, FragmentItem):
            _collect_shapes(item.sub, at, out)
            continue
        key = (*at, item.response_key)
        if item.shape is not None:
            out.setdefault(key, set()).add(item.shape)
        if item.sub is not None:
            _collect_shapes(item.sub, key, out)


def representation_conflict(a: SelectionSet, b: SelectionSet) -> bool:
    """Would merging two representation selections put one field name under two keys?

    A representation holds each field once (by name), so `price(currency: "USD")`
    and `price(currency: "EUR")` required by two fields need two fetches.
    """
    keys: dict[str, set[str]] = {}
    for selection in (a, b):
        for item in selection.items.values():
            if isinstance(item, FieldItem):
                keys.setdefault(item.name, set()).add(item.response_key)
    if any(len(found) > 1 for found in keys.values()):
        return True
    for key, item in b.items.items():
        mine = a.items.get(key)
        if mine is None or mine.sub is None or item.sub is None:
            continue
        if representation_conflict(mine.sub, item.sub):
            return True
    return False


def flat_items(selection: SelectionSet) -> list[FieldItem | FragmentItem]:
    """Items of `selection`, looking through unconditional fragments (conditional ones kept whole)."""
    out: list[FieldItem | FragmentItem] = []
    for item in selection.items.values():
        if item.directives:
            continue
        if isinstance(item, FragmentItem):
            out.extend(flat_items(item.sub))
        else:
            out.append(item)
    return out


def covers(selection: SelectionSet, wanted: SelectionSet) -> bool:
    """Does `selection` hold every field of `wanted` (through unconditional fragments)?"""
    have = flat_items(selection)
    for item in flat_items(wanted):
        if not isinstance(item, FieldItem):
            continue
        match = [
            h
            for h in have
            if isinstance(h, FieldItem)
            and h.response_key == item.response_key
            and h.same_field(item.name, item.arguments)
        ]
        if not match:
            return False
        if item.sub is not None and not any(
            h.sub is not None and covers(h.sub, item.sub) for h in match
        ):
            return False
    return True


def compatible(a: SelectionSet, b: SelectionSet) -> bool:
    for key, item in b.items.items():
        mine = a.items.get(key)
        if mine is None:
            continue
        match item:
            case FieldItem():
                if not isinstance(mine, FieldItem) or not mine.same_field(
                    item.name, item.arguments
                ):
                    return False
                if (
                    mine.sub is not None
                    and item.sub is not None
                    and not compatible(mine.sub, item.sub)
                ):
                    return False
            case FragmentItem():
                if not isinstance(mine, FragmentItem) or not compatible(mine.sub, item.sub):
                    return False
    return True


def merge_into(target: SelectionSet, source: SelectionSet) -> None:
    for key, item in source.items.items():
        mine = target.items.get(key)
        if mine is None:
            target.items[key] = item
            continue
        match item:
            case FieldItem():
                assert isinstance(mine, FieldItem)
                mine.internal = mine.internal and item.internal
                if item.sub is not None:
                    if mine.sub is None:
                        mine.sub = SelectionSet()
                    merge_into(mine.sub, item.sub)
            case FragmentItem():
                assert isinstance(mine, FragmentItem)
                merge_into(mine.sub, item.sub)
