"""Parse join__FieldSet strings (`id`, `owner { id } sku`, `... on A { x }`)."""

from __future__ import annotations

from functools import lru_cache

from graphql import FieldNode, GraphQLSyntaxError, InlineFragmentNode, SelectionSetNode, parse

from supergraph.schema.errors import SupergraphError
from supergraph.schema.model import FieldSet, FieldSetField, FieldSetFragment, FieldSetItem


def parse_field_set(text: str, where: str) -> FieldSet:
    try:
        document = parse("{" + text + "}", no_location=True)
    except GraphQLSyntaxError as error:
        raise SupergraphError(f"invalid field set {text!r} on {where}: {error.message}") from None
    operation = document.definitions[0]
    selection_set = getattr(operation, "selection_set", None)
    assert isinstance(selection_set, SelectionSetNode)
    return _selections(selection_set, text, where)


def _selections(selection_set: SelectionSetNode, text: str, where: str) -> FieldSet:
    items: list[FieldSetItem] = []
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            sub = selection.selection_set
            items.append(
                FieldSetField(
                    name=selection.name.value,
                    arguments=tuple(selection.arguments or ()),
                    alias=selection.alias.value if selection.alias else None,
                    selections=_selections(sub, text, where) if sub else (),
                )
            )
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            items.append(
                FieldSetFragment(
                    type_condition=condition.name.value if condition else None,
                    selections=_selections(selection.selection_set, text, where),
                )
            )
        else:
            raise SupergraphError(f"field set {text!r} on {where} uses a named fragment")
    return tuple(items)


def field_set_names(field_set: FieldSet) -> tuple[str, ...]:
    """Top-level field names of a field set (fragments flattened)."""
    out: list[str] = []
    for item in field_set:
        if isinstance(item, FieldSetField):
            out.append(item.name)
        else:
            out.extend(field_set_names(item.selections))
    return tuple(out)


@lru_cache(maxsize=1024)
def read_field_set(text: str) -> FieldSet | None:
    """`text` parsed, or None when it is not a field set: for a caller that words the
    problem in its own terms (composition's rules, in the reference's words)."""
    try:
        return parse_field_set(text, "a field set")
    except SupergraphError:
        return None


def top_level_names(field_set: FieldSet) -> set[str]:
    """The fields `field_set` selects at its top (not those under an inline fragment)."""
    return {item.name for item in field_set if isinstance(item, FieldSetField)}
