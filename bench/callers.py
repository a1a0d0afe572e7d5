"""deep_chain's varied callers: orders placed so that every caller's chain is the same size.

deep_chain starts at the caller (`user(id)`, and the orders subgraph serves only the
caller's own orders), so its variants are different callers. The seeded users' chains
differ in size: how many orders and items, and below each item the stock rows of the
products its reviewers reviewed (0-4 per product, random). Not enough seeded users
share one size, so the bench places two orders for each caller (2 items, and before it
3 items: the two newest, which is what `orders(first: 2)` returns), with products
picked from the seeded data so that every caller's answer has the same list sizes at
every path and every entity fetch the same number of distinct representations.

The seeded facts are read through the subgraphs' own `_entities` (reviews, inventory),
not their databases.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bench import procs

ITEMS_PER_ORDER = (3, 2)
"""Placed in this order: the 2-item order is the newest, as the bench order is user 1's."""

REVIEWS_PER_PRODUCT = 3  # deep_chain's `reviews(first: 3)`
REVIEWS_PER_AUTHOR = 2  # and its author's `reviews(first: 2)`
SAMPLES = 40_000
"""Random item sets tried; at scale 21 about 190 share the most common size (64 wanted)."""

_REVIEWS = (
    "query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { upc"
    f" reviews(first: {REVIEWS_PER_PRODUCT}) {{ author {{ id"
    f" reviews(first: {REVIEWS_PER_AUTHOR}) {{ product {{ upc }} }} }} }} }} }} }}"
)
_STOCK = (
    "query($r: [_Any!]!) { _entities(representations: $r) {"
    " ... on Product { upc stock { quantity } } } }"
)
_PLACE = "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }"


@dataclass(frozen=True, slots=True)
class Below:
    """What deep_chain reads below one item's product."""

    authors: tuple[str, ...]  # the product's reviewers, newest review first
    products: tuple[str, ...]  # the products those reviewers reviewed (UPCs)
    stock: int  # stock rows of those products, in all


Size = tuple[int, int, int, int]
"""Distinct reviewers, distinct reviewed products, their stock rows, distinct stocked products."""


def size_of(items: Sequence[str], below: Mapping[str, Below], stocked: Mapping[str, int]) -> Size:
    """The per-fetch work of one caller whose two orders hold `items` (list sizes are fixed)."""
    authors = {author for upc in items for author in below[upc].authors}
    products = {product for upc in items for product in below[upc].products}
    rows = sum(below[upc].stock for upc in items)
    with_stock = {product for product in products if stocked.get(product, 0) > 0}
    return (len(authors), len(products), rows, len(with_stock))


def describe(size: Size) -> str:
    authors, products, rows, stocked = size
    return (
        f"{sum(ITEMS_PER_ORDER)} items, {authors} reviewers, {products} reviewed products,"
        f" {rows} stock rows of {stocked} products per caller"
    )


def full_chains(
    reviews: Sequence[Mapping[str, object]], stocked: Mapping[str, int]
) -> dict[str, Below]:
    """The products whose chain is full: 3 reviews, and 2 reviews by each distinct reviewer."""
    out: dict[str, Below] = {}
    for entity in reviews:
        upc = str(entity["upc"])
        listed = entity["reviews"]
        assert isinstance(listed, list)
        authors: list[str] = []
        products: list[str] = []
        for review in listed:
            author = review["author"]
            authors.append(str(author["id"]))
            products += [str(r["product"]["upc"]) for r in author["reviews"]]
        full = len(listed) == REVIEWS_PER_PRODUCT and len(set(authors)) == len(authors)
        if full and len(products) == REVIEWS_PER_PRODUCT * REVIEWS_PER_AUTHOR:
            stock = sum(stocked.get(product, 0) for product in products)
            out[upc] = Below(tuple(authors), tuple(products), stock)
    return out


def pick(
    below: Mapping[str, Below], stocked: Mapping[str, int], count: int, seed: str
) -> tuple[Size, list[tuple[str, ...]]]:
    """`count` different item lists (5 distinct products each) of the most common size."""
    rng = random.Random(seed)
    candidates = sorted(below)
    per = sum(ITEMS_PER_ORDER)
    if len(candidates) < per:
        raise RuntimeError(f"only {len(candidates)} products have a full deep_chain below them")
    found: dict[Size, dict[frozenset[str], tuple[str, ...]]] = {}
    for _ in range(SAMPLES):
        items = tuple(rng.sample(candidates, per))
        found.setdefault(size_of(items, below, stocked), {}).setdefault(frozenset(items), items)
    size, sets = max(found.items(), key=lambda entry: (len(entry[1]), entry[0]))
    if len(sets) < count:
        raise RuntimeError(f"only {len(sets)} item lists of one deep_chain size, {count} wanted")
    return size, list(sets.values())[:count]


def place_orders(real: Mapping[str, int], callers: Sequence[str], products: int) -> Size:
    """Give each caller two newest orders of one deep_chain size; returns that size.

    Idempotent (fixed keys): a second call with the same data replays the orders.
    """
    upcs = [f"{product_id:012d}" for product_id in range(1, products + 1)]
    representations = [{"__typename": "Product", "upc": upc} for upc in upcs]
    stock_answer = _entities(real["inventory"], _STOCK, representations)
    stocked = {str(e["upc"]): len(e["stock"]) for e in stock_answer}  # type: ignore[arg-type]
    below = full_chains(_entities(real["reviews"], _REVIEWS, representations), stocked)
    size, item_lists = pick(below, stocked, len(callers), seed="bench deep_chain callers")
    url = f"http://127.0.0.1:{real['orders']}/graphql"
    for caller, items in zip(callers, item_lists, strict=True):
        start = 0
        for order, length in enumerate(ITEMS_PER_ORDER):
            lines = [{"productUpc": upc, "quantity": 1} for upc in items[start : start + length]]
            start += length
            key = f"bench-chain-{caller}-{order}"
            variables = {"input": {"idempotencyKey": key, "items": lines}}
            status, raw = procs.post_json(
                url, {"query": _PLACE, "variables": variables}, {"x-user-id": caller}
            )
            if status != 200 or b'"errors"' in raw:
                raise RuntimeError(f"placing {key}: {status} {raw[:300]!r}")
    return size


def _entities(
    port: int, query: str, representations: list[dict[str, str]]
) -> list[dict[str, object]]:
    url = f"http://127.0.0.1:{port}/graphql"
    status, raw = procs.post_json(url, {"query": query, "variables": {"r": representations}})
    answer = json.loads(raw)
    if status != 200 or answer.get("errors"):
        raise RuntimeError(f"reading {url}: {status} {raw[:300]!r}")
    entities = answer["data"]["_entities"]
    assert isinstance(entities, list)
    return [e for e in entities if e is not None]
