"""The bundled domain subgraphs: name -> module and default port.

To add a domain, create `subgraphs/<name>/app.py` defining `DOMAIN` (a `Domain`) and
add ONE line to `DOMAINS` below. Modules are imported lazily, so `subgraphs serve
accounts` imports only accounts.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from starlette.applications import Starlette

from subgraphs._common.app import create_subgraph_app
from subgraphs._common.config import DatabaseConfig
from subgraphs._common.domain import Domain
from subgraphs._common.seeding import DEFAULT_SCALE, Scale


@dataclass(frozen=True, slots=True)
class DomainEntry:
    name: str
    module: str  # defines `DOMAIN: Domain`
    default_port: int

    def load(self) -> Domain:
        domain = getattr(importlib.import_module(self.module), "DOMAIN", None)
        if not isinstance(domain, Domain) or domain.name != self.name:
            raise TypeError(f"{self.module}.DOMAIN must be the Domain named {self.name!r}")
        return domain

    def create_app(
        self,
        config: DatabaseConfig | None = None,
        *,
        seed_scale: Scale | None = Scale(DEFAULT_SCALE),
    ) -> Starlette:
        return create_subgraph_app(self.load(), config, seed_scale=seed_scale)


DOMAINS: dict[str, DomainEntry] = {
    entry.name: entry
    for entry in (
        DomainEntry("accounts", "subgraphs.accounts.app", 4001),
        DomainEntry("products", "subgraphs.products.app", 4002),
        DomainEntry("reviews", "subgraphs.reviews.app", 4003),
        DomainEntry("inventory", "subgraphs.inventory.app", 4004),
        DomainEntry("orders", "subgraphs.orders.app", 4005),
    )
}


def get(name: str) -> DomainEntry:
    try:
        return DOMAINS[name]
    except KeyError:
        known = ", ".join(DOMAINS)
        raise KeyError(f"unknown subgraph {name!r} (known: {known})") from None
