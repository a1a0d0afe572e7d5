"""Http1Transport against a scripted HTTP/1.1 server: framing, keep-alive, failures, TLS.

The server answers each request with what the test's script returns for it, so
every path of the client (chunked, read-until-close, interim answers, gzip,
a connection the server closes under a request, a late answer after a
cancellation) is driven over real loopback sockets.
"""

from __future__ import annotations

import asyncio
import datetime
import gzip
import inspect
import ipaddress
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import pytest
import uvloop
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from supergraph.executor.http1_transport import Http1Transport
from supergraph.executor.transport import SubgraphHTTPError, SubgraphRequest

OK_BODY = b'{"data":{"hello":"hi"}}'


def on_both_loops(test: Callable[..., Awaitable[None]]) -> Callable[..., None]:
    """Run the test on asyncio's loop and on uvloop's (`supergraph serve` runs on uvloop,
    whose transports are no asyncio subclasses)."""
    wants_tmp_path = "tmp_path" in inspect.signature(test).parameters

    @pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
    def run(loop: str, tmp_path: Path) -> None:
        coroutine = test(tmp_path) if wants_tmp_path else test()
        (uvloop.run if loop == "uvloop" else asyncio.run)(coroutine)

    run.__name__ = test.__name__
    run.__doc__ = test.__doc__
    return run


@dataclass
class Seen:
    connection: int
    index: int
    """The request's position on its connection (0: first)."""
    head: str
    body: bytes

    def header(self, name: str) -> list[str]:
        lines = self.head.split("\r\n")[1:]
        return [
            line.split(":", 1)[1].strip() for line in lines if line.split(":", 1)[0].lower() == name
        ]


Reply = Callable[[Seen, asyncio.StreamWriter], Awaitable[bool]]
"""Answers one request; returns False to close the connection afterwards."""


def response(body: bytes = OK_BODY, *extra: str, status: str = "200 OK") -> bytes:
    head = [f"HTTP/1.1 {status}", "content-type: application/json", *extra]
    if not any(h.lower().startswith(("content-length", "transfer-encoding")) for h in extra):
        head.append(f"content-length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def ok(seen: Seen, writer: asyncio.StreamWriter) -> bool:
    writer.write(response())
    return True


@dataclass
class Server:
    reply: Reply
    seen: list[Seen] = field(default_factory=list)
    connections: int = 0
    open_now: int = 0
    most_open: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        number = self.connections
        self.open_now += 1
        self.most_open = max(self.most_open, self.open_now)
        try:
            index = 0
            while True:
                try:
                    head = (await reader.readuntil(b"\r\n\r\n")).decode()
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                length = 0
                for line in head.split("\r\n"):
                    if line.lower().startswith("content-length:"):
                        length = int(line.split(":", 1)[1])
                body = await reader.readexactly(length)
                seen = Seen(number, index, head, body)
                self.seen.append(seen)
                index += 1
                keep = await self.reply(seen, writer)
                await writer.drain()
                if not keep:
                    return
        finally:
            self.open_now -= 1
            writer.close()


@asynccontextmanager
async def scripted(
    reply: Reply, tls: ssl.SSLContext | None = None
) -> AsyncIterator[tuple[Server, str]]:
    server = Server(reply)
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0, ssl=tls)
    port = listener.sockets[0].getsockname()[1]
    scheme = "https" if tls else "http"
    try:
        yield server, f"{scheme}://127.0.0.1:{port}/graphql"
    finally:
        listener.close()


@asynccontextmanager
async def client(
    url: str, *, max_connections: int = 512, keepalive_timeout: float = 30.0
) -> AsyncIterator[Http1Transport]:
    transport = Http1Transport(
        {"a": url}, max_connections=max_connections, keepalive_timeout=keepalive_timeout
    )
    try:
        yield transport
    finally:
        await transport.aclose()


QUERY = SubgraphRequest("query { hello }")
MUTATION = SubgraphRequest("mutation { bump }")


@on_both_loops
async def test_keep_alive_reuses_one_connection_and_sends_a_well_formed_post() -> None:
    async with scripted(ok) as (server, url), client(url) as transport:
        for _ in range(3):
            assert await transport.send("a", QUERY) == {"data": {"hello": "hi"}}
    assert server.connections == 1
    first = server.seen[0]
    assert first.head.startswith("POST /graphql HTTP/1.1\r\n")
    assert first.header("host") == [url.split("/")[2]]
    assert first.header("content-type") == ["application/json"]
    assert orjson.loads(first.body) == {"query": "query { hello }", "variables": {}}


