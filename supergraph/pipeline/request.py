"""The pipeline's input: one GraphQL request, as the edge decoded it (decode.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

from auth import Claims

SubgraphHeaders: TypeAlias = tuple[Mapping[str, str] | None, Mapping[str, Mapping[str, str]] | None]
"""`subgraph_headers` and `subgraph_headers_by_name`."""


@dataclass(frozen=True, slots=True)
class GraphQLRequest:
    """One GraphQL request as the HTTP edge decoded it."""

    query: str | None
    operation_name: str | None = None
    variables: Mapping[str, Any] | None = None
    extensions: Mapping[str, Any] | None = None
    include_query_plan: bool = False
    """Set by the edge (e.g. from a header); `extensions.includeQueryPlan` also asks."""
    subgraph_headers: Mapping[str, str] | None = None
    """HTTP headers the edge wants sent with every subgraph request (auth, tracing)."""
    subgraph_headers_by_name: Mapping[str, Mapping[str, str]] | None = None
    """Per subgraph name: the headers for that subgraph instead of `subgraph_headers`."""
    claims: Claims | None = None
    """The caller's verified claims (None: anonymous); authorization decides on them."""
    headers_now: Callable[[], SubgraphHeaders] | None = None
    """The subgraph headers as of now, for work long after the request came (a
    subscription's events): the router-signed identity token in them expires
    (`identity.ttl`), this gives one that has not. None: the headers above stay valid."""
    client: ClientIdentity | None = None
    """Who sent it, for usage reporting (set by the edge only when usage is recorded)."""
    client_address: str | None = None
    """The client's address as the edge knows it (behind trusted proxies, the one they
    forward for): fresh operations are admitted in turn per address (fresh.py)."""
    apollo_query_plan: bool = False
    """The plan, when included, goes in `extensions.apolloQueryPlan` (Apollo Router's
    key, for its `Apollo-Expose-Query-Plan: true` header), else `extensions.queryPlan`."""


@dataclass(frozen=True, slots=True)
class ClientIdentity:
    """The client as its headers name it (`apollographql-client-name`/`-version`) and
    the persisted operation it sent, if any."""

    name: str | None
    version: str | None
    persisted_id: str | None = None
