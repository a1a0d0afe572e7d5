"""Hostile connections against a real `supergraph serve` on loopback: oversized and
too many headers, slow-loris heads and bodies, idle connections, more connections
than the cap (one process, and `--workers 2`). After each, a normal request is
answered.

Routers run with short limits from router.yaml (timeouts of 1 s); the tests wait
for those to fire but assert no durations.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.system import free_port
from tests.hostile.edge_sockets import (
    accepted,
    closed_by_peer,
    connect,
    listen_backlog,
    parse_answer,
    read_answer,
    request,
    stream_until_answered,
    trickle_until_answered,
    wait_for,
)
from tests.http.serve_process import ServeProcess

SUPERGRAPH = Path(__file__).resolve().parents[2] / "schema.graphql"
HEAD_LIMIT = 8 * 1024
LIMITS = """
limits:
  http1_max_request_headers: 20
  http1_max_request_buf_size: 8kib
server:
  http:
    header_read_timeout: 1s
    body_read_timeout: 1s
    keep_alive_timeout: 1s
"""


def _serve(tmp_path: Path, config: str, *args: str) -> ServeProcess:
    path = tmp_path / "router.yaml"
    path.write_text(config)
    router = ServeProcess(
        tmp_path, "--supergraph", str(SUPERGRAPH), "--config", str(path), *args, port=free_port()
    )
    router.wait_healthy()
    return router


@pytest.fixture(scope="module")
def router(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    running = _serve(tmp_path_factory.mktemp("edge"), LIMITS)
    try:
        yield running
    finally:
        running.stop()


def _still_serves(router: ServeProcess) -> None:
    response = router.query("{ __typename }")
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


# -- header limits -----------------------------------------------------------------------


def test_a_64_mb_header_gets_431_and_is_not_read(router: ServeProcess) -> None:
    total = 64 * 1024 * 1024
    chunk = b"a" * 65536
    head = b"POST /graphql HTTP/1.1\r\nhost: 127.0.0.1\r\nx-big: "
    with connect(router.port) as sock:
        received, sent = stream_until_answered(sock, [head, *[chunk] * (total // len(chunk))])
        answer = parse_answer(received)
        assert answer is not None, received[:200]
        assert (answer.status, answer.code) == (431, "MAX_HEADER_SIZE_EXCEEDED")
        assert answer.headers["connection"] == "close"
        # The router stopped reading: the kernel's buffers took a few MB, not the header.
        assert sent < total // 4
        closed_by_peer(sock)
    _still_serves(router)


def test_a_head_just_under_the_limit_is_served(router: ServeProcess) -> None:
    filler = "x" * (HEAD_LIMIT - 200)
    with connect(router.port) as sock:
        sock.sendall(request(headers=[f"x-filler: {filler}"]))
        answer = read_answer(sock)
    assert answer is not None and answer.status == 200


def test_too_many_headers_get_431(router: ServeProcess) -> None:
    with connect(router.port) as sock:
        sock.sendall(request(headers=[f"x-h{i}: {i}" for i in range(25)]))
        answer = read_answer(sock)
        assert answer is not None
        assert (answer.status, answer.code) == (431, "MAX_HEADERS_EXCEEDED")
        closed_by_peer(sock)
    with connect(router.port) as sock:  # host + 19: at the limit
        sock.sendall(request(headers=[f"x-h{i}: {i}" for i in range(19)]))
        answer = read_answer(sock)
        assert answer is not None and answer.status == 200
    _still_serves(router)


def test_a_url_over_the_limit_gets_414(router: ServeProcess) -> None:
    with connect(router.port) as sock:
        sock.sendall(request("/graphql?query=" + "a" * HEAD_LIMIT))
        answer = read_answer(sock)
        assert answer is not None
        assert (answer.status, answer.code) == (414, "URI_TOO_LONG")
    _still_serves(router)


def test_chunked_trailers_count_against_the_head_limit(router: ServeProcess) -> None:
    head = (
        b"POST /graphql HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
        b"transfer-encoding: chunked\r\n\r\n"
    )
    trailer = b"0\r\nx-trailer: " + b"t" * (2 * HEAD_LIMIT) + b"\r\n\r\n"
    with connect(router.port) as sock:
        sock.sendall(head + trailer)
        answer = read_answer(sock)
        assert answer is not None
        assert (answer.status, answer.code) == (431, "MAX_HEADER_SIZE_EXCEEDED")
    _still_serves(router)


def test_what_is_not_http_gets_400(router: ServeProcess) -> None:
    with connect(router.port) as sock:
        sock.sendall(b"HELLO\x00 THERE\r\n\r\n")
        answer = read_answer(sock)
        assert answer is not None
        assert (answer.status, answer.code) == (400, "BAD_REQUEST")
    _still_serves(router)


# -- timeouts ----------------------------------------------------------------------------


def test_a_trickled_head_gets_408_and_is_closed(router: ServeProcess) -> None:
    with connect(router.port) as sock:
        sock.sendall(b"POST /graphql HTTP/1.1\r\nhost: 127.0.0.1\r\nx-slow: ")
        answer = trickle_until_answered(sock, b"a")
        assert answer is not None
        assert (answer.status, answer.code) == (408, "REQUEST_TIMEOUT")
        closed_by_peer(sock)
    _still_serves(router)


@pytest.mark.parametrize("trickle", [False, True], ids=["stalled", "trickled"])
def test_a_slow_body_gets_408_and_is_closed(router: ServeProcess, trickle: bool) -> None:
    head = (
        b"POST /graphql HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
        b"content-length: 1000\r\n\r\n"
    )
    with connect(router.port) as sock:
        sock.sendall(head + b'{"query": "')
        answer = trickle_until_answered(sock, b" ") if trickle else read_answer(sock)
        assert answer is not None
        assert (answer.status, answer.code) == (408, "REQUEST_TIMEOUT")
        closed_by_peer(sock)
    _still_serves(router)


def test_a_body_answered_early_that_stalls_is_closed_without_a_second_answer(
    router: ServeProcess,
) -> None:
    head = (
        b"POST /graphql HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
        b"content-length: 3000000\r\n\r\n"
    )
    with connect(router.port) as sock:
        sock.sendall(head + b'{"query": "')
        answer = read_answer(sock)  # refused by its length before the body came
        assert answer is not None
        assert (answer.status, answer.code) == (413, "MAX_BODY_SIZE_EXCEEDED")
        assert closed_by_peer(sock) == b""  # at the body deadline: no 408 after the 413
    _still_serves(router)


def test_an_idle_keep_alive_connection_is_closed_quietly(router: ServeProcess) -> None:
    with connect(router.port) as sock:
        sock.sendall(request())
        answer = read_answer(sock)
        assert answer is not None and answer.status == 200
        assert "connection" not in answer.headers  # kept alive
        assert closed_by_peer(sock) == b""
    _still_serves(router)


def test_a_connection_that_sends_nothing_is_closed_quietly(router: ServeProcess) -> None:
    with connect(router.port) as sock:
        assert closed_by_peer(sock) == b""
    _still_serves(router)


# -- the connection cap --------------------------------------------------------------------

CAPPED = """
server:
  http:
    header_read_timeout: 3s   # the window in which the test looks at the full router
    max_connections: {cap}
