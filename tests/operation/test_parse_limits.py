"""The parser's limits are told from syntax errors by the parser's state, not its wording."""

from __future__ import annotations

import pytest
from graphql import GraphQLSyntaxError

from supergraph.limits import OperationLimits
from supergraph.operation.parsing import SourceTooLong, TokenLimitExceeded, parse_document
from supergraph.pipeline.request import GraphQLRequest
from tests.executor.test_pipeline import make_router


@pytest.mark.parametrize(
    "text",
    [
        "{ a b c d e f }",  # the parser counts past the limit
        "{ a\n#1\n#2\n#3\n#4\n#5\n#6\n }",  # the lexer stops in a run of comments
        "#1\n#2\n#3\n#4\n#5\n#6\n#7\n{ a }",
    ],
)
def test_over_the_token_limit(text: str) -> None:
    with pytest.raises(TokenLimitExceeded) as raised:
        parse_document(text, max_tokens=5)
    assert raised.value.limit == 5


@pytest.mark.parametrize(
    "text",
    [
        "{ a b }",  # within: parses
        "{ a\n#1\n#2\n",  # within: a syntax error of its own (unexpected end)
        '{ "Document contains more than 5 tokens. Parsing aborted." }',
    ],
)
def test_within_the_token_limit(text: str) -> None:
    try:
        parse_document(text, max_tokens=5)
    except GraphQLSyntaxError as error:
        assert not isinstance(error, TokenLimitExceeded)


def test_over_the_length_limit_nothing_is_read() -> None:
    with pytest.raises(SourceTooLong) as raised:
        parse_document("{ a }" * 10, max_source_length=20)
    assert raised.value.limit == 20
    parse_document("{ a }", max_source_length=5)


async def test_a_syntax_error_that_quotes_the_limits_wording_is_a_syntax_error() -> None:
    """The message of this syntax error names the string it found, which is graphql-core's
    wording of the token limit: it was once taken for MAX_TOKENS_EXCEEDED."""
    router, _ = make_router(limits=OperationLimits(max_tokens=100))
    text = '{ "Document contains more than 5 tokens. Source contains more than 9" }'
    response = await router.execute(GraphQLRequest(text))
    assert response.body["errors"][0]["extensions"] == {"code": "GRAPHQL_PARSE_FAILED"}
    tight, _ = make_router(limits=OperationLimits(max_tokens=3))
    refused = await tight.execute(GraphQLRequest("{ me { id } }"))
    assert refused.body["errors"][0] == {
        "message": "The operation has more than 3 tokens.",
        "extensions": {"code": "MAX_TOKENS_EXCEEDED"},
    }