@on_both_loops
async def test_caller_headers_replace_defaults_and_framing_headers_are_ignored() -> None:
    async with scripted(ok) as (server, url):
        headers = {"Content-Type": "application/json; charset=utf-8", "content-length": "1"}
        async with client(url) as transport:
            await transport.send("a", SubgraphRequest("{ hello }", headers=headers))
    seen = server.seen[0]
    assert seen.header("content-type") == ["application/json; charset=utf-8"]
    assert seen.header("content-length") == [str(len(seen.body))]


@on_both_loops
async def test_a_header_value_with_a_line_break_is_refused_before_sending() -> None:
    async with scripted(ok) as (server, url), client(url) as transport:
        with pytest.raises(SubgraphHTTPError, match="invalid header"):
            await transport.send("a", SubgraphRequest("{ hello }", headers={"x-a": "1\r\nx-b: 2"}))
        for name in ("x a", "x-a:", "x-\na"):
            with pytest.raises(SubgraphHTTPError, match="invalid header"):
                await transport.send("a", SubgraphRequest("{ hello }", headers={name: "1"}))
    assert server.seen == []


@on_both_loops
async def test_chunked_body() -> None:
    async def chunked(seen: Seen, writer: asyncio.StreamWriter) -> bool:
        parts = [OK_BODY[:5], OK_BODY[5:]]
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"
        writer.write(response(chunks, "transfer-encoding: chunked"))
        return True

    async with scripted(chunked) as (server, url), client(url) as transport:
        assert await transport.send("a", QUERY) == {"data": {"hello": "hi"}}
        assert await transport.send("a", QUERY) == {"data": {"hello": "hi"}}
    assert server.connections == 1


