"""Stage: parse, with the limits that bound it.

    text -> (AST without locations, tokens, expanded fields) | ParseRefused

The text's length is refused before any parsing (`too_long`), the token count
while parsing (the parser stops at the limit), the measured limits (depth,
aliases, root fields, expanded fields: limits/) right after, before
validation: a document over one costs a walk, not validation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from graphql import DocumentNode, GraphQLError

from supergraph.errors import (
    GRAPHQL_PARSE_FAILED,
    GRAPHQL_VALIDATION_FAILED,
    MAX_QUERY_LENGTH_EXCEEDED,
    MAX_TOKENS_EXCEEDED,
    graphql_error,
)
from supergraph.limits import OperationLimits, measure
from supergraph.operation.parsing import SourceTooLong, TokenLimitExceeded
from supergraph.pipeline.response import error_json
from supergraph.types import JSONObject

Parse = Callable[..., DocumentNode]
"""`parse_document` bound to the router's limits (`Router._parse`): text, then
`located` and `max_tokens` by keyword."""


class ParseRefused(Exception):
    """The text is not a document within the limits: its error, and the tokens parsed
    (they count against a batch's budget even so)."""

    def __init__(self, error: JSONObject, tokens: int = 0) -> None:
        super().__init__(error.get("message"))
        self.error = error
        self.tokens = tokens


@dataclass(frozen=True, slots=True)
class Parsed:
    document: DocumentNode
    tokens: int
    expanded_fields: int
    """Of its largest operation, fragments expanded (what a batch's budget counts)."""


def too_long(query: str, limit: int | None) -> JSONObject | None:
    """The refusal of a text over `max_query_length`, before any parsing."""
    if limit is None or len(query) <= limit:
        return None
    message = f"The operation is {len(query)} characters long; the limit is {limit}."
    return graphql_error(message, code=MAX_QUERY_LENGTH_EXCEEDED)


def parse(query: str, parse: Parse, max_tokens: int | None, limits: OperationLimits) -> Parsed:
    """Pure: `query` parsed (without locations: a cached document would otherwise keep a
    Location per node and every token of its text, about a third of a cached plan's
    memory; errors are located afterwards, operation/locate.py) and measured."""
    try:
        document = parse(query, located=False, max_tokens=max_tokens)
    except TokenLimitExceeded as error:
        message = f"The operation has more than {error.limit} tokens."
        raise ParseRefused(graphql_error(message, code=MAX_TOKENS_EXCEEDED)) from None
    except SourceTooLong as error:
        message = f"The operation is {len(query)} characters long; the limit is {error.limit}."
        raise ParseRefused(graphql_error(message, code=MAX_QUERY_LENGTH_EXCEEDED)) from None
    except GraphQLError as error:
        raise ParseRefused(error_json(error, GRAPHQL_PARSE_FAILED)) from None
    tokens = getattr(document, "token_count", 0)
    measured = measure(document)
    refused = limits.check(measured)
    if refused is not None:
        raise ParseRefused(error_json(refused, GRAPHQL_VALIDATION_FAILED), tokens)
    return Parsed(document, tokens, measured.expanded_fields)
