"""GraphQL errors with the contract's `extensions.code` values."""

from __future__ import annotations

from graphql import GraphQLError

BAD_USER_INPUT = "BAD_USER_INPUT"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
UNAUTHENTICATED = "UNAUTHENTICATED"
FORBIDDEN = "FORBIDDEN"


def bad_user_input(message: str, **extensions: object) -> GraphQLError:
    """An error the client can fix; raise it from a resolver."""
    return GraphQLError(message, extensions={"code": BAD_USER_INPUT, **extensions})


def unauthenticated(message: str = "you must be signed in") -> GraphQLError:
    """An error for an operation that needs an identity and the request has none."""
    return GraphQLError(message, extensions={"code": UNAUTHENTICATED})


def forbidden(message: str = "you are not allowed to see or do this") -> GraphQLError:
    """An error for a signed-in caller who is not the owner and lacks the needed scope."""
    return GraphQLError(message, extensions={"code": FORBIDDEN})


def parse_int_id(value: str | int, *, what: str = "id") -> int:
    """An `ID` argument as our integer primary key, or a BAD_USER_INPUT error."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise bad_user_input(f"{what} must be an integer ID, got {value!r}")
