"""`SubgraphSchema`: Strawberry's federation schema with our `_entities` and errors.

- Federation v2: the SDL starts with `@link(url: ".../federation/v2.x", import: [...])`
  (only the directives in use are imported), version `FEDERATION_VERSION`.
- `_entities` resolves each representation on its own (see `entities.py`).
- Unexpected exceptions in resolvers become `INTERNAL_SERVER_ERROR` with a generic
  message (Strawberry logs them with their traceback on the `strawberry.execution`
  logger before they are masked); GraphQL errors raised on purpose (with a
  code such as BAD_USER_INPUT) pass through unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import cached_property
from typing import Final, cast

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors, SchemaExtension
from strawberry.federation.schema import FederationAny
from strawberry.federation.schema_directives import Key
from strawberry.types import Info
from strawberry.types.base import StrawberryObjectDefinition

from subgraphs._common.entities import reference_signature, resolve_representation
from subgraphs._common.errors import INTERNAL_SERVER_ERROR

# The newest federation version that both reference compositions accept: Apollo's
# (@apollo/composition 2.14 knows up to v2.14) and The Guild's (0.27 knows up to
# v2.9; it rejects v2.10+ with UNKNOWN_FEDERATION_LINK_VERSION). Strawberry's own
# default (2.11) would fail the latter. v2.9 covers every directive we use
# (@key, @shareable, @external, @provides, @requires, @authenticated,
# @requiresScopes, @policy).
FEDERATION_VERSION: Final = "2.9"
INTERNAL_ERROR_MESSAGE = "Internal server error"


def _is_unexpected(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


class MaskInternalErrors(MaskErrors):
    """Hide the message of unexpected exceptions; keep deliberate GraphQL errors."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=_is_unexpected, error_message=INTERNAL_ERROR_MESSAGE)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        masked.extensions = {"code": INTERNAL_SERVER_ERROR}
        return masked


class SubgraphSchema(strawberry.federation.Schema):
    """A federation v2 subgraph schema; build one per domain in its `schema.py`."""

    def __init__(
        self,
        query: type,
        mutation: type | None = None,
        *,
        types: Iterable[type] = (),
        extensions: Sequence[type[SchemaExtension] | Callable[[], SchemaExtension]] = (),
    ) -> None:
        super().__init__(
            query=query,
            mutation=mutation,
            types=types,
            extensions=[*extensions, MaskInternalErrors],
            federation_version=FEDERATION_VERSION,
        )
        for name, origin in self.entity_types.items():
            resolver = getattr(origin, "resolve_reference", None)
            if resolver is None:
                raise TypeError(f"entity type {name} needs a resolve_reference classmethod")
            reference_signature(resolver)  # fail at start-up on unresolvable annotations

    @cached_property
    def entity_types(self) -> dict[str, type]:
        """GraphQL name -> Strawberry class, for the types with a `@key`."""
        entities: dict[str, type] = {}
        for name, converted in self.schema_converter.type_map.items():
            definition = converted.definition
            if isinstance(definition, StrawberryObjectDefinition) and any(
                isinstance(directive, Key) for directive in definition.directives or ()
            ):
                entities[name] = definition.origin
        return entities

    def entities_resolver(
        self, info: Info, representations: list[FederationAny]
    ) -> list[FederationAny]:
        entity_types = self.entity_types
        return [
            cast(FederationAny, resolve_representation(entity_types, info, representation))
            for representation in representations
        ]
