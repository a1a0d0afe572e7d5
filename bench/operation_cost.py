"""What one hostile operation (or batch) costs the router before planning.

    python -m bench.operation_cost [--repeat 5] [--only CASE ...]   # in process
    python -m bench.operation_cost --profile CASE                     # cProfile of one case
    python -m bench.operation_cost --http [--router-path DIR]         # `supergraph serve`

In process, each case runs on the bundled supergraph (schema.graphql) with the
limits of an unconfigured router.yaml (`router_options(RouterConfig())`), and
prints parse + validate CPU of a fresh document (`Router.parse_and_validate`
with an empty document cache, best of --repeat, `time.process_time`), then the
whole `Router.execute` of it (planning included; subgraphs answer nothing),
the response kind, code and size.

With --http, a real `python -m supergraph serve` (batching enabled, every other
limit at its default; the code under --router-path, default this checkout) gets
issue 12's requests over loopback, and the router process's own CPU time per
request is read from /proc (no subgraph is running: operations that reach the
subgraphs get fetch errors, which is not what is measured). Point --router-path
at another checkout (e.g. main) for the numbers before a change.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson

from supergraph.executor.mock_transport import MockTransport
from supergraph.executor.transport import SubgraphRequest
from supergraph.http.config import RouterConfig
from supergraph.http.server import router_options
from supergraph.pipeline.request import GraphQLRequest
from supergraph.pipeline.response import GraphQLResponse
from supergraph.pipeline.router import Router
from supergraph.schema import load_supergraph

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "schema.graphql"

SUBGRAPHS = ("accounts", "products", "reviews", "inventory", "orders")

INTROSPECTION_ALIAS = "__schema { types { name fields { name type { name } args { name } } } }"


def aliased_introspection(copies: int = 700) -> str:
    """Issue 12's 46 KB request: the same introspection selection under 700 aliases."""
    return "{ " + " ".join(f"a{n}: {INTROSPECTION_ALIAS}" for n in range(copies)) + " }"


def standard_introspection() -> str:
    """graphql-core's (= graphql-js's, GraphiQL's) introspection query."""
    from graphql import get_introspection_query

    return get_introspection_query(descriptions=True)


PRODUCT = (
    "upc name description weight quantity inStock shippingEstimate averageRating"
    " price { amount currency }"
    " category { slug name products(first: 2) { edges { cursor node { upc name } }"
    " pageInfo { hasNextPage endCursor } } }"
    " reviews(first: 3) { id body rating createdAt author { id username name createdAt }"
    " product { upc name } }"
    " stock { quantity warehouse { id name location } }"
)


def large_operation(extra: str = "", target: int = 32_000) -> str:
    """Issue 12's "fresh 32 KB valid operation" of about 3,300 fields, within the
    default limits: aliased `product` look-ups (fewer than 100 aliases), each with
    a wide nested selection. `extra`: more root selections."""
    parts: list[str] = []
    n = 0
    while sum(len(p) + 1 for p in parts) + len(extra) < target - 40:
        parts.append(f'p{n}: product(upc: "{n}") {{ {PRODUCT} }}')
        n += 1
    return "query Large { " + " ".join(parts) + f" {extra} }}"


def large_with_introspection() -> str:
    """The same with one `__type` look-up: main's one-pass walk gave up on introspection
    fields and ran every graphql-core rule on the whole document."""
    return large_operation('__type(name: "Product") { name fields { name } }')


def large_repeated(copies: int = 80) -> str:
    """About 32 KB without aliases: one selection repeated, all under one response name
    (fields that merge; graphql-core's overlap rule compares them pairwise)."""
    selection = f'product(upc: "1") {{ {PRODUCT} }}'
    return "{ " + " ".join(selection for _ in range(copies)) + " }"


def fragment_chain(length: int) -> str:
    """Issue 12's linear chain: `{ ...F0 }` and F_i spreading F_(i+1)."""
    fragments = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} }}" for i in range(length))
    return f"query {{ ...F0 }} {fragments} fragment F{length} on Query {{ __typename }}"


def variables_query(count: int = 90) -> str:
    definitions = " ".join(f"$v{i}: Int" for i in range(count))
    uses = " ".join(f"u{i}: users(first: $v{i}) {{ edges {{ cursor }} }}" for i in range(count))
    return f"query Vars({definitions}) {{ {uses} }}"