"""


def _hold(port: int, count: int) -> list[socket.socket]:
    """Connections that begin a request and never finish it (until the router's timeout)."""
    held = []
    for _ in range(count):
        sock = connect(port)
        sock.sendall(b"GET /health HTTP/1.1\r\nhost: 127.0.0.1\r\n")
        held.append(sock)
    return held


def _closed_by_router(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return sock.recv(65536) is not None  # an answer (408) or b"" (closed)
    except BlockingIOError:
        return False
    except ConnectionResetError:
        return True
    finally:
        sock.setblocking(True)


def test_over_the_cap_a_connection_waits_in_the_backlog(tmp_path: Path) -> None:
    router = _serve(tmp_path, CAPPED.format(cap=3))
    try:
        held = _hold(router.port, 3)
        wait_for(lambda: accepted(router.process.pid, router.port) == 3, what="3 accepted")
        with connect(router.port) as waiting:
            waiting.sendall(request(close=True))
            # Not accepted: the kernel holds it (and its request) in the listen backlog.
            wait_for(lambda: listen_backlog(router.port) == 1, what="one in the backlog")
            assert accepted(router.process.pid, router.port) == 3
            answer = read_answer(waiting)
            assert answer is not None and answer.status == 200
            # ... served once the header timeout had freed a slot.
            assert any(_closed_by_router(sock) for sock in held)
        for sock in held:
            sock.close()
        _still_serves(router)
    finally:
        router.stop()


def test_with_workers_each_process_has_its_own_cap(tmp_path: Path) -> None:
    router = _serve(tmp_path, CAPPED.format(cap=2), "--workers", "2")
    try:
        workers = router.children()
        assert len(workers) == 2
        held = _hold(router.port, 4)

        def counts() -> list[int]:
            return [accepted(pid, router.port) for pid in workers]

        # A full worker stops accepting: the other takes the rest.
        wait_for(lambda: counts() == [2, 2], what="two connections per worker")
        with connect(router.port) as waiting:
            waiting.sendall(request(close=True))
            wait_for(lambda: listen_backlog(router.port) == 1, what="one in the backlog")
            assert counts() == [2, 2]
            answer = read_answer(waiting)
            assert answer is not None and answer.status == 200
            assert any(_closed_by_router(sock) for sock in held)
        for sock in held:
            sock.close()
        _still_serves(router)
    finally:
        router.stop()
