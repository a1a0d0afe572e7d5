"""The products subgraph over SQLite and PostgreSQL: SDL, entities, batching, queries."""

from __future__ import annotations

from typing import Any

import pytest

from subgraphs._common.pagination import MAX_PAGE_SIZE, encode_cursor
from subgraphs._common.seeding import (
    CATEGORY_SLUGS,
    CURRENCY,
    product_category,
    product_price,
    product_upc,
    product_weight,
)
from tests.subgraphs.conftest import TEST_SCALE, Harness, SubgraphFactory

PRODUCT_FIELDS = (
    "... on Product { id upc name description price { amount currency } weight "
    "category { slug name } }"
)


@pytest.fixture
async def products(subgraph: SubgraphFactory) -> Harness:
    return await subgraph("products")


def _data(result: Any) -> Any:
    assert result.errors is None, result.errors
    return result.data


def _expected_product(product_id: int) -> dict[str, Any]:
    return {
        "id": str(product_id),
        "upc": product_upc(product_id),
        "price": {"amount": product_price(product_id), "currency": CURRENCY},
        "weight": product_weight(product_id),
        "category": {
            "slug": product_category(product_id),
            "name": product_category(product_id).capitalize(),
        },
    }


def _shared_facts(product: dict[str, Any]) -> dict[str, Any]:
    return {key: product[key] for key in ("id", "upc", "price", "weight", "category")}


async def _all_products(products: Harness) -> list[dict[str, Any]]:
    query = "{ products(first: 100, after: $after) { edges { node { id name } } } }"
    query = "query($after: String) " + query
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        page = _data(await products.execute(query, {"after": after}))["products"]["edges"]
        if not page:
            return nodes
        nodes.extend(edge["node"] for edge in page)
        after = encode_cursor(int(nodes[-1]["id"]))


async def test_sdl_has_two_product_keys_category_key_and_shareable_money(
    products: Harness,
) -> None:
    sdl = _data(await products.execute("{ _service { sdl } }"))["_service"]["sdl"]
    assert sdl.startswith(
        'schema @link(url: "https://specs.apollo.dev/federation/v2.9", '
        'import: ["@key", "@requiresScopes", "@shareable", "@tag"])'
    )
    assert 'type Product @key(fields: "upc") @key(fields: "id") {' in sdl
    for field in (
        "id: ID!",
        'upc: String! @tag(name: "partner")',
        'name: String! @tag(name: "partner")',
        'description: String! @tag(name: "partner")',
        'price: Money! @tag(name: "partner")',
        "weight: Int!",
        'category: Category! @tag(name: "partner")',
    ):
        assert f"  {field}\n" in sdl
    assert 'type Category @key(fields: "slug") {' in sdl
    assert (
        '  products(first: Int = 20, after: String = null): ProductConnection! @tag(name: "partner")\n'
        in sdl.split('type Category @key(fields: "slug") {')[1]
    )
    money = sdl.split('type Money @shareable @tag(name: "partner") {\n', 1)[1].split("}", 1)[0]
    assert "  amount: Int!\n" in money and "  currency: String!\n" in money
    assert 'type PageInfo @shareable @tag(name: "partner") {' in sdl
    assert '  product(upc: String!): Product @tag(name: "partner")\n' in sdl
    assert (
        "  products(first: Int = 20, after: String = null, category: String = null): "
        'ProductConnection! @tag(name: "partner")\n' in sdl
    )
    assert "  search(text: String!, first: Int = 20): [SearchResult!]!\n" in sdl
    assert "union SearchResult = Product | Category" in sdl
    assert "union _Entity = Category | Product" in sdl


async def test_entities_resolve_products_by_either_key(products: Harness) -> None:
    result = await products.entities(
        [
            {"__typename": "Product", "upc": product_upc(3)},
            {"__typename": "Product", "id": "7"},
            {"__typename": "Product", "id": 8},
            {"__typename": "Product", "upc": "999999999999"},
            {"__typename": "Product", "id": "999999"},
            {"__typename": "Product", "upc": product_upc(4), "id": "4"},
        ],
        PRODUCT_FIELDS,
    )
    entities = _data(result)["_entities"]
    assert entities[3] is None and entities[4] is None
    for entity, product_id in zip([*entities[:3], entities[5]], [3, 7, 8, 4], strict=True):
        assert _shared_facts(entity) == _expected_product(product_id)
        assert entity["name"].endswith(f" {product_id}")
        assert entity["description"].startswith("A ")


