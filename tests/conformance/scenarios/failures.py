"""Null entities, null keys, subgraph errors (root and entity), non-null propagation, long lists."""

from __future__ import annotations

from typing import Any

from tests.kit.scenario import ExpectedError, Operation, Scenario, Subgraph, SubgraphError

LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])\n'

ORDERS: list[dict[str, Any]] = [
    {"id": "o1", "customer": {"id": "c1"}, "coupon": {"code": "SAVE10"}},
    # c404 is unknown to the customers subgraph; a coupon whose key is null
    {"id": "o2", "customer": {"id": "c404"}, "coupon": {"code": None}},
    {"id": "o3", "customer": None, "coupon": None},  # no customer at all
    {"id": "o4", "customer": {"id": "c2"}, "coupon": {"code": "HALF"}},
]
MANY = [{"id": f"n{i}", "customer": {"id": f"c{1 + i % 2}"}} for i in range(60)]

orders = Subgraph(
    name="orders",
    sdl=LINK
    + """
type Order @key(fields: "id") {
  id: ID!
  customer: Customer
  coupon: Coupon
}
type Coupon @key(fields: "code") {
  code: String
}
type Customer @key(fields: "id") {
  id: ID!
}
type Query {
  orders: [Order!]!
  manyOrders: [Order!]!
  brokenOrders: [Order!]
}
""",
    resolvers={
        "Query": {
            "orders": lambda _o, _i: ORDERS,
            "manyOrders": lambda _o, _i: MANY,
            "brokenOrders": lambda _o, _i: _raise(SubgraphError("orders are down", "ORDERS_DOWN")),
        }
    },
)

CUSTOMERS = {"c1": "Ann", "c2": "Bob"}


def _raise(error: Exception) -> Any:
    raise error


def _customer(rep: dict[str, Any]) -> Any:
    if rep["id"] not in CUSTOMERS:
        return None
    return {"id": rep["id"], "name": CUSTOMERS[rep["id"]]}


COUPONS = {"SAVE10": 10, "HALF": 50}

coupons = Subgraph(
    name="coupons",
    sdl=LINK
    + """
type Coupon @key(fields: "code") {
  code: String
  percent: Int
}
""",
    resolvers={"Coupon": {"percent": lambda obj, _i: COUPONS.get(obj["code"] or "")}},
)

customers = Subgraph(
    name="customers",
    sdl=LINK
    + """
type Customer @key(fields: "id") {
  id: ID!
  name: String!
  vip: Boolean
  score: Int!
}
""",
    resolvers={
        "Customer": {
            "vip": lambda obj, _i: (
                True if obj["id"] == "c1" else _raise(SubgraphError("vip service failed"))
            ),
            "score": lambda obj, _i: (
                10 if obj["id"] == "c1" else _raise(SubgraphError("score unavailable"))
            ),
        }
    },
    references={"Customer": _customer},
)

NULL_ENTITY_DATA = {
    "orders": [
        {"id": "o1", "customer": {"id": "c1", "name": "Ann"}},
        {"id": "o2", "customer": None},
        {"id": "o3", "customer": None},
        {"id": "o4", "customer": {"id": "c2", "name": "Bob"}},
    ]
}
BUBBLES_DATA = {
    "orders": [
        {"id": "o1", "customer": {"name": "Ann", "score": 10}},
        {"id": "o2", "customer": None},
        {"id": "o3", "customer": None},
        {"id": "o4", "customer": None},
    ]
}

SKIPPED_SCORE_DATA = {
    "orders": [
        {"customer": {"vip": True}},
        {"customer": {"vip": None}},
        {"customer": None},
        {"customer": {"vip": None}},
    ]
}

SCENARIO = Scenario(
    name="failures",
    description="unknown entity -> null, null reference, field errors in entity fetches, non-null bubbling, root errors, 60-item lists in one fetch",
    subgraphs=(orders, customers, coupons),
    operations=(
        Operation(
            name="null-entity-and-null-reference",
            query="{ orders { id customer { id name } } }",
            data={
                "orders": [
                    {"id": "o1", "customer": {"id": "c1", "name": "Ann"}},
                    # null entity + non-null name: customer becomes null, with the
                    # field error that null propagation requires.
                    {"id": "o2", "customer": None},
                    {"id": "o3", "customer": None},
                    {"id": "o4", "customer": {"id": "c2", "name": "Bob"}},
                ]
            },
            errors=(ExpectedError(("orders", 1, "customer", "name")),),
            requests={"orders": 1, "customers": 1},
            apollo=(
                "Apollo Gateway nulls the customer but reports the error (Cannot return null "
                "for non-nullable field Customer.name.) only in extensions.valueCompletion"
            ),
            apollo_data=NULL_ENTITY_DATA,
            apollo_errors=(),
        ),
        Operation(
            name="nullable-field-error-in-entity",
            query="{ orders { id customer { vip } } }",
            data={
                "orders": [
                    {"id": "o1", "customer": {"vip": True}},
                    # c404 is unknown to customers (null entity): only its fields are null.
                    {"id": "o2", "customer": {"vip": None}},
                    {"id": "o3", "customer": None},
                    {"id": "o4", "customer": {"vip": None}},
                ]
            },
            errors=(ExpectedError(("orders", 3, "customer", "vip")),),
        ),
        Operation(
            name="non-null-field-error-bubbles",
            query="{ orders { id customer { name score } } }",
            data=BUBBLES_DATA,
            errors=(
                ExpectedError(("orders", 1, "customer", "name")),
                ExpectedError(("orders", 3, "customer", "score")),
            ),
            apollo=(
                "Apollo Gateway drops its value-completion errors when a subgraph reported "
                "one: the null customer of the unknown entity c404 comes without its error"
            ),
            apollo_data=BUBBLES_DATA,
            apollo_errors=(ExpectedError(("orders", 3, "customer", "score")),),
        ),
        Operation(
            name="error-of-a-skipped-field",
            query=(
                "query Q($v: Boolean!) "
                "{ orders @include(if: $v) { customer { vip score @skip(if: true) } } }"
            ),
            variables={"v": True},
            data=SKIPPED_SCORE_DATA,
            errors=(ExpectedError(("orders", 3, "customer", "vip")),),
            apollo=(
                "Apollo Gateway fetches the skipped score (under the variable condition on "
                "orders) and reports its subgraph error, for a field the client did not select"
            ),
            apollo_data=SKIPPED_SCORE_DATA,
            apollo_errors=(
                ExpectedError(("orders", 3, "customer", "vip")),
                ExpectedError(("orders", 3, "customer", "score")),
            ),
        ),
        Operation(
            name="root-field-error",
            query="{ brokenOrders { id } orders { id } }",
            data={
                "brokenOrders": None,
                "orders": [{"id": "o1"}, {"id": "o2"}, {"id": "o3"}, {"id": "o4"}],
            },
            errors=(ExpectedError(("brokenOrders",)),),
        ),
        Operation(
            name="long-list-one-entity-fetch",
            query="{ manyOrders { id customer { name } } }",
            data={
                "manyOrders": [
                    {"id": f"n{i}", "customer": {"name": "Ann" if i % 2 == 0 else "Bob"}}
                    for i in range(60)
                ]
            },
            requests={"orders": 1, "customers": 1},
        ),
        Operation(
            name="null-key-field",
            query="{ orders { id coupon { code percent } } }",
            data={
                "orders": [
                    {"id": "o1", "coupon": {"code": "SAVE10", "percent": 10}},
                    {"id": "o2", "coupon": {"code": None, "percent": None}},
                    {"id": "o3", "coupon": None},
                    {"id": "o4", "coupon": {"code": "HALF", "percent": 50}},
                ]
            },
            requests={"orders": 1, "coupons": 1},
        ),
        Operation(
            name="all-subfields-skipped-literal",
            query="{ orders { id coupon { percent @skip(if: true) } } }",
            data={
                "orders": [
                    {"id": "o1", "coupon": {}},
                    {"id": "o2", "coupon": {}},
                    {"id": "o3", "coupon": None},
                    {"id": "o4", "coupon": {}},
                ]
            },
        ),
    ),
    generator_avoid=frozenset({"Query.brokenOrders", "Customer.vip", "Customer.score"}),
)
