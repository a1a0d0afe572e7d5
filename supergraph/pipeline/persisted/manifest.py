"""Apollo's persisted query list (PQL) manifest.

{"format": "apollo-persisted-query-manifest", "version": 1,
 "operations": [{"id": "...", "name": "...", "type": "query", "body": "..."}]}

Operations are found by `id` (`documentId`, or an id sent as the APQ hash) and
by the SHA-256 of their body; safelisting compares bodies with insignificant
characters (whitespace, comments, commas) stripped, as Apollo Router does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import orjson
from graphql import GraphQLError
from graphql.utilities import strip_ignored_characters

FORMAT = "apollo-persisted-query-manifest"


class ManifestError(ValueError):
    """The manifest file is unreadable or not in the PQL format."""


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalized(body: str) -> str:
    try:
        return strip_ignored_characters(body)
    except GraphQLError:
        return body  # not GraphQL: it can only match itself, and the parser reports it


@dataclass(frozen=True, slots=True)
class Manifest:
    by_id: Mapping[str, str]
    by_hash: Mapping[str, str]
    bodies: frozenset[str]

    @classmethod
    def from_operations(cls, operations: Mapping[str, str]) -> Manifest:
        """From {id: body}."""
        return cls(
            dict(operations),
            {sha256_hex(body): body for body in operations.values()},
            frozenset(normalized(body) for body in operations.values()),
        )

    def lookup(self, key: str) -> str | None:
        return self.by_id.get(key) or self.by_hash.get(key)

    def allows(self, body: str) -> bool:
        return normalized(body) in self.bodies


def load_manifest(path: str | Path) -> Manifest:
    try:
        raw = orjson.loads(Path(path).read_bytes())
    except OSError as error:
        raise ManifestError(f"{path}: cannot read: {error.strerror}") from error
    except orjson.JSONDecodeError as error:
        raise ManifestError(f"{path}: not valid JSON: {error}") from error
    return parse_manifest(raw, str(path))


def parse_manifest(raw: object, where: str = "manifest") -> Manifest:
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise ManifestError(f'{where}: expected "format": "{FORMAT}"')
    if raw.get("version") != 1:
        raise ManifestError(f"{where}: unsupported version {raw.get('version')!r} (expected 1)")
    operations = raw.get("operations")
    if not isinstance(operations, list):
        raise ManifestError(f"{where}: operations: expected a list")
    by_id: dict[str, str] = {}
    for index, operation in enumerate(operations):
        if not isinstance(operation, dict):
            raise ManifestError(f"{where}: operations[{index}]: expected an object")
        op_id, body = operation.get("id"), operation.get("body")
        if not isinstance(op_id, str) or not op_id or not isinstance(body, str):
            raise ManifestError(f"{where}: operations[{index}]: needs a string id and body")
        by_id[op_id] = body
    return Manifest.from_operations(by_id)
