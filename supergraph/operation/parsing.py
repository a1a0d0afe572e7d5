"""Parsing a client's document with graphql-core, leaving no garbage for the cycle collector.

graphql-core's lexer links its tokens both ways (`prev` and `next`): every token
of every document parsed stays in a reference cycle after parsing, until the
cyclic garbage collector finds it. A 32 KB operation leaves about 10,000 such
tokens (a 1.5 MB string literal sits in one of them). The router's collector
thresholds are raised for throughput (http/gc_tuning.py), so these cycles pile
up between collections, and the collections that find them walk them all while
every request waits: under a stream of large fresh operations that was the
largest pause left on the event loop (a simple query's p99 went from 6 to 24 ms
in bench/hostile.py's large_operations scenario with parsing already off the
loop). Unlinking the chain after parsing lets reference counting free each token
at once; a node keeps the tokens its location names (with `no_location=False`),
which is all that locating errors needs.
"""

from __future__ import annotations

from graphql import DocumentNode, GraphQLSyntaxError, Source
from graphql.language import Lexer, Token, TokenKind
from graphql.language.parser import Parser, nested_too_deeply_error


class OverLimit(GraphQLSyntaxError):
    """The parser stopped at one of its limits: the document is too large, whether or
    not it is valid GraphQL (MAX_TOKENS_EXCEEDED or MAX_QUERY_LENGTH_EXCEEDED)."""

    def __init__(self, source: Source, position: int, description: str, limit: int) -> None:
        super().__init__(source, position, description)
        self.limit = limit


class TokenLimitExceeded(OverLimit):
    """More than `max_tokens` tokens (comments included, as graphql-core counts)."""


class SourceTooLong(OverLimit):
    """More than `max_source_length` characters: refused before any token is read."""


def parse_document(
    text: str,
    *,
    no_location: bool = False,
    max_tokens: int | None = None,
    max_source_length: int | None = None,
) -> DocumentNode:
    """`graphql.parse(text, ...)` (empty selection sets refused, as the spec says),
    with the token chain unlinked afterwards, whether it parsed or not.

    Over a limit it raises `TokenLimitExceeded` or `SourceTooLong`, told apart from
    other syntax errors by the parser's state, not by graphql-core's wording."""
    source = Source(text)
    if max_source_length is not None and len(text) > max_source_length:
        description = f"Source contains more than {max_source_length} code points. Parsing aborted."
        raise SourceTooLong(source, max_source_length, description, max_source_length)
    parser = Parser(
        source,
        no_location=no_location,
        max_tokens=max_tokens,
        allow_empty_selection_sets=False,
    )
    try:
        try:
            return parser.parse_document()
        except RecursionError:
            pass
        except GraphQLSyntaxError as error:
            if max_tokens is not None and _tokens_read(parser, max_tokens) > max_tokens:
                description = f"Document contains more than {max_tokens} tokens. Parsing aborted."
                position = next(iter(error.positions or ()), 0)
                raise TokenLimitExceeded(source, position, description, max_tokens) from None
            raise
        raise nested_too_deeply_error(parser)
    finally:
        unlink_tokens(parser._lexer)  # noqa: SLF001 (graphql-core's Parser has no public lexer)


def _tokens_read(parser: Parser, limit: int) -> int:
    """The tokens the parser had read when it stopped (at most one past `limit`): those it
    consumed, plus the comments the lexer read ahead of its current token. graphql-core
    stops at `limit` in either place: the parser once it has consumed more (then its
    count is over), the lexer once a run of comments ahead is longer than what is left
    (then that run makes the sum over). Any other syntax error leaves the sum within."""
    read = parser.token_count
    token = parser._lexer.token.next  # noqa: SLF001 -- graphql-core exposes no read-ahead
    while token is not None and token.kind is TokenKind.COMMENT and read <= limit:
        read += 1
        token = token.next
    return read


def unlink_tokens(lexer: Lexer) -> None:
    """Break the lexer's doubly linked token list: back from its current token, and
    forward over what it looked ahead (a parse that failed may have)."""
    current = lexer.token
    ahead = current.next
    token: Token | None = current
    while token is not None:
        previous = token.prev
        token.prev = token.next = None
        token = previous
    while ahead is not None:
        following = ahead.next
        ahead.prev = ahead.next = None
        ahead = following
