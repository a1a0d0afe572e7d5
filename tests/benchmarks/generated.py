"""A large generated federated graph for the micro-benchmarks.

`SUBGRAPHS` subgraphs (s0..s11), each owning `TYPES_PER_SUBGRAPH` entity types
`T<s>_<i>` (key `id`, scalar fields, a `next` link to its sibling and a `peers`
list), and contributing `extra<s>`/`link<s>` fields to the first
`EXTENDED_PER_SUBGRAPH` entities of the next subgraph. So `T0_0.extra11.link11`
leads into s11, whose `extra10.link10` leads into s10, ...: chains of entity hops
across every subgraph. 12 x 18 = 216 entity types, composed with our composer.
"""

from __future__ import annotations

import re
from functools import cache

from supergraph.compose import SubgraphSource, compose

SUBGRAPHS = 12
TYPES_PER_SUBGRAPH = 18
EXTENDED_PER_SUBGRAPH = 6
FEDERATION = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])\n\n'
)


def subgraph_sdl(s: int) -> str:
    """Subgraph `s`: its own entities, and fields on the next subgraph's entities."""
    owner_next = (s + 1) % SUBGRAPHS
    parts = [FEDERATION, "type Query {"]
    for i in range(TYPES_PER_SUBGRAPH):
        parts.append(f"  s{s}_t{i}(id: ID!): T{s}_{i}")
    parts.append(f"  s{s}_list(first: Int = 10): [T{s}_0!]!")
    parts.append("}\n")
    for i in range(TYPES_PER_SUBGRAPH):
        sibling = (i + 1) % TYPES_PER_SUBGRAPH
        parts.append(
            f'type T{s}_{i} @key(fields: "id") {{\n'
            f"  id: ID!\n  name: String!\n  value: Int!\n  score: Float\n  flag: Boolean!\n"
            f"  tags: [String!]!\n  next: T{s}_{sibling}\n  peers(first: Int = 5): [T{s}_{sibling}!]!\n"
            "}\n"
        )
    for i in range(EXTENDED_PER_SUBGRAPH):
        parts.append(
            f'type T{owner_next}_{i} @key(fields: "id") {{\n'
            f"  id: ID!\n  extra{s}: Int!\n  link{s}: T{s}_{i}!\n"
            "}\n"
        )
    return "\n".join(parts)


@cache
def supergraph_sdl() -> str:
    sources = [
        SubgraphSource(f"s{s}", f"http://127.0.0.1:{5000 + s}/graphql", subgraph_sdl(s))
        for s in range(SUBGRAPHS)
    ]
    result = compose(sources)
    if result.supergraph_sdl is None:
        problems = "\n".join(str(e) for e in result.errors[:10])
        raise RuntimeError(f"the generated subgraphs do not compose:\n{problems}")
    return result.supergraph_sdl


def chain_query(hops: int = SUBGRAPHS - 1, fields: str = "id name value flag") -> str:
    """`T0_0` then `hops` entity hops backwards through the subgraphs (s11, s10, ...)."""
    owners = [(-hop) % SUBGRAPHS for hop in range(hops + 1)]  # 0, 11, 10, ...
    inner = fields
    for owner in reversed(owners[:-1]):
        via = (owner - 1) % SUBGRAPHS
        inner = f"{fields} extra{via} link{via} {{ {inner} }}"
    return f'query Chain {{ s0_t0(id: "1") {{ {inner} }} }}'


def wide_query() -> str:
    """One root field per subgraph, each with nested lists, siblings and one hop."""
    selections = []
    for s in range(SUBGRAPHS):
        prev = (s - 1) % SUBGRAPHS
        selections.append(
            f"s{s}: s{s}_list(first: 10) {{ id name value tags next {{ id name peers {{ id value }} }}"
            f" extra{prev} link{prev} {{ id name score }} }}"
        )
    return "query Wide { " + " ".join(selections) + " }"


def large_operation(copies: int = 40) -> str:
    """A big document (thousands of fields): aliased copies of the chain and wide selections."""
    chain_body = chain_query().split("{", 1)[1].rsplit("}", 1)[0].strip()
    wide_body = wide_query().split("{", 1)[1].rsplit("}", 1)[0].strip()
    parts = []
    for n in range(copies):
        parts.append(f"c{n}: {chain_body}")
        if n % 4 == 0:
            parts.append(re.sub(r"\b(s\d+): ", rf"w{n}_\1: ", wide_body))
    return "query Large { " + " ".join(parts) + " }"