# -- the worst documents within the default limits we could think of -------------------


def same_name_leaves() -> str:
    """15,000 tokens of one field: the overlap rule's worst case (pairs of one name)."""
    return "{ " + "__typename " * 14_998 + "}"


def same_name_objects() -> str:
    """`me { id username }` (5 tokens) as often as the token limit allows."""
    return "{ " + " ".join("me { id username }" for _ in range(2_999)) + " }"


def same_name_one_conflict() -> str:
    """Thousands of mergeable copies and one that differs: invalid, so graphql-core's
    overlap rule runs (on its bounded budget)."""
    same = " ".join('product(upc: "1") { upc }' for _ in range(1_600))
    return "{ " + same + ' product(upc: "2") { upc } }'


def deep_nesting() -> str:
    """190 nested selection sets (the parser stops at 200)."""
    levels = 63
    return "{ me { " + "reviews { author { " * levels + "id" + " } }" * levels + " } }"


def deep_fragment_chain() -> str:
    """A chain of 197 fragments: nesting 199, just within the recursion limit."""
    return fragment_chain(197)


def many_fragments() -> str:
    """1,500 small fragments, each spread once."""
    count = 1_500
    spreads = " ".join(f"...F{i}" for i in range(count))
    fragments = " ".join(f"fragment F{i} on Query {{ __typename }}" for i in range(count))
    return f"{{ {spreads} }} {fragments}"


def many_operations() -> str:
    """1,400 operations sharing one fragment that spreads many others."""
    ops = " ".join(f"query Q{i} {{ ...A }}" for i in range(1_400))
    inner = " ".join(f"...B{i}" for i in range(300))
    fragments = " ".join(f"fragment B{i} on Query {{ __typename }}" for i in range(300))
    return f"{ops} fragment A on Query {{ {inner} }} {fragments}"


def many_variables() -> str:
    """2,000 variable definitions, all used in @include conditions."""
    count = 2_000
    definitions = " ".join(f"$v{i}: Boolean = true" for i in range(count))
    uses = " ".join(f"__typename @include(if: $v{i})" for i in range(count))
    return f"query V({definitions}) {{ {uses} }}"


def many_directives() -> str:
    return "{ " + " ".join("__typename @skip(if: false)" for _ in range(2_100)) + " }"


def long_string() -> str:
    """A string literal as long as the length limit allows."""
    return '{ search(text: "' + "x" * 262_000 + '", first: 1) { __typename } }'


def long_block_string() -> str:
    return '{ search(text: """' + "x" * 262_000 + '""", first: 1) { __typename } }'


def long_comment() -> str:
    return "#" + "x" * 262_000 + "\n{ __typename }"


def nested_lists() -> str:
    depth = 190
    return "{ users(first: " + "[" * depth + "1" + "]" * depth + ") { edges { cursor } } }"


def many_errors() -> str:
    """Thousands of unknown fields: invalid, every graphql-core rule runs, errors located."""
    return "{ me { " + " ".join(f"nope{i}" for i in range(7_000)) + " } }"


def deep_introspection() -> str:
    """Introspection nesting `ofType` as deep as tools do, and list fields below the
    MaxIntrospectionDepthRule limit, 90 times (under the alias limit)."""
    of_type = "ofType { " * 8 + "name" + " }" * 8
    field = f"__schema {{ types {{ fields {{ type {{ {of_type} }} args {{ type {{ {of_type} }} }} }} }} }}"
    return "{ " + " ".join(f"a{i}: {field}" for i in range(90)) + " }"


