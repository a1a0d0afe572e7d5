"""`@tag`s the subgraphs put on their elements, for contracts (docs/contracts.md).

`PARTNER`: the partner API, the read-only catalog (products, categories, prices,
stock and ratings; no users, orders, reviews' authors or mutations):
`supergraph contract --include-tag partner` derives its supergraph.
"""

from __future__ import annotations

PARTNER = ["partner"]
