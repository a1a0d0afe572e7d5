"""Line and column for errors about a document parsed without locations.

The router parses without locations (a cached operation would otherwise keep a
`Location` per node and every token of its text alive), so an error's nodes
carry no position. Two ways back to one, both without validating again:

- `locate_errors`: parse the text once more with locations and pair each node
  of the first AST with its twin in the second (same text, same parser: same
  shape), then point each error at the twins of its nodes.
- `variable_locations`: the positions of an operation's variable definitions,
  found with the lexer alone (up to the end of that operation's header), kept
  as a few integers by the prepared operation: a request whose variables are
  wrong is answered from them without parsing anything.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from graphql import DocumentNode, GraphQLError, Node, Source, TokenKind
from graphql.language import Lexer

from supergraph.operation.parsing import unlink_tokens

Position = tuple[int, int]
"""Line and column, 1-based, as GraphQL errors give them."""


def locate_errors(
    errors: Sequence[GraphQLError],
    document: DocumentNode,
    parse_located: Callable[[], DocumentNode],
) -> list[GraphQLError]:
    """`errors` about `document` (parsed without locations) with their locations;
    `parse_located` parses the same text with locations (called only when needed)."""
    if not any(error.nodes for error in errors):
        return list(errors)
    twins = _twins(document, parse_located())
    located = []
    for error in errors:
        if not error.nodes:
            located.append(error)
            continue
        nodes = [twins.get(id(node), node) for node in error.nodes]
        located.append(
            GraphQLError(
                error.message,
                nodes,
                path=error.path,
                original_error=error.original_error,
                extensions=error.extensions,
            )
        )
    return located


def _twins(bare: Node, located: Node) -> dict[int, Node]:
    """id(node of `bare`) -> the node at the same place in `located`."""
    twins: dict[int, Node] = {}
    stack: list[tuple[object, object]] = [(bare, located)]
    while stack:
        one, other = stack.pop()
        if isinstance(one, Node) and isinstance(other, Node):
            twins[id(one)] = other
            for key in one.keys:
                if key != "loc":
                    stack.append((getattr(one, key, None), getattr(other, key, None)))
        elif isinstance(one, tuple) and isinstance(other, tuple):
            stack.extend(zip(one, other, strict=False))
    return twins


def variable_locations(query: str, definition: int) -> tuple[Position, ...]:
    """Where each variable definition of the `definition`-th definition of `query`
    starts (its `$`), in order. The text must be a document that parses.

    Only the top-level structure is followed: a definition ends where its braces
    close; its header (before the first `{` outside parentheses) holds the variable
    definitions in its first parentheses, before any directive. Values there are
    constants, so every `$` at that level starts a definition.
    """
    lexer = Lexer(Source(query))
    try:
        index = -1
        token = lexer.advance()
        while token.kind is not TokenKind.EOF:
            # Between definitions: a keyword or `{` starts the next one.
            index += 1
            if token.kind is TokenKind.BRACE_L:
                header: list[Position] = []
            else:
                header = _header(lexer) if index == definition else _skip_header(lexer)
            if index == definition:
                return tuple(header)
            _skip_body(lexer)
            token = lexer.advance()
        return ()
    finally:
        unlink_tokens(lexer)  # no cycles left for the collector (parsing.py)


def _header(lexer: Lexer) -> list[Position]:
    """From the keyword to the opening brace of the selection set: where each variable
    definition of the first parentheses starts (its description, if any, else its `$`)."""
    found: list[Position] = []
    parens = groups = nested = 0
    directives = False
    description: Position | None = None
    previous = TokenKind.SOF
    while True:
        token = lexer.advance()
        kind = token.kind
        if kind is TokenKind.EOF or (kind is TokenKind.BRACE_L and parens == 0):
            return found
        in_definitions = parens == 1 and groups == 1 and not directives and nested == 0
        if kind is TokenKind.AT and parens == 0:
            directives = True
        elif kind is TokenKind.PAREN_L:
            parens += 1
            if parens == 1:
                groups += 1
        elif kind is TokenKind.PAREN_R:
            parens -= 1
        elif kind in _OPEN:
            nested += 1
        elif kind in _CLOSE:
            nested -= 1
        elif kind in _STRINGS and in_definitions and previous is not TokenKind.EQUALS:
            description = (token.line, token.column)  # a description, not a default value
        elif kind is TokenKind.DOLLAR and in_definitions:
            found.append(description or (token.line, token.column))
        if kind not in _STRINGS:
            description = None
        previous = kind


_OPEN = (TokenKind.BRACKET_L, TokenKind.BRACE_L)
_CLOSE = (TokenKind.BRACKET_R, TokenKind.BRACE_R)
_STRINGS = (TokenKind.STRING, TokenKind.BLOCK_STRING)


def _skip_header(lexer: Lexer) -> list[Position]:
    parens = 0
    while True:
        token = lexer.advance()
        if token.kind is TokenKind.EOF or (token.kind is TokenKind.BRACE_L and parens == 0):
            return []
        if token.kind is TokenKind.PAREN_L:
            parens += 1
        elif token.kind is TokenKind.PAREN_R:
            parens -= 1


def _skip_body(lexer: Lexer) -> None:
    """From just after a definition's opening brace to its closing one."""
    depth = 1
    while depth:
        token = lexer.advance()
        if token.kind is TokenKind.EOF:
            return
        if token.kind is TokenKind.BRACE_L:
            depth += 1
        elif token.kind is TokenKind.BRACE_R:
            depth -= 1