async def test_entities_resolve_categories_by_slug(products: Harness) -> None:
    result = await products.entities(
        [
            {"__typename": "Category", "slug": "toys"},
            {"__typename": "Category", "slug": "nope"},
            {"__typename": "Category", "slug": "books"},
        ],
        "... on Category { slug name products(first: 2) { edges { node { id } } } }",
    )
    toys, missing, books = _data(result)["_entities"]
    assert missing is None
    assert toys["name"] == "Toys"
    assert [e["node"]["id"] for e in toys["products"]["edges"]] == ["8", "16"]
    assert [e["node"]["id"] for e in books["products"]["edges"]] == ["1", "9"]


DEEP_SELECTION = (
    "... on Product { upc name price { amount } "
    "category { name products(first: 3) { edges { node { upc } } } } }"
)


def _mixed_representations(size: int) -> list[dict[str, Any]]:
    """`size` distinct lookups: the first half by upc, the second half by id."""
    half = size // 2
    return [
        {"__typename": "Product", "upc": product_upc(i % TEST_SCALE.products + 1)}
        if i < half
        else {"__typename": "Product", "id": str((i - half) % TEST_SCALE.products + 1)}
        for i in range(size)
    ]


@pytest.mark.parametrize("size", [10, 500])
async def test_entities_batch_per_key_and_relationship(products: Harness, size: int) -> None:
    # 500 = 250 products by upc + the same 250 by id: both key loaders are exercised.
    assert size // 2 <= TEST_SCALE.products
    representations = _mixed_representations(size)
    before = products.statements
    result = await products.entities(representations, DEEP_SELECTION)
    # products by upc, products by id, categories by slug, first 4 products per category
    assert products.statements - before == 4
    entities = _data(result)["_entities"]
    assert len(entities) == size
    half = size // 2
    for index, entity in enumerate(entities):
        product_id = (index if index < half else index - half) % TEST_SCALE.products + 1
        assert entity["upc"] == product_upc(product_id)
        assert entity["price"] == {"amount": product_price(product_id)}
        slug = product_category(product_id)
        assert entity["category"]["name"] == slug.capitalize()
        first_of_category = CATEGORY_SLUGS.index(slug) + 1
        assert [e["node"]["upc"] for e in entity["category"]["products"]["edges"]] == [
            product_upc(first_of_category + step * len(CATEGORY_SLUGS)) for step in range(3)
        ]


@pytest.mark.parametrize("size", [10, 500])
async def test_entities_by_upc_only_are_three_statements(products: Harness, size: int) -> None:
    representations = [
        {"__typename": "Product", "upc": product_upc(i % TEST_SCALE.products + 1)}
        for i in range(size)
    ]
    before = products.statements
    result = await products.entities(representations, DEEP_SELECTION)
    assert products.statements - before == 3
    assert all(entity is not None for entity in _data(result)["_entities"])


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"__typename": "Nope", "upc": "1"}, "'Nope' is not an entity type of this subgraph"),
        ({"upc": product_upc(1)}, "representation has no __typename"),
        ({"__typename": "Product"}, "a Product representation needs `upc` or `id`"),
        ({"__typename": "Product", "sku": "x"}, "a Product representation needs `upc` or `id`"),
        (
            {"__typename": "Product", "id": "seven"},
            "wrong type for key field 'id': expected an integer, got 'seven'",
        ),
        (
            {"__typename": "Product", "upc": ["1"]},
            "wrong type for key field 'upc': expected a string",
        ),
        ({"__typename": "Product", "upc": True}, "wrong type for key field 'upc'"),
        ({"__typename": "Category"}, "representation of Category is missing key field 'slug'"),
        ({"__typename": "Category", "slug": {"a": 1}}, "wrong type for key field 'slug'"),
        ("Product:1", "a representation must be an object"),
    ],
)
async def test_a_bad_representation_fails_only_its_own_entry(
    products: Harness, bad: Any, message: str
) -> None:
    good = {"__typename": "Product", "upc": product_upc(2)}
    result = await products.entities([good, bad, good], "... on Product { id }")
    assert result.data == {
        "_entities": [
            {"__typename": "Product", "id": "2"},
            None,
            {"__typename": "Product", "id": "2"},
        ]
    }
    assert result.errors is not None and len(result.errors) == 1
    error = result.errors[0]
    assert message in error.message
    assert error.path == ["_entities", 1]
    assert error.extensions == {"code": "BAD_USER_INPUT"}


