"""Deterministic seed data: sizes per scale and the facts shared across domains.

Each subgraph owns its database and never reads another's, so cross-domain
references are consistent by construction: every domain derives ids and shared
facts from the scale with the pure functions below. Same scale -> same data.

Sizes (n = scale; default `DEFAULT_SCALE` = 1 for development):

| domain    | rows                                                   | n=1 | n=100   |
|-----------|--------------------------------------------------------|-----|---------|
| accounts  | users, ids 1..users                                    | 20  | 2,000   |
| products  | categories (fixed `CATEGORY_SLUGS`)                    | 8   | 8       |
| products  | products, ids 1..products, upc `product_upc(id)`       | 10  | 1,000   |
| reviews   | reviews, ids 1..reviews (authors in users, products)   | 120 | 12,000  |
| inventory | warehouses, ids 1..warehouses (fixed)                  | 4   | 4       |
| orders    | orders, ids 1..orders, 1-4 items each                  | 30  | 3,000   |
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

DEFAULT_SCALE = 1
MAX_SCALE = 10_000

# All seeded timestamps are offsets from this instant.
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)

CATEGORY_SLUGS: tuple[str, ...] = (
    "books",
    "electronics",
    "garden",
    "home",
    "kitchen",
    "outdoors",
    "sports",
    "toys",
)
CURRENCY = "USD"


@dataclass(frozen=True, slots=True)
class Scale:
    """How much data to seed; every count is a pure function of `n`."""

    n: int = DEFAULT_SCALE

    def __post_init__(self) -> None:
        if not 1 <= self.n <= MAX_SCALE:
            raise ValueError(f"scale must be between 1 and {MAX_SCALE}, got {self.n}")

    @property
    def users(self) -> int:
        return 20 * self.n

    @property
    def categories(self) -> int:
        return len(CATEGORY_SLUGS)

    @property
    def products(self) -> int:
        return 10 * self.n

    @property
    def reviews(self) -> int:
        return 120 * self.n

    @property
    def warehouses(self) -> int:
        return 4

    @property
    def orders(self) -> int:
        return 30 * self.n

    def rng(self, domain: str) -> random.Random:
        """A random generator seeded by (domain, scale): the same sequence every run."""
        return random.Random(f"{domain}:{self.n}")


def at(*, days: float = 0, seconds: float = 0) -> datetime:
    """A seeded timestamp: `EPOCH` plus an offset."""
    return EPOCH + timedelta(days=days, seconds=seconds)


# -- accounts facts (users 1..Scale.users) -------------------------------------------


def username(user_id: int | str) -> str:
    """The username of user `user_id` (reviews copies it for `@provides`); a subject
    string like "7" gives the same name as the integer."""
    return f"user{user_id}"


# -- products facts (products 1..Scale.products) -------------------------------------


def product_upc(product_id: int) -> str:
    """The UPC of product `product_id`: 12 digits, e.g. 7 -> "000000000007"."""
    return f"{product_id:012d}"


def product_id_for_upc(upc: str) -> int | None:
    """The inverse of `product_upc`; None when `upc` is not one of ours (12 ASCII digits)."""
    if len(upc) != 12 or not (upc.isascii() and upc.isdigit()):
        return None
    return int(upc)


def product_category(product_id: int) -> str:
    return CATEGORY_SLUGS[(product_id - 1) % len(CATEGORY_SLUGS)]


def product_price(product_id: int) -> int:
    """The price in minor units (cents, `CURRENCY`): 1.99 to 499.99."""
    return 199 + (product_id * 7_919) % 49_801


def product_weight(product_id: int) -> int:
    """The weight in grams: 50 to 20,049."""
    return 50 + (product_id * 3_571) % 20_000
