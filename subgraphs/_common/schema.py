"""`SubgraphSchema`: Strawberry's federation schema with our `_entities` and errors.

- Federation v2: the SDL starts with `@link(url: ".../federation/v2.x", import: [...])`
  (only the directives in use are imported), version `FEDERATION_VERSION`.
- `_entities` resolves each representation on its own (see `entities.py`).
- Unexpected exceptions in resolvers become `INTERNAL_SERVER_ERROR` with a generic
  message; a pool timeout becomes `SERVICE_UNAVAILABLE` (retry later). GraphQL errors
  raised on purpose (with a code such as BAD_USER_INPUT) pass through unchanged.
- Logging (logger `subgraphs.errors`, every line names the request id): errors the
  client caused (a code in `CLIENT_ERROR_CODES`, or a request that does not parse or
  validate) at INFO, one line, no traceback -- anyone can send them, so they must
  be cheap and must not bury real failures; a pool timeout at WARNING, no
  traceback (overload, not a bug); everything else at ERROR with its traceback.
  This replaces Strawberry's default, which logged every error at ERROR with a
  traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from functools import cached_property
from typing import Final, cast

import strawberry
from graphql import GraphQLError
from sqlalchemy import exc as sa_exc
from strawberry.extensions import MaskErrors, SchemaExtension
from strawberry.federation.schema import FederationAny
from strawberry.federation.schema_directives import Key
from strawberry.types import ExecutionContext, Info
from strawberry.types.base import StrawberryObjectDefinition

from subgraphs._common.entities import reference_signature, resolve_representation
from subgraphs._common.errors import (
    CLIENT_ERROR_CODES,
    INTERNAL_SERVER_ERROR,
    SERVICE_UNAVAILABLE,
)

# The newest federation version that both reference compositions accept: Apollo's
# (@apollo/composition 2.14 knows up to v2.14) and The Guild's (0.27 knows up to
# v2.9; it rejects v2.10+ with UNKNOWN_FEDERATION_LINK_VERSION). Strawberry's own
# default (2.11) would fail the latter. v2.9 covers every directive we use
# (@key, @shareable, @external, @provides, @requires, @authenticated,
# @requiresScopes, @policy).
FEDERATION_VERSION: Final = "2.9"
INTERNAL_ERROR_MESSAGE = "Internal server error"
UNAVAILABLE_MESSAGE = "Service unavailable: every database connection is busy; retry later"

log = logging.getLogger("subgraphs.errors")
_LOGGED_MESSAGE_LENGTH = 300


def _is_unexpected(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


def _is_unavailable(error: GraphQLError) -> bool:
    return isinstance(error.original_error, sa_exc.TimeoutError)  # the pool's


def _is_client_error(error: GraphQLError) -> bool:
    """Caused by the request: a deliberate client-error code, or a parse/validation error."""
    original = error.original_error
    if original is None:  # parsing, validation, variables: before any resolver ran
        return error.path is None
    code = (error.extensions or {}).get("code")
    return isinstance(original, GraphQLError) and code in CLIENT_ERROR_CODES


class MaskInternalErrors(MaskErrors):
    """Hide the message of unexpected exceptions; keep deliberate GraphQL errors."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=_is_unexpected, error_message=INTERNAL_ERROR_MESSAGE)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        if _is_unavailable(error):
            masked.message = UNAVAILABLE_MESSAGE
            masked.extensions = {"code": SERVICE_UNAVAILABLE}
        else:
            masked.extensions = {"code": INTERNAL_SERVER_ERROR}
        return masked


def log_errors(errors: Iterable[GraphQLError], request_id: str) -> None:
    """One log line per error, at the level its cause deserves (module docstring)."""
    for error in errors:
        where = ".".join(str(key) for key in error.path) if error.path else "-"
        message = error.message[:_LOGGED_MESSAGE_LENGTH]
        if _is_client_error(error):
            code = (error.extensions or {}).get("code") or "invalid request"
            log.info("request %s: %s at %s: %r", request_id, code, where, message)
        elif _is_unavailable(error):
            log.warning("request %s: %s at %s: %r", request_id, SERVICE_UNAVAILABLE, where, message)
        else:
            log.error(
                "request %s: unexpected error at %s: %r",
                request_id,
                where,
                message,
                exc_info=error.original_error or error,
            )


class SubgraphSchema(strawberry.federation.Schema):
    """A federation v2 subgraph schema; build one per domain in its `schema.py`."""

    def __init__(
        self,
        query: type,
        mutation: type | None = None,
        subscription: type | None = None,
        *,
        types: Iterable[type] = (),
        extensions: Sequence[type[SchemaExtension] | Callable[[], SchemaExtension]] = (),
    ) -> None:
        super().__init__(
            query=query,
            mutation=mutation,
            subscription=subscription,
            types=types,
            extensions=[*extensions, MaskInternalErrors],
            federation_version=FEDERATION_VERSION,
        )
        for name, origin in self.entity_types.items():
            resolver = getattr(origin, "resolve_reference", None)
            if resolver is None:
                raise TypeError(f"entity type {name} needs a resolve_reference classmethod")
            reference_signature(resolver)  # fail at start-up on unresolvable annotations

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        context = execution_context.context if execution_context is not None else None
        log_errors(errors, getattr(context, "request_id", None) or "-")

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
