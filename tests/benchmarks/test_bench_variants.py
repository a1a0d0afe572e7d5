"""`--variation varied`: the variants of each operation, their size check, deep_chain's
callers and wrk's per-request x-user-id (fast; wrk on loopback when installed)."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import callers
from bench.operations import (
    CALLERS,
    DEEP_CHAIN,
    OPERATIONS,
    USER,
    VARIANTS,
    VARIED_SCALE,
    WIDE_LIST,
)
from bench.run import Run, list_sizes, parse_args, same_size, write_requests, wrk


def test_same_sends_the_one_body_as_user_1() -> None:
    for op in OPERATIONS:
        (request,) = op.requests("same")
        assert request.body == op.body()
        assert request.user == USER


def test_varied_operations_send_distinct_bodies_of_one_query() -> None:
    for op in OPERATIONS:
        if op.varied is None:
            continue
        requests = op.requests("varied")
        assert len(requests) == VARIANTS
        assert len({json.dumps(r.body, sort_keys=True) for r in requests}) == VARIANTS
        assert {r.body["query"] for r in requests} == {op.varied.query}


def test_wide_list_varies_only_the_page() -> None:
    assert WIDE_LIST.varied is not None
    varied = WIDE_LIST.varied.query
    assert "products(first: 100, after: $after)" in varied
    # The same selection below the list as the one-body form.
    assert varied.split("edges", 1)[1] == WIDE_LIST.query.split("edges", 1)[1]
    assert {r.user for r in WIDE_LIST.requests("varied")} == {USER}


def test_deep_chain_callers_ask_for_themselves() -> None:
    requests = DEEP_CHAIN.requests("varied")
    assert [r.user for r in requests] == list(CALLERS)
    assert USER not in CALLERS  # user 1's orders hold the mutation's order
    for request in requests:
        variables = request.body["variables"]
        assert isinstance(variables, dict)
        assert variables == {"id": request.user}
    assert DEEP_CHAIN.varied is not None
    assert DEEP_CHAIN.varied.query.split("{", 2)[2] == DEEP_CHAIN.query.split("{", 2)[2]


def test_varied_runs_seed_a_larger_scale_and_refuse_a_too_small_one() -> None:
    assert parse_args(["--quick"]).scale == 10
    assert parse_args(["--quick", "--variation", "varied"]).scale == VARIED_SCALE
    with pytest.raises(SystemExit):
        parse_args(["--variation", "varied", "--scale", "10", "--operations", "wide_list"])
    assert parse_args(["--variation", "varied", "--scale", "10", "--operations", "requires"])


def _answer(data: object) -> str:
    return "200 " + json.dumps({"data": data})


def test_list_sizes_count_values_per_path_across_lists() -> None:
    answer = _answer({"p": [{"r": [{"a": 1}, {"a": 2}]}, {"r": [{"a": 3}]}]})
    assert list_sizes(answer) == {"": 1, ".data": 1, ".data.p": 2, ".data.p.r": 3, ".data.p.r.a": 3}


def test_variants_of_other_sizes_are_reported(tmp_path: Path) -> None:
    run = Run(parse_args(["--quick"]), tmp_path)
    first = _answer({"p": [{"r": [1, 2]}, {"r": [3]}]})
    moved = _answer({"p": [{"r": [7]}, {"r": [8, 9]}]})  # other values, same sizes
    same_size(run, "stub", "op", [first, moved])
    assert run.mismatches == []
    same_size(run, "stub", "op", [first, moved, _answer({"p": [{"r": [1, 2]}, {"r": []}]})])
    assert run.mismatches == [
        "stub/op#2: not the size of variant 0: .data.p.r holds 2 values, not 3"
    ]


def _below(authors: tuple[str, ...], products: tuple[str, ...], stock: int) -> callers.Below:
    return callers.Below(authors, products, stock)


def test_full_chains_keep_products_with_three_reviewers_of_two_reviews() -> None:
    def review(author: str, products: list[str]) -> dict[str, object]:
        return {"author": {"id": author, "reviews": [{"product": {"upc": p}} for p in products]}}

    stocked = {"a": 2, "b": 0, "c": 4}
    entities: list[dict[str, object]] = [
        {"upc": "1", "reviews": [review("u1", ["a", "b"]), review("u2", ["c", "a"]),
                                 review("u3", ["b", "c"])]},
        {"upc": "2", "reviews": [review("u1", ["a", "b"]), review("u2", ["c", "a"])]},
        {"upc": "3", "reviews": [review("u1", ["a", "b"]), review("u1", ["a", "b"]),
                                 review("u3", ["b", "c"])]},
        {"upc": "4", "reviews": [review("u1", ["a"]), review("u2", ["c", "a"]),
                                 review("u3", ["b", "c"])]},
    ]  # fmt: skip
    below = callers.full_chains(entities, stocked)
    assert below == {"1": _below(("u1", "u2", "u3"), ("a", "b", "c", "a", "b", "c"), 12)}


def test_picked_item_lists_differ_and_share_one_size() -> None:
    stocked = {f"q{i}": i % 5 for i in range(40)}
    below = {
        f"p{i}": _below(
            (f"u{i}", f"u{(i * 7) % 30}", f"u{(i * 11) % 30}"),
            tuple(f"q{(i * k) % 40}" for k in range(1, 7)),
            sum(stocked[f"q{(i * k) % 40}"] for k in range(1, 7)),
        )
        for i in range(30)
    }
    size, lists = callers.pick(below, stocked, 8, seed="test")
    assert len(lists) == 8
    assert len({frozenset(items) for items in lists}) == 8
    for items in lists:
        assert len(set(items)) == sum(callers.ITEMS_PER_ORDER)
        assert callers.size_of(items, below, stocked) == size
    with pytest.raises(RuntimeError, match="item lists of one deep_chain size"):
        callers.pick(below, stocked, 10_000, seed="test")


class _Recorder(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = 1 << 16  # the reply in one write (flushed per request): no delayed-ACK stalls
    seen: list[tuple[str, bytes]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        self.seen.append((self.headers.get("x-user-id", ""), body))
        reply = b'{"data":{}}'
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[tuple[str, bytes]]]]:
    seen: list[tuple[str, bytes]] = []
    handler = type("Handler", (_Recorder,), {"seen": seen})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/graphql", seen
    server.shutdown()
    server.server_close()


def test_wrk_sends_each_variant_as_its_caller(
    tmp_path: Path, recorder: tuple[str, list[tuple[str, bytes]]]
) -> None:
    url, seen = recorder
    requests = DEEP_CHAIN.requests("varied")
    body_file, users_file = write_requests(tmp_path, "deep_chain", "varied", requests)
    assert users_file is not None
    result = wrk(url, body_file, 2, 1, each_line=True, users_file=users_file)
    assert result["requests"]
    assert len(seen) > VARIANTS  # every variant, at least once
    for user, body in seen:
        assert json.loads(body)["variables"] == {"id": user}
    assert {user for user, _ in seen} == set(CALLERS)


def test_wrk_sends_user_1_without_a_users_file(
    tmp_path: Path, recorder: tuple[str, list[tuple[str, bytes]]]
) -> None:
    url, seen = recorder
    body_file, users_file = write_requests(
        tmp_path, "wide_list", "varied", WIDE_LIST.requests("varied")
    )
    assert users_file is None
    wrk(url, body_file, 1, 1, each_line=True)
    assert seen and {user for user, _ in seen} == {USER}
