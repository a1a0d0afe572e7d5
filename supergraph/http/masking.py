"""Subgraph error masking for production (`include_subgraph_errors`): subgraph
messages can carry internals (SQL, stack traces, hostnames). Errors that came from a
subgraph whose errors are redacted (they carry `extensions.serviceName`) keep their
path and code, nothing else."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from supergraph.types import JSONObject

REDACTED = "Subgraph errors redacted"


Masks = Callable[[str], bool]
"""Whether the errors of the subgraph of that name are redacted."""


def _everything(_subgraph: str) -> bool:
    return True


def mask_subgraph_errors(body: JSONObject, masks: Masks = _everything) -> JSONObject:
    errors = body.get("errors")
    if not isinstance(errors, list) or not any(_from_subgraph(e, masks) for e in errors):
        return body
    return {**body, "errors": [_masked(e) if _from_subgraph(e, masks) else e for e in errors]}


def mask_part(part: JSONObject, masks: Masks = _everything) -> JSONObject:
    """A streamed response's part: its own errors and those of each entry of
    `incremental` and `completed` (incremental delivery's current format reports a
    fragment that failed on an object there)."""
    part = mask_subgraph_errors(part, masks)
    for key in ("incremental", "completed"):
        entries = part.get(key)
        if isinstance(entries, list):
            part = {
                **part,
                key: [
                    mask_subgraph_errors(entry, masks) if isinstance(entry, dict) else entry
                    for entry in entries
                ],
            }
    return part


def _from_subgraph(error: Any, masks: Masks) -> bool:
    extensions = error.get("extensions") if isinstance(error, dict) else None
    if not isinstance(extensions, dict):
        return False
    service = extensions.get("serviceName")
    return isinstance(service, str) and masks(service)


def _masked(error: JSONObject) -> JSONObject:
    masked: JSONObject = {"message": REDACTED}
    if "path" in error:
        masked["path"] = error["path"]
    code = error["extensions"].get("code")
    if isinstance(code, str):
        masked["extensions"] = {"code": code}
    return masked
