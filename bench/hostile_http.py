"""A small raw HTTP/1.1 client on asyncio streams, and what an answer told us.

The abusers need what general-purpose clients hide or refuse: 64 MB headers,
bodies trickled a byte at a time, keep-alive reuse with exact bytes. One
request is written as given and its answer read by Content-Length or chunks.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field

_CODE = re.compile(rb'"code"\s*:\s*"([A-Za-z0-9_]+)"')
_SCAN_BYTES = 65536
"""Of a large answer only the first and last 64 KB are searched for error codes."""


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def codes(self) -> list[str]:
        return error_codes(self.body)


def post_bytes(path: str, body: bytes, headers: dict[str, str] | None = None) -> bytes:
    """A complete POST request with a JSON body, keep-alive."""
    lines = [
        f"POST {path} HTTP/1.1",
        "host: 127.0.0.1",
        "content-type: application/json",
        "accept: application/json",
        f"content-length: {len(body)}",
    ]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def read_reply(reader: asyncio.StreamReader) -> Reply:
    """One answer; `asyncio.IncompleteReadError` when the server closed first."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            parts.append(await reader.readexactly(size + 2))
            if size == 0:
                break
        body = b"".join(part[:-2] for part in parts)
    elif "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    else:
        body = await reader.read()
    return Reply(status, headers, body)


class Connection:
    """One keep-alive connection, opened on first use and again after the server closes it."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self.opened = 0

    async def request(self, raw: bytes) -> Reply:
        if self._streams is None:
            # Answers of tens of MB: a large read limit keeps readuntil from refusing them.
            self._streams = await asyncio.open_connection(self.host, self.port, limit=2**26)
            self.opened += 1
        reader, writer = self._streams
        # Read while writing: a server may answer (431, 413) and close before it has taken
        # the whole request, and the answer is what counts, not the failed write.
        reading = asyncio.ensure_future(read_reply(reader))
        try:
            try:
                writer.write(raw)
                await writer.drain()
            except OSError:
                await asyncio.wait([reading], timeout=5)
                if not reading.done():
                    raise
            reply = await reading
        except BaseException:
            reading.cancel()
            await self.close()
            raise
        if reply.headers.get("connection", "").lower() == "close":
            await self.close()
        return reply

    async def close(self) -> None:
        if self._streams is not None:
            writer = self._streams[1]
            self._streams = None
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


def error_codes(body: bytes) -> list[str]:
    """The `extensions.code`s of a GraphQL answer (of a large one: its ends only)."""
    if len(body) > 2 * _SCAN_BYTES:
        body = body[:_SCAN_BYTES] + body[-_SCAN_BYTES:]
    return [match.decode() for match in _CODE.findall(body)]


def has_errors(body: bytes) -> bool:
    return b'"errors"' in body[:_SCAN_BYTES] or b'"errors"' in body[-_SCAN_BYTES:]


@dataclass
class Tally:
    """What a stream of abusive requests got: outcomes counted, bytes received."""

    outcomes: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    received_bytes: int = 0

    def reply(self, reply: Reply) -> None:
        self.requests += 1
        self.received_bytes += len(reply.body)
        codes = sorted(set(reply.codes))
        if codes:
            self.outcomes[f"{reply.status} {'+'.join(codes)}"] += 1
        elif has_errors(reply.body):
            self.outcomes[f"{reply.status} errors without code"] += 1
        else:
            self.outcomes[f"{reply.status}"] += 1

    def failure(self, what: str) -> None:
        self.requests += 1
        self.outcomes[what] += 1

    def merge(self, other: Tally) -> None:
        self.outcomes.update(other.outcomes)
        self.requests += other.requests
        self.received_bytes += other.received_bytes

    def summary(self) -> dict[str, object]:
        return {
            "requests": self.requests,
            "received_bytes": self.received_bytes,
            "outcomes": dict(self.outcomes.most_common()),
        }


def describe(body: bytes, limit: int = 300) -> str:
    """A short text of an answer for the report (its JSON compacted when it parses)."""
    if len(body) <= 100_000:
        with contextlib.suppress(ValueError):
            body = json.dumps(json.loads(body), separators=(",", ":")).encode()
    text = body[:limit].decode(errors="replace")
    return text + (f"... ({len(body):,} bytes)" if len(body) > limit else "")
