"""A subscription's results (and @defer's parts) on HTTP: Server-Sent Events (the graphql-sse protocol,
distinct connections mode) or Apollo's multipart subscriptions
(`multipart/mixed;subscriptionSpec=1.0`), with heartbeats, and the stream stopped
as soon as the client goes away.

graphql-sse: each result is `event: next` with the JSON as `data`, the end is
`event: complete`; a comment line (`:`) is the heartbeat.

Apollo multipart: each result is a part `{"payload": result}`; a fatal error (the
subscription ends: a reload, the subgraph's socket dropped) is `{"payload": null,
"errors": [...]}` (a result with `errors` and no `data` here); the heartbeat is an
empty part `{}`; the closing delimiter ends it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Final

import orjson
from starlette.types import Receive, Send

from supergraph.errors import internal_error_body
from supergraph.pipeline.incremental import FORMATS as INCREMENTAL_FORMATS
from supergraph.pipeline.incremental import IncrementalFormat
from supergraph.pipeline.response import close_parts
from supergraph.types import JSONObject

logger = logging.getLogger(__name__)

SSE_CONTENT_TYPE: Final = (b"content-type", b"text/event-stream; charset=utf-8")
MULTIPART_SUBSCRIPTION_CONTENT_TYPE: Final = (
    b"content-type",
    b'multipart/mixed;boundary="graphql";subscriptionSpec="1.0"',
)
NO_CACHE: Final = (b"cache-control", b"no-cache")
NO_BUFFERING: Final = (b"x-accel-buffering", b"no")
"""nginx (and proxies that follow it) must not hold the events back."""

_SSE_HEARTBEAT: Final = b":\n\n"
_SSE_COMPLETE: Final = b"event: complete\ndata: \n\n"
# Each multipart part is sent with the delimiter after it, so a client parses the part
# as soon as it arrives (it cannot know a part is whole before the next delimiter).
_DELIMITER: Final = b"\r\n--graphql"
_PART: Final = b"\r\ncontent-type: application/json\r\n\r\n"
_MULTIPART_HEARTBEAT: Final = _PART + b"{}" + _DELIMITER
_MULTIPART_END: Final = b"--\r\n"


def sse_event(result: JSONObject) -> bytes:
    return b"event: next\ndata: " + orjson.dumps(result) + b"\n\n"


def multipart_part(result: JSONObject) -> bytes:
    if "data" not in result and "errors" in result:
        body = orjson.dumps({"payload": None, "errors": result["errors"]})
    else:
        body = orjson.dumps({"payload": result})
    return _PART + body + _DELIMITER


@dataclass(frozen=True, slots=True)
class StreamFormat:
    encode: Callable[[JSONObject], bytes]
    heartbeat: bytes
    end: bytes
    head: tuple[bytes, bytes]
    start: bytes = b""
    failed: JSONObject = field(default_factory=lambda: {})
    """What the last result says when the stream's source fails after the status went
    out (beside the internal error): the client gets a last result and the end."""


SSE: Final = StreamFormat(sse_event, _SSE_HEARTBEAT, _SSE_COMPLETE, SSE_CONTENT_TYPE)
MULTIPART: Final = StreamFormat(
    multipart_part,
    _MULTIPART_HEARTBEAT,
    _MULTIPART_END,
    MULTIPART_SUBSCRIPTION_CONTENT_TYPE,
    start=_DELIMITER,
)
FORMATS: Final = {"sse": SSE, "multipart": MULTIPART}

_DEFER_DELIMITER: Final = b"\r\n---"
_DEFER_PART: Final = b"\r\ncontent-type: application/json; charset=utf-8\r\n\r\n"


def defer_part(part: JSONObject) -> bytes:
    return _DEFER_PART + orjson.dumps(part) + _DEFER_DELIMITER


def _defer_stream(form: IncrementalFormat) -> StreamFormat:
    return StreamFormat(
        defer_part,
        b"",  # no heartbeat: Apollo's defer clients know no empty part
        b"--\r\n",
        (b"content-type", f'multipart/mixed; boundary="-"; {form}'.encode()),
        start=_DEFER_DELIMITER,
        failed={"hasNext": False},
    )


DEFER_FORMATS: Final = {form: _defer_stream(form) for form in INCREMENTAL_FORMATS}
"""@defer's parts (`multipart/mixed; boundary="-"; deferSpec=20220824` as Apollo Router
sends them, or `incrementalSpec=v0.2` as Apollo Server does): each part followed by
the delimiter, so a client reads it at once."""


async def send_stream(
    send: Send,
    receive: Receive,
    form: StreamFormat,
    parts: AsyncIterator[JSONObject],
    heartbeat_interval: float,
    headers: list[tuple[bytes, bytes]],
) -> None:
    """The head at once, then each result as it comes, a heartbeat whenever none came
    for `heartbeat_interval` seconds, and the end. When the client disconnects (the
    request's `receive` says so), `parts` is closed at once: a subscription's upstream
    socket with it."""
    head = [form.head, NO_CACHE, NO_BUFFERING, *headers]
    await send({"type": "http.response.start", "status": 200, "headers": head})
    if form.start:
        await send({"type": "http.response.body", "body": form.start, "more_body": True})
    disconnected = asyncio.ensure_future(_disconnect(receive))
    pending: asyncio.Future[JSONObject] | None = None
    finished = False  # the source ended
    ended = False  # the source failed: a last result said so
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(anext(parts))
            waiting: set[asyncio.Future[Any]] = {pending, disconnected}
            done, _ = await asyncio.wait(
                waiting,
                timeout=heartbeat_interval,
                return_when=asyncio.FIRST_COMPLETED,
            )
            if disconnected in done:
                return
            if pending not in done:
                if form.heartbeat:
                    await send(
                        {"type": "http.response.body", "body": form.heartbeat, "more_body": True}
                    )
                continue
            try:
                part = pending.result()
            except StopAsyncIteration:
                finished = True
                break
            except Exception as error:
                # The status went out already: a last result says the answer failed
                # (no internals), then the end, so the client is not left waiting.
                logger.error("a streamed response's source failed", exc_info=error)
                failure = {**form.failed, **internal_error_body()}
                await send(
                    {"type": "http.response.body", "body": form.encode(failure), "more_body": True}
                )
                ended = True
                break
            pending = None
            await send({"type": "http.response.body", "body": form.encode(part), "more_body": True})
    except Exception as error:
        # Sending failed: the client is gone, or its connection broke.
        logger.error("streamed response failed", exc_info=error)
    finally:
        disconnected.cancel()
        if pending is not None and not pending.done():
            pending.cancel()
            with contextlib.suppress(BaseException):
                await pending
        if not finished:
            try:
                await close_parts(parts)
            except Exception as error:
                # The status went out: a failure ending the source is logged, and the
                # stream still ends properly below.
                logger.error("closing a streamed response's source failed", exc_info=error)
    if finished or ended:
        await send({"type": "http.response.body", "body": form.end, "more_body": False})


async def _disconnect(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
