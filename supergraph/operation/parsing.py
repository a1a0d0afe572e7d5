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

from graphql import DocumentNode
from graphql.language import Lexer, Token
from graphql.language.parser import Parser, nested_too_deeply_error


def parse_document(
    text: str,
    *,
    no_location: bool = False,
    max_tokens: int | None = None,
    max_source_length: int | None = None,
) -> DocumentNode:
    """`graphql.parse(text, ...)` (empty selection sets refused, as the spec says),
    with the token chain unlinked afterwards, whether it parsed or not."""
    parser = Parser(
        text,
        no_location=no_location,
        max_tokens=max_tokens,
        max_source_length=max_source_length,
        allow_empty_selection_sets=False,
    )
    try:
        try:
            return parser.parse_document()
        except RecursionError:
            pass
        raise nested_too_deeply_error(parser)
    finally:
        unlink_tokens(parser._lexer)


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
