"""Reading a request body from ASGI `receive` with a size cap (413 before the whole
body is in memory)."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.types import Receive


class BodyTooLarge(Exception):
    """The body is longer than the configured limit."""


class ClientDisconnected(Exception):
    """The client went away before its body was complete: nobody to answer."""


async def read_body(receive: Receive, headers: Mapping[str, str], limit: int) -> bytes:
    """The body, refused early by Content-Length or while streaming (chunked uploads)."""
    length = headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise ClientDisconnected
        chunk: bytes = message.get("body", b"")
        more = message.get("more_body", False)
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        if not more:
            if not chunks:
                return chunk  # the usual case: the whole body in one message
            chunks.append(chunk)
            return b"".join(chunks)
        chunks.append(chunk)
