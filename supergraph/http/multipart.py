"""A streamed response's parts as a multipart/mixed HTTP body (the incremental
delivery format Apollo's clients and GraphiQL read for `@defer` and subscriptions
over HTTP): each part a JSON body, `-----` after the last."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Final

import orjson

from supergraph.types import JSONObject

MULTIPART_MIXED: Final = 'multipart/mixed; boundary="-"; deferSpec=20220824'
CONTENT_TYPE: Final = (b"content-type", MULTIPART_MIXED.encode("latin-1"))
_PART: Final = b"\r\n---\r\ncontent-type: application/json; charset=utf-8\r\n\r\n"
_END: Final = b"\r\n-----\r\n"


async def encode_parts(parts: AsyncIterator[JSONObject]) -> AsyncIterator[bytes]:
    """Each part as it comes (the client reads it at once), then the closing boundary."""
    async for part in parts:
        yield _PART + orjson.dumps(part)
    yield _END
