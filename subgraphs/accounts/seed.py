"""Deterministic users: ids 1..scale.users, usernames from `seeding.username`."""

from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from subgraphs._common.seeding import Scale, at, username
from subgraphs.accounts.models import UserRow

FIRST_NAMES = ("Ada", "Alan", "Barbara", "Donald", "Edsger", "Grace", "John", "Radia")
LAST_NAMES = ("Hopper", "Knuth", "Liskov", "Lovelace", "McCarthy", "Perlman", "Turing")


async def seed(connection: AsyncConnection, scale: Scale) -> None:
    rng = scale.rng("accounts")
    rows = [
        {
            "id": user_id,
            "username": username(user_id),
            "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            "email": f"{username(user_id)}@example.com",
            "created_at": at(days=user_id / 24, seconds=rng.randrange(3600)),
        }
        for user_id in range(1, scale.users + 1)
    ]
    await connection.execute(insert(UserRow), rows)
