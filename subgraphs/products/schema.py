"""The products subgraph schema: `Product`, `Category`, product queries and search.

- `Product @key(fields: "upc") @key(fields: "id")`: a representation may carry either
  key; each key has its own loader (one `SELECT ... WHERE upc IN` / `id IN` per batch).
- `Category @key(fields: "slug")` with `products(first, after)`, a cursor connection
  whose pages for ALL categories of a request are one statement (first N per parent).
- `Mutation.createProduct` / `updateProduct` / `discontinueProduct` (staff: scope
  `catalog:write`, declared with `@requiresScopes` for the router and checked here
  too), each recording its event for the other domains' read models (`catalog.py`).
- `Query.search(text)`: case-insensitive substring match on category names and slugs
  and on product names (`lower(column) LIKE lower(text)` with `%`/`_` escaped, so
  the result is the same on SQLite and PostgreSQL); categories first, then products
  by id, at most `first` products.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import strawberry
from sqlalchemy import func, or_, select
from strawberry.types import Info

from loaders import ForeignKeyLoader, KeyLoader
from subgraphs._common.access import require_owner
from subgraphs._common.context import SubgraphContext
from subgraphs._common.errors import bad_user_input, check_text, parse_int_id
from subgraphs._common.pagination import (
    DEFAULT_PAGE_SIZE,
    Connection,
    Edge,
    PageInfo,
    check_first,
    decode_cursor,
    encode_cursor,
    paginate,
)
from subgraphs._common.schema import SubgraphSchema
from subgraphs._common.tags import PARTNER
from subgraphs._common.values import Money
from subgraphs.products.catalog import (
    CATALOG_SCOPE,
    ProductChanges,
    create_product,
    discontinue_product,
    update_product,
)
from subgraphs.products.models import CategoryRow, ProductRow

ProductsInfo = Info[SubgraphContext, None]

MAX_SEARCH_TEXT = 200


def products_by_upc(info: ProductsInfo) -> KeyLoader[ProductRow, str]:
    return info.context.loaders.by_key(ProductRow, ProductRow.upc)


def products_by_id(info: ProductsInfo) -> KeyLoader[ProductRow, int]:
    return info.context.loaders.by_key(ProductRow, ProductRow.id)


def categories_by_slug(info: ProductsInfo) -> KeyLoader[CategoryRow, str]:
    return info.context.loaders.by_key(CategoryRow, CategoryRow.slug)


def products_by_category(
    info: ProductsInfo, *, limit: int, after_id: int | None
) -> ForeignKeyLoader[ProductRow, str]:
    """The first `limit` products (by id) after `after_id` of each category, one batch.

    Every category asking for the same page size and cursor shares this loader.
    """
    return info.context.loaders.by_foreign_key(
        ProductRow,
        ProductRow.category_slug,
        limit=limit,  # ordered by the primary key (id), the loader's tie-breaker
        where=None if after_id is None else ProductRow.id > after_id,
    )


@strawberry.federation.type(
    keys=["upc", "id"],
    description="An item of the catalog, identified by its UPC. Products owns it; inventory, reviews and orders add their facts.",
)
class Product:
    id: strawberry.ID = strawberry.field(description="The product's id.")
    upc: str = strawberry.federation.field(
        description="The product's 12-digit Universal Product Code.", tags=PARTNER
    )
    name: str = strawberry.federation.field(description="The product's name.", tags=PARTNER)
    description: str = strawberry.federation.field(description="What the product is.", tags=PARTNER)
    price: Money = strawberry.federation.field(description="What the product costs.", tags=PARTNER)
    weight: int = strawberry.field(description="In grams.")
    category_slug: strawberry.Private[str]
    discontinued: bool = strawberry.field(
        description="No longer sold: no new orders or reviews may name it."
    )

    @classmethod
    def from_row(cls, row: ProductRow) -> Product:
        return cls(
            id=strawberry.ID(str(row.id)),
            upc=row.upc,
            name=row.name,
            description=row.description,
            price=Money(amount=row.price_amount, currency=row.price_currency),
            weight=row.weight,
            category_slug=row.category_slug,
            discontinued=row.discontinued_at is not None,
        )

    @classmethod
    async def resolve_reference(
        cls, info: ProductsInfo, upc: str | None = None, id: int | None = None
    ) -> Product | None:
        if upc is not None:
            row = await products_by_upc(info).load(upc)
        elif id is not None:
            row = await products_by_id(info).load(id)
        else:
            raise bad_user_input("a Product representation needs `upc` or `id`")
        return None if row is None else cls.from_row(row)

    @strawberry.federation.field(tags=PARTNER, description="The product's category.")  # type: ignore[untyped-decorator]
    async def category(self, info: ProductsInfo) -> Category:
        row = await categories_by_slug(info).load(self.category_slug)
        if row is None:  # the foreign key makes this impossible
            raise LookupError(f"product {self.upc} has unknown category {self.category_slug!r}")
        return Category.from_row(row)


@strawberry.federation.type(
    keys=["slug"], description="A group of products of the catalog, identified by its slug."
)
class Category:
    slug: str = strawberry.federation.field(
        description="The category's slug (its id in URLs).", tags=PARTNER
    )
    name: str = strawberry.federation.field(description="The category's name.", tags=PARTNER)

    @classmethod
    def from_row(cls, row: CategoryRow) -> Category:
        return cls(slug=row.slug, name=row.name)

    @classmethod
    async def resolve_reference(cls, info: ProductsInfo, slug: str) -> Category | None:
        row = await categories_by_slug(info).load(slug)
        return None if row is None else cls.from_row(row)

    @strawberry.federation.field(
        tags=PARTNER, description="The category's products, a page at a time."
    )  # type: ignore[untyped-decorator]
    async def products(
        self,
        info: ProductsInfo,
        first: int | None = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> Connection[Product]:
        """This category's products by id: `first` (0..100) after the cursor `after`."""
        size = check_first(first)
        after_id = None if after is None else decode_cursor(after)
        rows: Sequence[ProductRow] = []
        if size:
            # One extra row per category tells whether there is a next page.
            loader = products_by_category(info, limit=size + 1, after_id=after_id)
            rows = await loader.load(self.slug)
        return _connection(rows, size, has_previous_page=after_id is not None)