CASES: dict[str, tuple[Callable[[], str], dict[str, Any] | None]] = {
    "introspection-700-aliases": (aliased_introspection, None),
    "introspection-90-aliases": (lambda: aliased_introspection(90), None),
    "introspection-standard": (standard_introspection, None),
    "large-32kb": (large_operation, None),
    "large-32kb-with-__type": (large_with_introspection, None),
    "large-32kb-repeated": (large_repeated, None),
    "fragment-chain-200": (lambda: fragment_chain(200), None),
    "fragment-chain-489": (lambda: fragment_chain(489), None),
    "fragment-chain-1800": (lambda: fragment_chain(1_800), None),
    "variables-90": (variables_query, {f"v{i}": 1 for i in range(90)}),
    "worst:same-name-leaves": (same_name_leaves, None),
    "worst:same-name-objects": (same_name_objects, None),
    "worst:same-name-one-conflict": (same_name_one_conflict, None),
    "worst:deep-nesting": (deep_nesting, None),
    "worst:deep-fragment-chain": (deep_fragment_chain, None),
    "worst:many-fragments": (many_fragments, None),
    "worst:many-operations": (many_operations, None),
    "worst:many-variables": (many_variables, None),
    "worst:many-directives": (many_directives, None),
    "worst:long-string": (long_string, None),
    "worst:long-block-string": (long_block_string, None),
    "worst:long-comment": (long_comment, None),
    "worst:nested-lists": (nested_lists, None),
    "worst:many-errors": (many_errors, None),
    "worst:deep-introspection": (deep_introspection, None),
}


def _no_subgraph(subgraph: str, request: SubgraphRequest) -> dict[str, Any]:
    return {"data": None, "errors": [{"message": "not in this benchmark"}]}


def new_router() -> Router:
    supergraph = load_supergraph(SCHEMA.read_text(encoding="utf-8"))
    return Router(supergraph, MockTransport(_no_subgraph), router_options(RouterConfig()))


def run_case(
    query: str, variables: dict[str, Any] | None, router: Router | None = None
) -> tuple[float, GraphQLResponse, int]:
    router = router or new_router()
    loop = asyncio.new_event_loop()
    try:
        started = time.process_time()
        response = loop.run_until_complete(
            router.execute(GraphQLRequest(query, variables=variables))
        )
        assert isinstance(response, GraphQLResponse)  # nothing is streamed (no @defer)
        body = orjson.dumps(response.body)
        elapsed = time.process_time() - started
    finally:
        loop.close()
    return elapsed * 1000, response, len(body)


def parse_validate_ms(query: str, repeat: int) -> float:
    """Best CPU of `Router.parse_and_validate` on a fresh document (nan: it raised)."""
    router = new_router()
    best = float("inf")
    for _ in range(repeat):
        router.documents.clear()
        started = time.process_time()
        try:
            router.parse_and_validate(query)
        except Exception:  # what `execute` turns into a 500
            return float("nan")
        best = min(best, time.process_time() - started)
    return best * 1000


def bad_variables_ms(repeat: int) -> tuple[float, float, list[Any]]:
    """A cached 32 KB document: CPU of a request with valid, then invalid variables."""
    query = cached_with_variables()
    router = new_router()
    run_case(query, {"n": 1}, router)  # parse, validate, plan: cached from here on
    good = min(run_case(query, {"n": 1}, router)[0] for _ in range(repeat))
    bad = [run_case(query, {"n": "many"}, router) for _ in range(repeat)]
    return good, min(b[0] for b in bad), bad[0][1].body["errors"]


def cached_with_variables() -> str:
    """The large operation with one variable, on its second line (errors locate it)."""
    body = large_operation()[len("query Large { ") :]
    return "query Large(\n  $n: Int\n) { u: users(first: $n) { edges { cursor } } " + body


def _code(body: Any) -> str:
    if isinstance(body, list):
        return ",".join(sorted({_code(item) for item in body}))
    errors = body.get("errors") or []
    if not errors:
        return "-"
    return str((errors[0].get("extensions") or {}).get("code"))


def in_process(names: list[str], repeat: int) -> None:
    print(
        f"{'case':34} {'chars':>9} {'parse+validate ms':>18} {'request ms':>11}"
        f" {'kind':>14} {'code':>30} {'bytes out':>10}"
    )
    for name in names:
        build, variables = CASES[name]
        query = build()
        validate_ms = parse_validate_ms(query, repeat)
        best: tuple[float, GraphQLResponse, int] | None = None
        for _ in range(repeat):
            measured = run_case(query, variables)
            if best is None or measured[0] < best[0]:
                best = measured
        assert best is not None
        ms, response, size = best
        print(
            f"{name:34} {len(query):>9} {validate_ms:>18.1f} {ms:>11.1f} {response.kind:>14}"
            f" {_code(response.body):>30} {size:>10}"
        )
    good, bad, errors = bad_variables_ms(repeat)
    print(f"cached 32 KB document, valid variables: {good:.1f} ms; invalid: {bad:.1f} ms; {errors}")


# -- over HTTP --------------------------------------------------------------------------


