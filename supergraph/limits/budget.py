"""The work a batch of operations may do, shared by its operations.

One request may parse `max_query_length` characters and `max_tokens` tokens,
expand `max_expanded_fields` fields and answer `introspection_max_bytes` bytes
of introspection; a batch of ten such operations would do ten times that behind
one HTTP request. A batch gets one budget of each, consumed by its operations
as they run: an operation that does not fit what is left is refused
(BATCH_LIMIT_EXCEEDED) without being parsed further (the parser stops at the
tokens left; a text longer than the characters left is not parsed at all) or
planned.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class WorkBudget:
    """What is left; None: not limited."""

    characters: int | None = None
    tokens: int | None = None
    fields: int | None = None
    introspection_bytes: int | None = None

    def take_text(self, length: int) -> str | None:
        """Consume one operation's text (before it is parsed)."""
        if self.characters is None:
            return None
        if length > self.characters:
            return _message("characters of GraphQL text", self.characters)
        self.characters -= length
        return None

    def take(self, tokens: int, fields: int) -> str | None:
        """Consume one operation's tokens and fields, or say why it does not fit."""
        if self.tokens is not None and tokens > self.tokens:
            return _message("tokens", self.tokens)
        if self.fields is not None and fields > self.fields:
            return _message("fields (fragments expanded)", self.fields)
        if self.tokens is not None:
            self.tokens -= tokens
        if self.fields is not None:
            self.fields -= fields
        return None

    def take_introspection(self, size: int) -> str | None:
        if self.introspection_bytes is None:
            return None
        if size > self.introspection_bytes:
            return _message("bytes of introspection data", self.introspection_bytes)
        self.introspection_bytes -= size
        return None


def _message(what: str, left: int) -> str:
    return (
        f"The operations of this batch together exceed the request's limits:"
        f" {left} {what} were left for this one."
    )
