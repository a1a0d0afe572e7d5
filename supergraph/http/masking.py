"""Subgraph error masking for production: subgraph messages can carry internals
(SQL, stack traces, hostnames). Errors that came from a subgraph (they carry
`extensions.serviceName`) keep their path and code, nothing else."""

from __future__ import annotations

from typing import Any

from supergraph.types import JSONObject

REDACTED = "Subgraph errors redacted"


def mask_subgraph_errors(body: JSONObject) -> JSONObject:
    errors = body.get("errors")
    if not isinstance(errors, list) or not any(_from_subgraph(e) for e in errors):
        return body
    return {**body, "errors": [_masked(e) if _from_subgraph(e) else e for e in errors]}


def mask_part(part: JSONObject) -> JSONObject:
    """A streamed response's part: its own errors and each incremental payload's."""
    part = mask_subgraph_errors(part)
    incremental = part.get("incremental")
    if not isinstance(incremental, list):
        return part
    return {
        **part,
        "incremental": [
            mask_subgraph_errors(item) if isinstance(item, dict) else item for item in incremental
        ],
    }


def _from_subgraph(error: Any) -> bool:
    extensions = error.get("extensions") if isinstance(error, dict) else None
    return isinstance(extensions, dict) and "serviceName" in extensions


def _masked(error: JSONObject) -> JSONObject:
    masked: JSONObject = {"message": REDACTED}
    if "path" in error:
        masked["path"] = error["path"]
    code = error["extensions"].get("code")
    if isinstance(code, str):
        masked["extensions"] = {"code": code}
    return masked