def _free_port() -> int:
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
        if port not in range(4000, 4006) and port != 8088:
            return port


def _cpu_ms(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime + stime
    return ticks * 1000 / os.sysconf("SC_CLK_TCK")


def over_http(router_path: Path, repeat: int) -> None:
    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "router.yaml"
        # No subgraph runs: every URL points at a port nothing listens on (and never at
        # 4001-4005, where a developer's `supergraph dev` may be serving).
        closed = f"http://127.0.0.1:{_free_port()}/graphql"
        subgraphs = "".join(f"  {name}:\n    url: {closed}\n" for name in SUBGRAPHS)
        config.write_text(f"batching:\n  enabled: true\nsubgraphs:\n{subgraphs}")
        env = {**os.environ, "PYTHONPATH": str(router_path)}
        command = [sys.executable, "-m", "supergraph", "serve", "--supergraph", str(SCHEMA)]
        command += ["--config", str(config), "--port", str(port)]
        server = subprocess.Popen(command, env=env, cwd=tmp, stderr=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}"
            with httpx.Client(timeout=120) as client:
                for _ in range(100):
                    try:
                        if client.get(f"{url}/health").status_code == 200:
                            break
                    except httpx.TransportError:
                        time.sleep(0.1)
                _http_cases(client, f"{url}/graphql", server.pid, repeat)
        finally:
            server.terminate()
            server.wait(timeout=30)


def _http_cases(client: httpx.Client, url: str, pid: int, repeat: int) -> None:
    headers = {"accept": "application/json", "content-type": "application/json"}

    def post(body: Any) -> tuple[float, int, bytes]:
        content = orjson.dumps(body)
        before = _cpu_ms(pid)
        response = client.post(url, content=content, headers=headers)
        return _cpu_ms(pid) - before, response.status_code, response.content

    intro = aliased_introspection()
    cases: list[tuple[str, Callable[[int], Any]]] = [
        ("700 aliased __schema (46 KB), fresh", lambda i: {"query": intro + " " * i}),
        (
            "batch of ten of them, fresh",
            lambda i: [{"query": intro + " " * (i * 10 + j)} for j in range(10)],
        ),
        ("standard introspection query", lambda i: {"query": standard_introspection() + " " * i}),
        ("large 32 KB valid operation, fresh", lambda i: {"query": large_operation() + " " * i}),
        (
            "large 32 KB with one __type, fresh",
            lambda i: {"query": large_with_introspection() + " " * i},
        ),
        ("large 32 KB, one name repeated, fresh", lambda i: {"query": large_repeated() + " " * i}),
        ("fragment chain of 200", lambda i: {"query": fragment_chain(200) + " " * i}),
        ("fragment chain of 489", lambda i: {"query": fragment_chain(489) + " " * i}),
    ]
    print(f"{'request':42} {'router CPU ms':>14} {'status':>7} {'bytes out':>10}  code")
    for name, build in cases:
        results = [post(build(i)) for i in range(repeat)]
        ms = sorted(r[0] for r in results)[len(results) // 2]
        _, status, content = results[0]
        print(
            f"{name:42} {ms:>14.0f} {status:>7} {len(content):>10}  {_code(orjson.loads(content))}"
        )
    query = cached_with_variables()
    post({"query": query, "variables": {"n": 1}})  # cached from here on
    for label, value in (("valid", 1), ("invalid", "many")):
        results = [post({"query": query, "variables": {"n": value}}) for _ in range(repeat)]
        ms = sorted(r[0] for r in results)[len(results) // 2]
        _, status, content = results[0]
        print(
            f"{'cached 32 KB, ' + label + ' variables':42} {ms:>14.0f} {status:>7} {len(content):>10}  {content[:160]!r}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", choices=sorted(CASES))
    parser.add_argument("--only", nargs="*", choices=sorted(CASES))
    parser.add_argument("--http", action="store_true")
    parser.add_argument("--router-path", type=Path, default=ROOT)
    args = parser.parse_args(argv)
    if args.http:
        over_http(args.router_path.resolve(), args.repeat)
        return 0
    if args.profile:
        build, variables = CASES[args.profile]
        query = build()
        profile = cProfile.Profile()
        profile.enable()
        run_case(query, variables)
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
        return 0
    in_process(args.only or list(CASES), args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
