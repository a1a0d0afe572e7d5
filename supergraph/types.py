"""The shared vocabulary of the router: JSON values, response paths, variables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeAlias

JSONValue: TypeAlias = Any
"""Any value orjson can decode or encode (kept as Any: recursive aliases slow mypy down)."""
JSONObject: TypeAlias = dict[str, Any]
Variables: TypeAlias = Mapping[str, Any]
ResponsePath: TypeAlias = list[str | int]
"""A path in a GraphQL response: field response names and list indexes."""
PlanPath: TypeAlias = tuple[str, ...]
"""A path in a query plan's Flatten node: response names, with "@" for every list item."""
