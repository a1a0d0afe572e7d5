"""The accounts subgraph schema: `User @key(fields: "id")` and the user queries."""

from __future__ import annotations

from datetime import datetime

import strawberry
from sqlalchemy import select
from strawberry.types import Info

from loaders import KeyLoader
from subgraphs._common.access import require_owner, unknown_subject
from subgraphs._common.context import SubgraphContext
from subgraphs._common.errors import parse_int_id
from subgraphs._common.identity import user_id_from
from subgraphs._common.pagination import DEFAULT_PAGE_SIZE, Connection, paginate
from subgraphs._common.schema import SubgraphSchema
from subgraphs.accounts.models import UserRow

AccountsInfo = Info[SubgraphContext, None]

EMAIL_SCOPE = "user:email"
"""Lets a caller read every user's email (otherwise: only their own)."""


def users_by_id(info: AccountsInfo) -> KeyLoader[UserRow, int]:
    """The request's loader of users by id (one `SELECT ... WHERE id IN` per batch)."""
    return info.context.loaders.by_key(UserRow, UserRow.id)


@strawberry.federation.type(
    keys=["id"],
    description="A customer account. Accounts owns it; other domains add what they know of the user.",
)
class User:
    id: strawberry.ID = strawberry.field(description="The user's id.")
    # @shareable: reviews resolves it too, through `Review.author @provides(fields: "username")`.
    username: str = strawberry.federation.field(
        description="The user's public handle.", shareable=True
    )
    name: str = strawberry.field(description="The user's full name.")
    email_address: strawberry.Private[str]
    created_at: datetime = strawberry.field(description="When the account was created.")

    @strawberry.federation.field(
        authenticated=True,
        description="The user's email address: for the user themself, or with the user:email scope.",
    )  # type: ignore[untyped-decorator]
    def email(self, info: AccountsInfo) -> str | None:
        """Only for the user themself, or a caller with scope `user:email` (else an error)."""
        require_owner(info, self.id, EMAIL_SCOPE)
        return self.email_address

    @classmethod
    def from_row(cls, row: UserRow) -> User:
        return cls(
            id=strawberry.ID(str(row.id)),
            username=row.username,
            name=row.name,
            email_address=row.email,
            created_at=row.created_at,
        )

    @classmethod
    async def resolve_reference(cls, info: AccountsInfo, id: strawberry.ID) -> User | None:
        """Other graphs name users by subject (an opaque string): one that is not one
        of our integer ids (an identity provider's UUID) has no account here: null."""
        user_id = user_id_from(str(id))
        return None if user_id is None else await cls.load(info, user_id)

    @classmethod
    async def load(cls, info: AccountsInfo, id: int) -> User | None:
        row = await users_by_id(info).load(id)
        return None if row is None else cls.from_row(row)


@strawberry.type
class Query:
    @strawberry.field(description="The signed-in user; null when anonymous.")  # type: ignore[untyped-decorator]
    async def me(self, info: AccountsInfo) -> User | None:
        """The user making the request (from the router's verified identity); null when
        anonymous, or signed in as a subject with no user here (with an error saying so)."""
        user_id = info.context.user_id
        if user_id is None and info.context.subject is not None:
            raise unknown_subject(info.context.subject)
        return None if user_id is None else await User.load(info, user_id)

    @strawberry.field(description="The user with this id, if any.")  # type: ignore[untyped-decorator]
    async def user(self, info: AccountsInfo, id: strawberry.ID) -> User | None:
        return await User.load(info, parse_int_id(id))

    @strawberry.field(description="Users, a page at a time (`first`, `after`).")  # type: ignore[untyped-decorator]
    async def users(
        self,
        info: AccountsInfo,
        first: int | None = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> Connection[User]:
        """Users ordered by id: `first` (0..100) after the cursor `after`."""
        return await paginate(
            info.context.db,
            select(UserRow),
            UserRow.id,
            first=first,
            after=after,
            node=User.from_row,
        )


schema = SubgraphSchema(query=Query)