def _connection(
    rows: Sequence[ProductRow], size: int, *, has_previous_page: bool
) -> Connection[Product]:
    edges = [Edge(cursor=encode_cursor(row.id), node=Product.from_row(row)) for row in rows[:size]]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(rows) > size,
            has_previous_page=has_previous_page,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )


SearchResult = Annotated[
    Product | Category,
    strawberry.union("SearchResult", description="What a search finds: products and categories."),
]


@strawberry.type
class Query:
    @strawberry.federation.field(tags=PARTNER, description="The product with this UPC, if any.")  # type: ignore[untyped-decorator]
    async def product(self, info: ProductsInfo, upc: str) -> Product | None:
        return await Product.resolve_reference(info, upc=upc)

    @strawberry.field(description="The product with this id, if any.")  # type: ignore[untyped-decorator]
    async def product_by_id(self, info: ProductsInfo, id: strawberry.ID) -> Product | None:
        return await Product.resolve_reference(info, id=parse_int_id(id))

    @strawberry.federation.field(
        tags=PARTNER,
        description="The catalog, a page at a time (`first`, `after`), optionally of one category.",
    )  # type: ignore[untyped-decorator]
    async def products(
        self,
        info: ProductsInfo,
        first: int | None = DEFAULT_PAGE_SIZE,
        after: str | None = None,
        category: str | None = None,
    ) -> Connection[Product]:
        """Products by id, optionally of one category (by slug): `first` after `after`."""
        statement = select(ProductRow)
        if category is not None:
            check_text(category, argumentName="category")
            statement = statement.where(ProductRow.category_slug == category)
        return await paginate(
            info.context.db,
            statement,
            ProductRow.id,
            first=first,
            after=after,
            node=Product.from_row,
        )

    @strawberry.federation.field(tags=PARTNER, description="The category with this slug, if any.")  # type: ignore[untyped-decorator]
    async def category(self, info: ProductsInfo, slug: str) -> Category | None:
        return await Category.resolve_reference(info, slug)

    @strawberry.federation.field(tags=PARTNER, description="Every category.")  # type: ignore[untyped-decorator]
    async def categories(self, info: ProductsInfo) -> list[Category]:
        rows = await info.context.db.scalars(select(CategoryRow).order_by(CategoryRow.id))
        return [Category.from_row(row) for row in rows]

    @strawberry.field(description="Products whose name or description contains the text.")  # type: ignore[untyped-decorator]
    async def search(
        self, info: ProductsInfo, text: str, first: int | None = DEFAULT_PAGE_SIZE
    ) -> list[SearchResult]:
        """Categories (name or slug) then products (name) containing `text`, any case."""
        size = check_first(first)
        needle = check_text(text.strip(), argumentName="text")
        if not needle:
            raise bad_user_input("`text` must not be empty", argumentName="text")
        if len(needle) > MAX_SEARCH_TEXT:
            raise bad_user_input(
                f"`text` must be at most {MAX_SEARCH_TEXT} characters", argumentName="text"
            )
        needle = needle.lower()
        categories = await info.context.db.scalars(
            select(CategoryRow)
            .where(
                or_(
                    func.lower(CategoryRow.name).contains(needle, autoescape=True),
                    func.lower(CategoryRow.slug).contains(needle, autoescape=True),
                )
            )
            .order_by(CategoryRow.id)
        )
        products: Sequence[ProductRow] = []
        if size:
            products = await info.context.db.scalars(
                select(ProductRow)
                .where(func.lower(ProductRow.name).contains(needle, autoescape=True))
                .order_by(ProductRow.id)
                .limit(size)
            )
        return [
            *(Category.from_row(row) for row in categories),
            *(Product.from_row(row) for row in products),
        ]


