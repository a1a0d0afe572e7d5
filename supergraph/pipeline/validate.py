"""Stage: validate a parsed document against the API schema.

    (AST, rules) -> None | ValidationFailed (located errors)

Together with parse.py it makes a `Document`: what the document cache keeps per
text (errors, or that it is valid, and the work it took), never the AST.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLSchema,
    MaxIntrospectionDepthRule,
    specified_rules,
    validate,
)

from supergraph.errors import GRAPHQL_VALIDATION_FAILED
from supergraph.limits import OperationLimits
from supergraph.operation.fast_validation import bounded_rules, explain_abort, rules_to_run
from supergraph.operation.locate import locate_errors
from supergraph.pipeline.parse import Parse, ParseRefused, parse
from supergraph.pipeline.response import error_json
from supergraph.types import JSONObject

Rules = tuple[type[ASTValidationRule], ...]


class ValidationFailed(Exception):
    """The document breaks validation rules: the errors, located in its text."""

    def __init__(self, errors: tuple[JSONObject, ...]) -> None:
        super().__init__(errors[0].get("message") if errors else "")
        self.errors = errors


@dataclass(frozen=True, slots=True)
class Document:
    """A document's parse and validation outcome: errors, or (fresh only) its AST.

    The cache keeps no AST of a valid document (`cached()`): parsing again is cheap
    next to planning, and only a plan cache miss needs the AST again. Kept, it
    would cost more than the prepared operation built from it.
    """

    document: DocumentNode | None
    errors: tuple[JSONObject, ...] = ()
    tokens: int = 0
    fields: int = 0
    """Its work (tokens parsed, fields of its largest operation, fragments expanded):
    what it takes from a batch's budget."""

    def cached(self) -> Document:
        """What the document cache keeps: everything but the AST."""
        if self.document is None:
            return self
        return Document(None, self.errors, self.tokens, self.fields)


def validation_rules(limits: OperationLimits, extra: Sequence[type[ASTValidationRule]]) -> Rules:
    """The spec's rules (without the introspection depth rule when that limit is off),
    then `extra` (an error's own `extensions.code` is kept)."""
    rules: Sequence[type[ASTValidationRule]] = specified_rules
    if not limits.introspection_max_depth:
        rules = tuple(r for r in rules if r is not MaxIntrospectionDepthRule)
    return (*rules, *extra)


def check(
    schema: GraphQLSchema, document: DocumentNode, rules: Rules, located: Callable[[], DocumentNode]
) -> None:
    """Pure: raise `ValidationFailed` unless `document` is valid. Only the rules the
    one-pass walk could not prove silent run in graphql-core (one visitor each over
    the whole document): none, for most valid documents. Nesting is within
    graphql-core's own limit here (MAX_RECURSION). `located`: the document parsed
    again with locations, for the errors (operation/locate.py)."""
    to_run = bounded_rules(rules_to_run(schema, document, rules))
    errors = validate(schema, document, to_run) if to_run else []
    if errors:
        errors = explain_abort(schema, document, errors)
        found = locate_errors(errors, document, located)
        raise ValidationFailed(tuple(error_json(e, GRAPHQL_VALIDATION_FAILED) for e in found))


def compile_document(
    query: str,
    parser: Parse,
    max_tokens: int | None,
    limits: OperationLimits,
    schema: GraphQLSchema,
    rules: Rules,
    marks: list[int] | None = None,
) -> Document:
    """Pure (no cache access, safe on a compute worker): parse, then validate.
    `marks` gets the time each of them ended (time.time_ns(), for tracing)."""
    try:
        parsed = parse(query, parser, max_tokens, limits)
    except ParseRefused as refused:
        return Document(None, (refused.error,), refused.tokens)
    finally:
        if marks is not None:
            marks.append(time.time_ns())
    try:
        check(schema, parsed.document, rules, lambda: parser(query))
    except ValidationFailed as failed:
        return Document(None, failed.errors, parsed.tokens)
    finally:
        if marks is not None:
            marks.append(time.time_ns())
    return Document(parsed.document, (), parsed.tokens, parsed.expanded_fields)
