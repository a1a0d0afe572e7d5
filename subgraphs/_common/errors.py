"""GraphQL errors with the contract's `extensions.code` values, and input checks.

Codes a client can act on (`CLIENT_ERROR_CODES`) are logged at INFO without a
traceback; see `schema.py`.

`SERVICE_UNAVAILABLE`: the subgraph could not serve the field right now (no database
connection became free within the pool timeout, see `config.py`); retrying later
can succeed. Everything else unexpected is `INTERNAL_SERVER_ERROR`.
"""

from __future__ import annotations

import re
from typing import Final

from graphql import GraphQLError

BAD_USER_INPUT = "BAD_USER_INPUT"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
UNAUTHENTICATED = "UNAUTHENTICATED"
FORBIDDEN = "FORBIDDEN"
SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"

CLIENT_ERROR_CODES: Final = frozenset({BAD_USER_INPUT, UNAUTHENTICATED, FORBIDDEN})
"""Errors caused by the request itself: expected, never a sign of a bug here."""

# Our ids are SQL integers: at most BIGINT. (A loader answers "not found" for ids
# beyond a narrower column, see loaders/_keys.py.)
MIN_ID, MAX_ID = -(2**63), 2**63 - 1
_INTEGER = re.compile(r"-?[0-9]{1,19}")


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
    """An `ID` argument as our integer primary key, or a BAD_USER_INPUT error.

    ASCII digits only (`str.isdigit` also accepts "²", which `int()` refuses), and
    within BIGINT (Python would parse 5,000 digits, the database would not).
    """
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        number = int(value)
    else:
        raise bad_user_input(f"{what} must be an integer ID, got {brief_repr(value)}")
    if not MIN_ID <= number <= MAX_ID:
        raise bad_user_input(f"{what} must be an integer ID, got {brief_repr(value)}")
    return number


def check_text(value: str, **where: str) -> str:
    """`value`, if a database can store it as text; else a BAD_USER_INPUT error.

    PostgreSQL text cannot hold NUL, and neither driver can encode an unpaired
    surrogate (JSON allows "\\ud800"): either would fail the statement with an
    internal error instead of telling the client what is wrong. `where` names the
    value in the error's extensions: `argumentName="text"` or `field="body"`.
    """
    (name,) = where.values()
    if "\x00" in value:
        raise bad_user_input(f"`{name}` must not contain NUL characters", **where)
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise bad_user_input(
                f"`{name}` must be valid Unicode (it has an unpaired surrogate)", **where
            ) from None
    return value


def brief_repr(value: object, limit: int = 40) -> str:
    """A bounded repr of a bad value for an error message."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"
