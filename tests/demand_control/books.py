"""The schema of Apollo's demand control documentation (the Book example), as subgraphs.

https://www.apollographql.com/docs/graphos/routing/security/demand-control ("Calculating
cost", "Customizing cost", "Handling list fields"): one `books` subgraph with `@cost` on
`Address` and `@listSize` on two lists; a `reviews` subgraph adds entity fields so the
plan has `_entities` fetches.
"""

from __future__ import annotations

from supergraph.compose import SubgraphSource, compose

BOOKS_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.9",
                    import: ["@key", "@cost", "@listSize"])

type Query {
  book(id: ID): Book
  bestsellers: [Book] @listSize(assumedSize: 5)
  newestAdditions(after: ID, limit: Int!): [Book] @listSize(slicingArguments: ["limit"])
  shelves(first: Int = 2, last: Int): Shelves
    @listSize(slicingArguments: ["first", "last"], sizedFields: ["books"],
              requireOneSlicingArgument: false)
  everything: [Book]
}

type Mutation {
  addBook(title: String!): Book
  tagBooks(tags: [Tag!] @cost(weight: 3)): Int
}

input Tag { name: String! @cost(weight: 2) }

type Shelves { books: [Book] total: Int }

type Book @key(fields: "id") {
  id: ID!
  title: String
  author: Author
  publisher: Publisher
}

type Author { name: String }

type Publisher { name: String address: Address }

type Address @cost(weight: 5) { zipCode: Int! }
"""

REVIEWS_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.9",
                    import: ["@key", "@cost", "@listSize"])

type Book @key(fields: "id") {
  id: ID!
  reviews: [Review] @listSize(assumedSize: 3)
  rating: Float @cost(weight: 4)
}

type Review { stars: Int }
"""


def books_supergraph(
    books_url: str = "http://books.invalid/graphql",
    reviews_url: str = "http://reviews.invalid/graphql",
) -> str:
    composed = compose(
        [
            SubgraphSource("books", books_url, BOOKS_SDL),
            SubgraphSource("reviews", reviews_url, REVIEWS_SDL),
        ]
    )
    assert not composed.errors, composed.errors
    assert composed.supergraph_sdl is not None
    return composed.supergraph_sdl
