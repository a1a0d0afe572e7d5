"""Deterministic reviews: ids 1..scale.reviews, authors and products from the shared facts.

`known_products` (the read model of the catalogue) gets every product of the scale.
"""

from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from subgraphs._common.seeding import Scale, at, product_upc, username
from subgraphs.reviews.models import KnownProductRow, ReviewRow

OPENINGS = {
    1: ("Disappointing.", "Broke after a week.", "Not as described."),
    2: ("Meh.", "Could be better.", "Works, barely."),
    3: ("It is fine.", "Does the job.", "Average, as expected."),
    4: ("Pretty good.", "Happy with it.", "Would buy again."),
    5: ("Excellent!", "Love it.", "Best purchase this year."),
}
DETAILS = (
    "Shipping was quick.",
    "The packaging could be smaller.",
    "Good value for the price.",
    "My kids use it every day.",
    "Instructions were clear.",
    "Took a while to set up.",
)


async def seed(connection: AsyncConnection, scale: Scale) -> None:
    await connection.execute(
        insert(KnownProductRow),
        [{"product_upc": product_upc(pid)} for pid in range(1, scale.products + 1)],
    )
    rng = scale.rng("reviews")
    rows = []
    for review_id in range(1, scale.reviews + 1):
        author_id = rng.randint(1, scale.users)
        rating = rng.choices((1, 2, 3, 4, 5), weights=(1, 1, 2, 4, 4))[0]
        rows.append(
            {
                "id": review_id,
                "product_upc": product_upc(rng.randint(1, scale.products)),
                "author_id": str(author_id),
                "author_username": username(author_id),
                "body": f"{rng.choice(OPENINGS[rating])} {rng.choice(DETAILS)}",
                "rating": rating,
                "created_at": at(days=review_id / 12, seconds=rng.randrange(3600)),
            }
        )
    await connection.execute(insert(ReviewRow), rows)
