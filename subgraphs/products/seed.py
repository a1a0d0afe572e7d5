"""Deterministic catalogue: the 8 fixed categories, products 1..scale.products.

Every shared fact (UPC, category, price, weight) comes from `_common.seeding`, so the
other domains (inventory's `@requires`, orders' unit prices) agree with this one
without reading its tables; only names and descriptions are domain-local choices.
"""

from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from subgraphs._common.seeding import (
    CATEGORY_SLUGS,
    CURRENCY,
    Scale,
    product_category,
    product_price,
    product_upc,
    product_weight,
)
from subgraphs.products.models import CategoryRow, ProductRow

ADJECTIVES = ("Classic", "Compact", "Deluxe", "Handy", "Rugged", "Smart", "Tiny", "Vintage")
NOUNS: dict[str, tuple[str, ...]] = {
    "books": ("Novel", "Cookbook", "Atlas", "Notebook"),
    "electronics": ("Headphones", "Charger", "Speaker", "Keyboard"),
    "garden": ("Shovel", "Hose", "Planter", "Rake"),
    "home": ("Lamp", "Blanket", "Mirror", "Clock"),
    "kitchen": ("Kettle", "Skillet", "Blender", "Teapot"),
    "outdoors": ("Tent", "Lantern", "Backpack", "Hammock"),
    "sports": ("Football", "Racket", "Yoga Mat", "Helmet"),
    "toys": ("Puzzle", "Robot", "Kite", "Teddy Bear"),
}


def category_name(slug: str) -> str:
    """The display name of a category: "books" -> "Books"."""
    return slug.capitalize()


async def seed(connection: AsyncConnection, scale: Scale) -> None:
    rng = scale.rng("products")
    categories = [
        {"id": index, "slug": slug, "name": category_name(slug)}
        for index, slug in enumerate(CATEGORY_SLUGS, start=1)
    ]
    await connection.execute(insert(CategoryRow), categories)
    products = []
    for product_id in range(1, scale.products + 1):
        slug = product_category(product_id)
        adjective, noun = rng.choice(ADJECTIVES), rng.choice(NOUNS[slug])
        products.append(
            {
                "id": product_id,
                "upc": product_upc(product_id),
                "name": f"{adjective} {noun} {product_id}",
                "description": f"A {adjective.lower()} {noun.lower()} from our "
                f"{category_name(slug).lower()} range.",
                "price_amount": product_price(product_id),
                "price_currency": CURRENCY,
                "weight": product_weight(product_id),
                "category_slug": slug,
            }
        )
    await connection.execute(insert(ProductRow), products)
