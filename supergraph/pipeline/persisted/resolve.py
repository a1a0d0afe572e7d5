"""The persisted-query policy: which query text a request runs, or why it may not run.

    documentId "x"                 -> manifest by id          (else PERSISTED_QUERY_NOT_IN_LIST)
    persistedQuery hash, no query  -> manifest, then the APQ store
                                      (else PERSISTED_QUERY_NOT_FOUND: the client re-sends the query)
    persistedQuery hash + query    -> hash checked (PERSISTED_QUERY_HASH_MISMATCH), then registered
    query only                     -> free-form

Safelisting then applies to everything not taken from the manifest: `off` runs
it, `log` runs it and logs, `enforce` refuses it (QUERY_NOT_IN_SAFELIST) unless
its body is in the manifest or the client (by name) may send free-form operations.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from supergraph.errors import (
    BAD_REQUEST,
    PERSISTED_QUERY_HASH_MISMATCH,
    PERSISTED_QUERY_NOT_FOUND,
    PERSISTED_QUERY_NOT_IN_LIST,
    PERSISTED_QUERY_NOT_SUPPORTED,
    QUERY_NOT_IN_SAFELIST,
    graphql_error,
)
from supergraph.pipeline.persisted.manifest import Manifest, sha256_hex
from supergraph.pipeline.persisted.store import APQStore
from supergraph.pipeline.request import GraphQLRequest
from supergraph.pipeline.response import GraphQLResponse
from supergraph.types import JSONObject

logger = logging.getLogger(__name__)


# Protocol signals to the client's persisted-query link (it re-sends the full
# query, or stops hashing), not failures: Apollo Server answers them with 200
# whatever the Accept header, and Apollo Client matches on these messages.
SIGNAL_CODES = frozenset({PERSISTED_QUERY_NOT_FOUND, PERSISTED_QUERY_NOT_SUPPORTED})


def is_signal(body: JSONObject) -> bool:
    errors = body.get("errors")
    if not isinstance(errors, list) or len(errors) != 1 or "data" in body:
        return False
    extensions = errors[0].get("extensions") if isinstance(errors[0], dict) else None
    return isinstance(extensions, dict) and extensions.get("code") in SIGNAL_CODES


class SafelistMode(enum.Enum):
    OFF = "off"
    LOG = "log"
    ENFORCE = "enforce"


@dataclass(slots=True)
class Counts:
    """For the hit-ratio metrics."""

    hits: int = 0
    misses: int = 0
    registered: int = 0


class PersistedQueries:
    def __init__(
        self,
        *,
        store: APQStore | None,
        manifest: Manifest | None = None,
        safelist: SafelistMode = SafelistMode.OFF,
        free_form_clients: Collection[str] = (),
    ) -> None:
        """`store` None switches APQ off; safelisting other than off needs a manifest."""
        if safelist is not SafelistMode.OFF and manifest is None:
            raise ValueError("safelisting needs a persisted query manifest")
        self.store = store
        self.manifest = manifest
        self.safelist = safelist
        self.free_form_clients = frozenset(free_form_clients)
        self.counts = Counts()

    def applies(self, document_id: str | None, extensions: Mapping[str, Any] | None) -> bool:
        """Whether `resolve` has anything to do: an id, a hash, or a safelist to check
        the query against (else it returns the request as is)."""
        if document_id is not None or self.safelist is not SafelistMode.OFF:
            return True
        return extensions is not None and "persistedQuery" in extensions

    async def resolve(
        self, request: GraphQLRequest, *, document_id: str | None, client_name: str | None
    ) -> GraphQLRequest | GraphQLResponse:
        if document_id is not None:
            return self._by_id(request, document_id)
        persisted = (request.extensions or {}).get("persistedQuery")
        if persisted is not None:
            found = await self._by_hash(request, persisted, client_name)
            if not isinstance(found, tuple):
                return found
            request, passed = found
            if passed:
                return request
        return self._check_safelist(request, client_name)

    def _by_id(self, request: GraphQLRequest, document_id: str) -> GraphQLRequest | GraphQLResponse:
        if self.manifest is None:
            return _error("This router has no persisted query list.", PERSISTED_QUERY_NOT_SUPPORTED)
        body = self.manifest.by_id.get(document_id)
        if body is None:
            self.counts.misses += 1
            message = f"Persisted query '{document_id}' is not in the persisted query list."
            return _error(message, PERSISTED_QUERY_NOT_IN_LIST)
        self.counts.hits += 1
        return dataclasses.replace(request, query=body)

    async def _by_hash(
        self, request: GraphQLRequest, persisted: object, client_name: str | None
    ) -> tuple[GraphQLRequest, bool] | GraphQLResponse:
        """The request with its query, and whether the safelist already passed it
        (taken from the manifest, or checked before registration)."""
        if self.store is None and self.manifest is None:
            return _error("PersistedQueryNotSupported", PERSISTED_QUERY_NOT_SUPPORTED)
        if not isinstance(persisted, dict) or persisted.get("version") != 1:
            return _error("Unsupported persisted query version (expected 1).", BAD_REQUEST)
        sha256 = persisted.get("sha256Hash")
        if not isinstance(sha256, str) or not sha256:
            return _error("The persisted query needs a 'sha256Hash' string.", BAD_REQUEST)
        if request.query is not None:
            return await self._register(request, sha256.lower(), client_name)
        listed = self.manifest.lookup(sha256) if self.manifest is not None else None
        if listed is not None:
            self.counts.hits += 1
            return dataclasses.replace(request, query=listed), True
        stored = await self.store.get(sha256.lower()) if self.store is not None else None
        if stored is None:
            self.counts.misses += 1
            if self.store is None:
                message = f"Persisted query '{sha256}' is not in the persisted query list."
                return _error(message, PERSISTED_QUERY_NOT_IN_LIST)
            return _error("PersistedQueryNotFound", PERSISTED_QUERY_NOT_FOUND)
        self.counts.hits += 1
        return dataclasses.replace(request, query=stored), False

    async def _register(
        self, request: GraphQLRequest, sha256: str, client_name: str | None
    ) -> tuple[GraphQLRequest, bool] | GraphQLResponse:
        query = request.query or ""
        if sha256_hex(query) != sha256:
            return _error("The query does not match its sha256Hash.", PERSISTED_QUERY_HASH_MISMATCH)
        # Checked before storing: a registration is never a way around the list.
        checked = self._check_safelist(request, client_name)
        if isinstance(checked, GraphQLResponse):
            return checked
        if self.store is not None:
            await self.store.set(sha256, query)
            self.counts.registered += 1
        return request, True

    def _check_safelist(
        self, request: GraphQLRequest, client_name: str | None
    ) -> GraphQLRequest | GraphQLResponse:
        if self.safelist is SafelistMode.OFF or self.manifest is None:
            return request
        if client_name in self.free_form_clients or self.manifest.allows(request.query or ""):
            return request
        if self.safelist is SafelistMode.LOG:
            logger.warning(
                "operation %r from client %r is not in the persisted query list",
                request.operation_name,
                client_name,
            )
            return request
        return _error(
            "This router only runs operations from its persisted query list; "
            "send a listed operation by its id (documentId).",
            QUERY_NOT_IN_SAFELIST,
        )


def _error(message: str, code: str) -> GraphQLResponse:
    return GraphQLResponse({"errors": [graphql_error(message, code=code)]}, "request_error")