async def test_product_by_upc_and_by_id(products: Harness) -> None:
    query = "query($upc: String!) { product(upc: $upc) { id upc } }"
    assert _data(await products.execute(query, {"upc": product_upc(5)}))["product"] == {
        "id": "5",
        "upc": product_upc(5),
    }
    assert _data(await products.execute(query, {"upc": "x"})) == {"product": None}
    by_id = "query($id: ID!) { productById(id: $id) { upc } }"
    assert _data(await products.execute(by_id, {"id": "6"})) == {
        "productById": {"upc": product_upc(6)}
    }
    assert _data(await products.execute(by_id, {"id": "0"})) == {"productById": None}
    result = await products.execute(by_id, {"id": "six"})
    assert result.errors is not None
    assert result.errors[0].extensions == {"code": "BAD_USER_INPUT"}


async def test_category_and_categories(products: Harness) -> None:
    categories = _data(await products.execute("{ categories { slug name } }"))["categories"]
    assert [c["slug"] for c in categories] == list(CATEGORY_SLUGS)
    query = "query($s: String!) { category(slug: $s) { name } }"
    assert _data(await products.execute(query, {"s": "garden"})) == {"category": {"name": "Garden"}}
    assert _data(await products.execute(query, {"s": "Garden"})) == {"category": None}