@on_both_loops
async def test_body_until_close_and_connection_close_answers() -> None:
    async def until_close(seen: Seen, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n")
        await writer.drain()
        writer.write(OK_BODY)
        return False

    async with scripted(until_close) as (server, url), client(url) as transport:
        for _ in range(2):
            assert await transport.send("a", QUERY) == {"data": {"hello": "hi"}}
    assert server.connections == 2


@on_both_loops
async def test_interim_answer_then_the_real_one() -> None:
    async def interim(seen: Seen, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n" + response())
        return True

    async with scripted(interim) as (_, url), client(url) as transport:
        assert await transport.send("a", QUERY) == {"data": {"hello": "hi"}}
        assert await transport.send("a", QUERY) == {"data": {"hello": "hi"}}


@on_both_loops
async def test_gzip_body_is_decoded_and_unknown_encoding_is_an_error() -> None:
    async def encoded(seen: Seen, writer: asyncio.StreamWriter) -> bool:
        if seen.index == 0:
            writer.write(response(gzip.compress(OK_BODY), "content-encoding: gzip"))
        else:
            writer.write(response(OK_BODY, "content-encoding: br"))
        return True

    async with scripted(encoded) as (_, url), client(url) as transport:
        assert await transport.send("a", QUERY) == {"data": {"hello": "hi"}}
        with pytest.raises(SubgraphHTTPError, match="unsupported content-encoding 'br'"):
            await transport.send("a", QUERY)


@on_both_loops
async def test_status_and_reason_of_a_non_graphql_error() -> None:
    async def failing(seen: Seen, writer: asyncio.StreamWriter) -> bool:
        writer.write(response(b"nope", status="503 Service Unavailable"))
        return True

    async with scripted(failing) as (_, url), client(url) as transport:
        with pytest.raises(SubgraphHTTPError, match="503: Service Unavailable") as caught:
            await transport.send("a", QUERY)
    assert caught.value.status == 503


@on_both_loops
async def test_garbage_answer_is_an_http_error_and_the_connection_is_dropped() -> None:
    async def garbage(seen: Seen, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"NOT HTTP AT ALL\r\n\r\n" if seen.connection == 1 else response())
        return True

    async with scripted(garbage) as (server, url), client(url) as transport:
        with pytest.raises(SubgraphHTTPError, match="invalid HTTP response"):
            await transport.send("a", QUERY)
        assert await transport.send("a", QUERY) == {"data": {"hello": "hi"}}
    assert server.connections == 2


def _dropping_second_request(seen: Seen) -> bool:
    return seen.connection == 1 and seen.index == 1


@on_both_loops
async def test_query_on_a_connection_closed_under_it_is_sent_again() -> None:
    async def drop(seen: Seen, writer: asyncio.StreamWriter) -> bool:
        if _dropping_second_request(seen):
            return False  # closed without a byte of an answer: the stale keep-alive race
        writer.write(response())
        return True

    async with scripted(drop) as (server, url), client(url) as transport:
        assert await transport.send("a", QUERY) == {"data": {"hello": "hi"}}
        assert await transport.send("a", QUERY) == {"data": {"hello": "hi"}}
    assert [(s.connection, s.index) for s in server.seen] == [(1, 0), (1, 1), (2, 0)]


@on_both_loops
async def test_mutation_on_a_connection_closed_under_it_is_not_sent_twice() -> None:
    async def drop(seen: Seen, writer: asyncio.StreamWriter) -> bool:
        if _dropping_second_request(seen):
            return False
        writer.write(response())
        return True

    async with scripted(drop) as (server, url), client(url) as transport:
        await transport.send("a", QUERY)
        with pytest.raises(SubgraphHTTPError, match="connection closed"):
            await transport.send("a", MUTATION)
    assert [orjson.loads(s.body)["query"] for s in server.seen].count("mutation { bump }") == 1


@on_both_loops
async def test_a_mutation_does_not_take_a_connection_idle_for_long() -> None:
    async with scripted(ok) as (server, url), client(url) as transport:
        await transport.send("a", QUERY)
        await asyncio.sleep(1.1)
        await transport.send("a", QUERY)  # still young enough for a query
        await asyncio.sleep(1.1)
        await transport.send("a", MUTATION)
    assert [s.connection for s in server.seen] == [1, 1, 2]


@on_both_loops
async def test_idle_connections_expire_after_the_keepalive_timeout() -> None:
    async with scripted(ok) as (server, url), client(url, keepalive_timeout=0.05) as transport:
        await transport.send("a", QUERY)
        await asyncio.sleep(0.15)
        await transport.send("a", QUERY)
    assert server.connections == 2


@on_both_loops
async def test_a_cancelled_request_never_hands_its_late_answer_to_the_next() -> None:
    async def slow_first(seen: Seen, writer: asyncio.StreamWriter) -> bool:
        if seen.connection == 1:
            await asyncio.sleep(0.3)
            writer.write(response(b'{"data":{"hello":"late"}}'))
        else:
            writer.write(response())
        return True

    async with scripted(slow_first) as (server, url), client(url) as transport:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.05):
                await transport.send("a", QUERY)
        assert await transport.send("a", QUERY) == {"data": {"hello": "hi"}}
    assert server.connections == 2


@on_both_loops
async def test_the_connection_limit_queues_requests() -> None:
    async def slow(seen: Seen, writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(0.05)
        writer.write(response())
        return True

    async with scripted(slow) as (server, url), client(url, max_connections=2) as transport:
        answers = await asyncio.gather(*(transport.send("a", QUERY) for _ in range(7)))
    assert answers == [{"data": {"hello": "hi"}}] * 7
    assert server.most_open == 2
    assert len(server.seen) == 7


@on_both_loops
async def test_a_waiter_cancelled_after_its_wake_up_passes_the_turn_on() -> None:
    async with scripted(ok) as (_, url), client(url, max_connections=1) as transport:
        await transport.send("a", QUERY)
        (pool,) = transport._pools.values()
        held, _ = await pool.acquire(None)
        first = asyncio.create_task(pool.acquire(None))
        second = asyncio.create_task(pool.acquire(None))
        await asyncio.sleep(0.01)
        pool.release(held, True)  # wakes `first`...
        first.cancel()  # ...which never takes its turn
        connection, reused = await asyncio.wait_for(second, 2)
        assert (connection, reused) == (held, True)


@on_both_loops
async def test_two_subgraphs_on_one_origin_share_its_pool() -> None:
    async with scripted(ok) as (server, url):
        transport = Http1Transport({"a": url, "b": url.replace("/graphql", "/other?x=1")})
        try:
            await transport.send("a", QUERY)
            await transport.send("b", QUERY)
        finally:
            await transport.aclose()
    assert server.connections == 1
    assert server.seen[1].head.startswith("POST /other?x=1 HTTP/1.1\r\n")


@on_both_loops
async def test_unknown_subgraph_and_bad_url_are_http_errors() -> None:
    transport = Http1Transport({"a": "ftp://example/graphql"})
    with pytest.raises(SubgraphHTTPError, match="no URL known for subgraph 'b'"):
        await transport.send("b", QUERY)
    with pytest.raises(SubgraphHTTPError, match="bad URL"):
        await transport.send("a", QUERY)


def _self_signed(tmp_path: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cafile=str(cert_file))
    return server, client


@on_both_loops
async def test_https_subgraph_with_a_verified_certificate(tmp_path: Path) -> None:
    server_tls, client_tls = _self_signed(tmp_path)
    async with scripted(ok, tls=server_tls) as (server, url):
        trusting = Http1Transport({"a": url}, tls=client_tls)
        default = Http1Transport({"a": url})
        try:
            assert await trusting.send("a", QUERY) == {"data": {"hello": "hi"}}
            assert await trusting.send("a", QUERY) == {"data": {"hello": "hi"}}
            with pytest.raises(SubgraphHTTPError, match="CERTIFICATE_VERIFY_FAILED"):
                await default.send("a", QUERY)
        finally:
            await trusting.aclose()
            await default.aclose()
    assert server.connections >= 1
    assert len(server.seen) == 2
