"""Reading a request body with a size cap (413 before the whole body is in memory)."""

from __future__ import annotations

from starlette.requests import Request


class BodyTooLarge(Exception):
    """The body is longer than the configured limit."""


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused early by Content-Length or while streaming (chunked uploads)."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)