PRODUCTS_PAGE = """
query($first: Int, $after: String, $category: String) {
  products(first: $first, after: $after, category: $category) {
    edges { cursor node { id category { slug } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


@pytest.mark.parametrize("category", [None, "kitchen"])
async def test_products_pages_through_every_product_once(
    products: Harness, category: str | None
) -> None:
    seen: list[int] = []
    after = None
    while True:
        variables = {"first": 40, "after": after, "category": category}
        page = _data(await products.execute(PRODUCTS_PAGE, variables))["products"]
        seen.extend(int(edge["node"]["id"]) for edge in page["edges"])
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    expected = [
        i
        for i in range(1, TEST_SCALE.products + 1)
        if category is None or product_category(i) == category
    ]
    assert seen == expected


async def test_products_of_an_unknown_category_is_empty(products: Harness) -> None:
    page = _data(await products.execute(PRODUCTS_PAGE, {"category": "nope"}))["products"]
    assert page["edges"] == []
    assert page["pageInfo"]["hasNextPage"] is False


CATEGORY_PAGE = """
query($first: Int, $after: String) {
  categories {
    slug
    products(first: $first, after: $after) {
      edges { cursor node { id } }
      pageInfo { hasNextPage hasPreviousPage endCursor }
    }
  }
}
"""


async def test_category_products_page_with_cursors_in_one_statement_per_page(
    products: Harness,
) -> None:
    per_category: dict[str, list[int]] = {slug: [] for slug in CATEGORY_SLUGS}
    after: str | None = None
    # The same cursor for every category: each page is 2 statements (categories + one
    # batch of products for all 8 categories).
    for _ in range(3):
        before = products.statements
        result = await products.execute(CATEGORY_PAGE, {"first": 10, "after": after})
        assert products.statements - before == 2
        for category in _data(result)["categories"]:
            connection = category["products"]
            ids = [int(edge["node"]["id"]) for edge in connection["edges"]]
            per_category[category["slug"]].extend(ids)
            assert connection["pageInfo"]["hasPreviousPage"] is (after is not None)
            assert connection["pageInfo"]["hasNextPage"] is True
        after = encode_cursor(max(max(ids) for ids in per_category.values()))
    for slug, ids in per_category.items():
        expected = [i for i in range(1, TEST_SCALE.products + 1) if product_category(i) == slug]
        assert ids == sorted(ids) and set(ids) <= set(expected)
        assert len(set(ids)) == len(ids)


async def test_category_products_last_page_and_empty_page(products: Harness) -> None:
    last_books = max(i for i in range(1, TEST_SCALE.products + 1) if product_category(i) == "books")
    query = (
        'query($after: String, $first: Int) { category(slug: "books") { '
        "products(first: $first, after: $after) { edges { node { id } } "
        "pageInfo { hasNextPage endCursor } } } }"
    )
    after = encode_cursor(last_books - len(CATEGORY_SLUGS) * 2)
    page = _data(await products.execute(query, {"after": after, "first": 5}))
    connection = page["category"]["products"]
    assert [e["node"]["id"] for e in connection["edges"]] == [
        str(last_books - len(CATEGORY_SLUGS)),
        str(last_books),
    ]
    assert connection["pageInfo"]["hasNextPage"] is False
    before = products.statements
    empty = _data(await products.execute(query, {"first": 0}))["category"]["products"]
    assert products.statements - before == 1  # the category only
    assert empty == {"edges": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"first": -1}, f"`first` must be between 0 and {MAX_PAGE_SIZE}, got -1"),
        ({"first": MAX_PAGE_SIZE + 1}, "`first` must be between 0 and"),
        ({"after": "not-a-cursor"}, "`after` is not a valid cursor"),
    ],
)
async def test_pagination_rejects_bad_arguments(
    products: Harness, variables: dict[str, Any], message: str
) -> None:
    result = await products.execute(PRODUCTS_PAGE, variables)
    assert result.data is None
    assert result.errors is not None and message in result.errors[0].message
    assert result.errors[0].extensions is not None
    assert result.errors[0].extensions["code"] == "BAD_USER_INPUT"
    nested = await products.execute(CATEGORY_PAGE, variables)
    assert nested.errors is not None and message in nested.errors[0].message
    assert nested.errors[0].path == ["categories", 0, "products"]


SEARCH = """
query($text: String!, $first: Int) {
  search(text: $text, first: $first) {
    __typename
    ... on Product { id name }
    ... on Category { slug }
  }
}
"""


@pytest.mark.parametrize("text", ["book", "BOOK", "bOoK", "  Lamp ", "teddy b", "ELECTRO"])
async def test_search_is_case_insensitive_on_categories_and_product_names(
    products: Harness, text: str
) -> None:
    catalogue = await _all_products(products)
    before = products.statements
    results = _data(await products.execute(SEARCH, {"text": text, "first": 100}))["search"]
    assert products.statements - before == 2
    needle = text.strip().lower()
    categories = [slug for slug in CATEGORY_SLUGS if needle in slug]
    matching = [p for p in catalogue if needle in p["name"].lower()]
    assert matching or categories
    assert results == [
        *({"__typename": "Category", "slug": slug} for slug in categories),
        *({"__typename": "Product", **p} for p in matching),
    ]


async def test_search_limits_products_and_escapes_wildcards(products: Harness) -> None:
    limited = _data(await products.execute(SEARCH, {"text": "e", "first": 5}))["search"]
    kinds = [r["__typename"] for r in limited]
    assert kinds.count("Product") == 5
    assert kinds.count("Category") == sum("e" in slug for slug in CATEGORY_SLUGS)
    for wildcard in ("%", "_", "b%k", "\\"):
        assert _data(await products.execute(SEARCH, {"text": wildcard}))["search"] == []


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "`text` must not be empty"), ("   ", "`text` must not be empty"), ("x" * 201, "at most")],
)
async def test_search_rejects_bad_text_without_sql(
    products: Harness, text: str, message: str
) -> None:
    before = products.statements
    result = await products.execute(SEARCH, {"text": text})
    assert products.statements == before
    assert result.data is None
    assert result.errors is not None and message in result.errors[0].message
    assert result.errors[0].extensions == {"code": "BAD_USER_INPUT", "argumentName": "text"}
