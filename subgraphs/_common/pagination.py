"""Relay-style cursor connections with keyset pagination over an integer key.

`Connection[User]` prints as `UserConnection { edges: [UserEdge!]!, pageInfo }`.
`PageInfo` is `@shareable`: several subgraphs define it, and federation v2 composition
requires value types defined in more than one subgraph to be shareable. Connection
and edge type names must stay unique across subgraphs (they are per node type).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from typing import Generic, TypeVar

import strawberry
from sqlalchemy import Select
from sqlalchemy.orm import QueryableAttribute

from loaders import SerialSession
from subgraphs._common.errors import bad_user_input, brief_repr
from subgraphs._common.tags import PARTNER

NodeT = TypeVar("NodeT")
RowT = TypeVar("RowT")

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
_CURSOR_PREFIX = "cursor:v1:"
# Cursors encode integer primary keys (`INTEGER`, 32 bits on PostgreSQL).
MIN_KEY, MAX_KEY = -(2**31), 2**31 - 1
_KEY = re.compile(r"-?[0-9]{1,10}")


@strawberry.federation.type(
    shareable=True,
    tags=PARTNER,
    description="Where a page of a connection stands in the whole list (Relay cursor connections).",
)
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether items follow this page.")
    has_previous_page: bool = strawberry.field(description="Whether items precede this page.")
    start_cursor: str | None = strawberry.field(
        description="The cursor of the page's first item; null when the page is empty."
    )
    end_cursor: str | None = strawberry.field(
        description="The cursor of the page's last item (pass it as `after` for the next page)."
    )


@strawberry.federation.type(
    tags=PARTNER, description="One item of a connection and the cursor that points at it."
)
class Edge(Generic[NodeT]):
    cursor: str = strawberry.field(description="Where this item is, for `after`.")
    node: NodeT = strawberry.field(description="The item.")


@strawberry.federation.type(
    tags=PARTNER, description="A page of a list, with the cursors to fetch the pages around it."
)
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]] = strawberry.field(description="The page's items, in order.")
    page_info: PageInfo = strawberry.field(description="Where this page stands in the list.")


def encode_cursor(key: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{key}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    """The key encoded by `encode_cursor`, or a BAD_USER_INPUT error.

    Cursors are opaque to clients but come back from them: anything that is not
    one of ours (not base64, not our prefix, not an ASCII integer within the
    keys' `INTEGER` range) is refused before it reaches SQL.
    """
    try:
        text = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        text = ""
    key = text.removeprefix(_CURSOR_PREFIX)
    if not text.startswith(_CURSOR_PREFIX) or not _KEY.fullmatch(key):
        raise bad_user_input(
            f"`after` is not a valid cursor: {brief_repr(cursor)}", argumentName="after"
        )
    value = int(key)
    if not MIN_KEY <= value <= MAX_KEY:
        raise bad_user_input(
            f"`after` is not a valid cursor: {brief_repr(cursor)}", argumentName="after"
        )
    return value


def check_first(first: int | None) -> int:
    """The page size: `first` within 0..MAX_PAGE_SIZE, or a BAD_USER_INPUT error."""
    if first is None:
        return DEFAULT_PAGE_SIZE
    if not 0 <= first <= MAX_PAGE_SIZE:
        raise bad_user_input(
            f"`first` must be between 0 and {MAX_PAGE_SIZE}, got {first}",
            argumentName="first",
        )
    return first


async def paginate(
    db: SerialSession,
    statement: Select[RowT],
    key: QueryableAttribute[int],
    *,
    first: int | None,
    after: str | None,
    node: Callable[[RowT], NodeT],
) -> Connection[NodeT]:
    """One page of `statement` ordered by `key`, after the `after` cursor (one SELECT).

    Arguments are validated before any SQL runs. One extra row is fetched to tell
    whether there is a next page.
    """
    size = check_first(first)
    after_key = None if after is None else decode_cursor(after)
    if after_key is not None:
        statement = statement.where(key > after_key)
    rows = list(await db.scalars(statement.order_by(key).limit(size + 1))) if size else []
    page = rows[:size]
    edges = [Edge(cursor=encode_cursor(getattr(row, key.key)), node=node(row)) for row in page]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(rows) > size,
            has_previous_page=after_key is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )
