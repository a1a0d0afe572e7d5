"""A small federated graph guarded by @authenticated/@requiresScopes/@policy, over HTTP.

accounts: Query.{me, user, users, search, node, secretCount}, User (email
@authenticated, phone @requiresScopes user:phone OR admin, ssn: String! needs
admin AND pii, mood @policy staff), AuditLog (type-level @requiresScopes admin),
interface Node, union SearchResult. orders: User.orders @authenticated, Order.note
@requiresScopes orders:read. Composed by our own composer (which must carry the
directives into the supergraph).
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLSchema, graphql
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from auth import Claims
from supergraph.compose import SubgraphSource, compose
from tests.kit.scenario import Subgraph
from tests.kit.subgraph_server import build_subgraph_schema

LINK = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", '
    'import: ["@key", "@authenticated", "@requiresScopes", "@policy"])\n'
)

ACCOUNTS_SDL = (
    LINK
    + """
type Query {
  me: User @authenticated
  user(id: ID!): User
  users: [User!]!
  search: [SearchResult]!
  node(id: ID!): Node
  secretCount: Int @requiresScopes(scopes: [["admin"]])
}
interface Node { id: ID! }
type User implements Node @key(fields: "id") {
  id: ID!
  name: String!
  email: String @authenticated
  phone: String @requiresScopes(scopes: [["user:phone"], ["admin"]])
  ssn: String! @requiresScopes(scopes: [["admin", "pii"]])
  mood: String @policy(policies: [["staff"]])
}
type AuditLog implements Node @key(fields: "id") @requiresScopes(scopes: [["admin"]]) {
  id: ID!
  message: String
}
union SearchResult = User | AuditLog
"""
)

ORDERS_SDL = (
    LINK
    + """
type User @key(fields: "id") {
  id: ID!
  orders: [Order!] @authenticated
}
type Order @key(fields: "id") {
  id: ID!
  total: Int!
  note: String @requiresScopes(scopes: [["orders:read"]])
}
"""
)

USERS = {
    "1": {"__typename": "User", "id": "1", "name": "Ada", "email": "ada@x.test"},
    "2": {"__typename": "User", "id": "2", "name": "Bob", "email": "bob@x.test"},
}
for user in USERS.values():
    user.update(phone=f"+1-{user['id']}", ssn=f"ssn-{user['id']}", mood="calm")
LOG = {"__typename": "AuditLog", "id": "log-1", "message": "rotated keys"}


def _node(_obj: Any, _info: Any, id: str) -> Any:
    return USERS.get(id) or (LOG if id == LOG["id"] else None)


ACCOUNTS = Subgraph(
    "accounts",
    ACCOUNTS_SDL,
    resolvers={
        "Query": {
            "me": lambda _o, _i: USERS["1"],
            "user": lambda _o, _i, id: USERS.get(id),
            "users": lambda _o, _i: list(USERS.values()),
            "search": lambda _o, _i: [USERS["1"], LOG, USERS["2"]],
            "node": _node,
            "secretCount": lambda _o, _i: 42,
        }
    },
    references={"User": lambda r: USERS.get(r["id"]), "AuditLog": lambda r: LOG},
)

ORDERS = Subgraph(
    "orders",
    ORDERS_SDL,
    references={
        "User": lambda r: {
            "id": r["id"],
            "orders": [{"id": f"o{r['id']}", "total": 10 * int(r["id"]), "note": "gift"}],
        },
        "Order": lambda r: {"id": r["id"], "total": 0, "note": None},
    },
)


def supergraph_sdl(urls: dict[str, str]) -> str:
    sources = [SubgraphSource(s.name, urls[s.name], s.sdl) for s in (ACCOUNTS, ORDERS)]
    result = compose(sources)
    assert result.supergraph_sdl is not None, [str(e) for e in result.errors]
    return result.supergraph_sdl


class RecordingSubgraph:
    """A subgraph on HTTP that records each request's query and headers."""

    def __init__(self, subgraph: Subgraph) -> None:
        self.schema: GraphQLSchema = build_subgraph_schema(subgraph)
        self.queries: list[str] = []
        self.headers: list[dict[str, str]] = []
        self.app = Starlette(routes=[Route("/graphql", self.handle, methods=["POST"])])

    async def handle(self, request: Request) -> Response:
        body = await request.json()
        self.queries.append(body["query"])
        self.headers.append(dict(request.headers))
        result = await graphql(self.schema, body["query"], variable_values=body.get("variables"))
        return JSONResponse(result.formatted)


def staff_policy(claims: Claims | None, policy: str) -> bool:
    """The test policy hook: user 1 is staff."""
    return policy == "staff" and claims is not None and claims.subject == "1"