@strawberry.input(description="A new product of the catalog (staff).")
class CreateProductInput:
    upc: str
    name: str
    price_amount: int = strawberry.field(description="In minor units (cents) of USD.")
    weight: int = strawberry.field(description="In grams.")
    category_slug: str
    description: str = ""


@strawberry.input(description="Changes to a product (staff); omitted fields stay as they are.")
class UpdateProductInput:
    upc: str
    name: str | None = None
    description: str | None = None
    price_amount: int | None = None
    weight: int | None = None
    category_slug: str | None = None


@strawberry.input(description="The product to stop selling (staff).")
class DiscontinueProductInput:
    upc: str


def _changes(input: CreateProductInput | UpdateProductInput) -> ProductChanges:
    return ProductChanges(
        name=input.name,
        description=input.description,
        price_amount=input.price_amount,
        weight=input.weight,
        category_slug=input.category_slug,
    )


STAFF = [[CATALOG_SCOPE]]


@strawberry.type
class Mutation:
    @strawberry.federation.mutation(
        requires_scopes=STAFF, description="Add a product to the catalog (staff)."
    )  # type: ignore[untyped-decorator]
    async def create_product(self, info: ProductsInfo, input: CreateProductInput) -> Product:
        """Add a product (scope `catalog:write`); reviews and orders learn of it by event."""
        require_owner(info, None, CATALOG_SCOPE)
        row = await create_product(info.context, input.upc, _changes(input))
        return Product.from_row(row)

    @strawberry.federation.mutation(requires_scopes=STAFF, description="Change a product (staff).")  # type: ignore[untyped-decorator]
    async def update_product(self, info: ProductsInfo, input: UpdateProductInput) -> Product:
        """Change a product that is still sold (scope `catalog:write`)."""
        require_owner(info, None, CATALOG_SCOPE)
        return Product.from_row(await update_product(info.context, input.upc, _changes(input)))

    @strawberry.federation.mutation(
        requires_scopes=STAFF, description="Stop selling a product (staff)."
    )  # type: ignore[untyped-decorator]
    async def discontinue_product(
        self, info: ProductsInfo, input: DiscontinueProductInput
    ) -> Product:
        """Stop selling a product (scope `catalog:write`): no new orders or reviews for it."""
        require_owner(info, None, CATALOG_SCOPE)
        return Product.from_row(await discontinue_product(info.context, input.upc))


schema = SubgraphSchema(query=Query, mutation=Mutation)
