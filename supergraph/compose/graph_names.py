"""`join__Graph` enum value names: the subgraph name upper-cased into a valid, unique GraphQL name."""

from __future__ import annotations

import re
from collections.abc import Sequence


def graph_enum_names(names: Sequence[str]) -> dict[str, str]:
    result: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        base = re.sub(r"[^A-Za-z0-9_]", "_", name).upper()
        if not base or base[0].isdigit():
            base = "_" + base
        candidate, suffix = base, 1
        while candidate in taken:
            candidate, suffix = f"{base}_{suffix}", suffix + 1
        taken.add(candidate)
        result[name] = candidate
    return result
