"""The from_context fixture's subgraphs with data, for end-to-end tests over HTTP.

SDLs are the fixture's files (tests/fixtures/supergraphs/from_context). Product
p1 is in both shops (EUR and USD) and ticket t1 at both venues (de and fr):
one entity fetch then needs different context values for the same entity.
Item i1 is at a park and a beach, whose union `Spot` sets the context with a
field per member.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.kit.scenario import Subgraph, SubgraphError, by_key

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "supergraphs" / "from_context"

PRODUCTS: list[dict[str, Any]] = [
    {"id": "p1", "name": "Kettle", "base": 10},
    {"id": "p2", "name": "Pen", "base": 2},
]
SHOPS: list[dict[str, Any]] = [
    {
        "id": "s1",
        "name": "Berlin",
        "currency": "EUR",
        "featured": PRODUCTS[0],
        "sections": [{"id": "k1", "title": "Kitchen", "products": PRODUCTS}],
    },
    {
        "id": "s2",
        "name": "Boston",
        "currency": "USD",
        "featured": PRODUCTS[1],
        "sections": [{"id": "k2", "title": "Home", "products": [PRODUCTS[0]]}],
    },
]
TICKETS: list[dict[str, Any]] = [{"id": "t1"}, {"id": "t2"}]
VENUES: list[dict[str, Any]] = [
    {"__typename": "Arena", "id": "a1", "locale": "de", "capacity": 900, "tickets": TICKETS},
    {"__typename": "Club", "id": "c1", "locale": "fr", "tickets": [TICKETS[0]]},
]

ITEMS: list[dict[str, Any]] = [{"id": "i1"}, {"id": "i2"}]
SPOTS: list[dict[str, Any]] = [
    {"__typename": "Park", "id": "k1", "region": "north", "items": ITEMS},
    {"__typename": "Beach", "id": "b1", "area": "bay", "items": [ITEMS[0]]},
]


def _sdl(name: str) -> str:
    return (FIXTURE / "subgraphs" / f"{name}.graphql").read_text(encoding="utf-8")


def _price(product: dict[str, Any], _info: object, currency: str | None = None) -> str:
    if product["id"] == "p2" and currency == "USD":
        raise SubgraphError("Pens are not sold for USD")  # an error inside an aliased batch
    base = next(p["base"] for p in PRODUCTS if p["id"] == product["id"])
    return f"{base} {currency}"


def _label(ticket: dict[str, Any], _info: object, locale: str | None = None) -> str:
    return f"{ticket['id']}-{locale}"


def _tag(item: dict[str, Any], _info: object, where: str | None = None) -> str:
    return f"{item['id']}@{where}"


SUBGRAPHS = (
    Subgraph(
        name="shops",
        sdl=_sdl("shops"),
        resolvers={
            "Query": {
                "shop": lambda _o, _i, id: next((s for s in SHOPS if s["id"] == id), None),
                "shops": lambda _o, _i: SHOPS,
            }
        },
        references={"Shop": by_key(SHOPS, "id"), "Product": by_key(PRODUCTS, "id")},
    ),
    Subgraph(
        name="pricing",
        sdl=_sdl("pricing"),
        resolvers={"Product": {"price": _price}},
        references={"Shop": by_key(SHOPS, "id"), "Product": by_key(PRODUCTS, "id")},
    ),
    Subgraph(
        name="events",
        sdl=_sdl("events"),
        resolvers={"Query": {"venues": lambda _o, _i: VENUES}, "Ticket": {"label": _label}},
        references={"Ticket": by_key(TICKETS, "id")},
    ),
    Subgraph(
        name="spots",
        sdl=_sdl("spots"),
        resolvers={"Query": {"spots": lambda _o, _i: SPOTS}, "Item": {"tag": _tag}},
        references={"Item": by_key(ITEMS, "id")},
    ),
)
