"""Which runtime `__typename` satisfies which type condition, from the API schema."""

from __future__ import annotations

from graphql import GraphQLSchema, is_abstract_type


class PossibleTypes:
    """`matches(typename, condition)`: is an object of `typename` also a `condition`?

    Exact names always match (also for types the API schema hides, e.g.
    inaccessible ones); abstract conditions match their possible object types.
    """

    __slots__ = ("_possible",)

    def __init__(self, schema: GraphQLSchema | None = None) -> None:
        self._possible: dict[str, frozenset[str]] = {}
        if schema is None:
            return
        for name, named_type in schema.type_map.items():
            if is_abstract_type(named_type):
                self._possible[name] = frozenset(
                    t.name for t in schema.get_possible_types(named_type)
                )

    def matches(self, typename: object, condition: str | None) -> bool:
        if condition is None or typename == condition:
            return True
        possible = self._possible.get(condition)
        return possible is not None and typename in possible
