"""A request's headers, read once from the ASGI scope (no Starlette `Request` per request)."""

from __future__ import annotations

from starlette.types import Scope


class RequestHeaders(dict[str, str]):
    """The headers by name (lower case, as ASGI servers give them); the first of
    repeated headers wins, as with Starlette's `Headers.get`. `getlist` has them all."""

    __slots__ = ("peer", "raw")

    raw: list[tuple[bytes, bytes]]
    peer: str | None
    """The client's address (the connection's peer), for rate limits keyed by IP."""

    @classmethod
    def of(cls, scope: Scope) -> RequestHeaders:
        raw: list[tuple[bytes, bytes]] = scope["headers"]
        headers = cls()
        for name, value in reversed(raw):  # so that the first one is set last
            headers[name.decode("latin-1")] = value.decode("latin-1")
        headers.raw = raw
        client = scope.get("client")
        headers.peer = client[0] if client else None
        return headers

    def getlist(self, name: str) -> list[str]:
        key = name.lower().encode("latin-1")
        return [value.decode("latin-1") for item, value in self.raw if item == key]
