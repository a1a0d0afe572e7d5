"""One operation executed in process, no HTTP: CPU or instructions per request.

    python -m bench.inprocess --operation public [--requests 200] [--stages]
    valgrind --tool=callgrind --collect-atstart=no --toggle-collect='sys_call_tracing*' \
        python -m bench.inprocess --operation public --requests 20

`Router.execute` (plan cache hit, every fetch, merging, shaping) and the
response's serialisation with orjson, as the HTTP endpoint does, on answers that
a replaying transport decodes with orjson from bytes on every call (the stubs'
recorded answers, as the HTTP client would). Operations: `public` (the public
gateway benchmark's query on its four subgraphs, bench/public.py) and
`wide_list` (tests/benchmarks/wide_list.py). The measured requests run inside
`sys.call_tracing`, so callgrind (as above) counts their instructions only:
load-independent, so before/after comparisons of a change hold on a busy machine.
`--stages` prints the share of CPU time per stage from cProfile (fetch and
decode, merge, shaping, serialisation).

`--shape-on thread` turns compute jobs on, as a served router has them: a large
answer is shaped on the compute worker thread and handed back to the loop. The
toggle above counts only the loop's thread; to count both, dump around the
measured part instead (the worker's job finishes inside it):
    valgrind --tool=callgrind --dump-before='sys_call_tracing' \
        --dump-after='sys_call_tracing' python -m bench.inprocess ... --shape-on thread
(the second part file holds the measured requests).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
import time
from collections.abc import Sequence
from typing import Any

import orjson

from bench import public
from bench.public_subgraphs import MODULES, SCHEMAS
from supergraph.cli.compose import module_sdl
from supergraph.compose import SubgraphSource, compose
from supergraph.executor.mock_transport import MockTransport
from supergraph.executor.transport import SubgraphRequest
from supergraph.pipeline.options import RouterOptions
from supergraph.pipeline.request import GraphQLRequest
from supergraph.pipeline.response import GraphQLResponse
from supergraph.pipeline.router import Router
from supergraph.schema import load_supergraph
from supergraph.types import JSONObject


class _PublicReplay(MockTransport):
    """The public subgraphs' answers, encoded once per request body, decoded every call."""

    def __init__(self) -> None:
        self._replies: dict[tuple[str, bytes], bytes] = {}
        super().__init__(self._reply)

    def _reply(self, subgraph: str, request: SubgraphRequest) -> JSONObject:
        self.requests.clear()  # MockTransport keeps every request: not over many runs
        key = (subgraph, orjson.dumps(request.to_json()))
        raw = self._replies.get(key)
        if raw is None:
            result = SCHEMAS[subgraph].execute_sync(request.query, dict(request.variables))
            if result.errors:
                raise RuntimeError(f"{subgraph}: {result.errors}")
            raw = self._replies[key] = orjson.dumps({"data": result.data})
        decoded: JSONObject = orjson.loads(raw)
        return decoded


_OPTIONS = RouterOptions(compute_jobs=False)
"""Shaping on this thread (the served router shapes large answers on its compute
worker thread): one thread to count and to profile; `--shape-on thread` as served."""
_SERVED = RouterOptions()


def _public(options: RouterOptions = _OPTIONS) -> tuple[Router, GraphQLRequest]:
    sources = [
        SubgraphSource(name, f"http://127.0.0.1:1/{name}", module_sdl(name, where))
        for name, where in MODULES.items()
    ]
    sdl = compose(sources).supergraph_sdl
    assert sdl is not None
    router = Router(load_supergraph(sdl), _PublicReplay(), options)
    return router, GraphQLRequest(public.QUERY, "TestQuery")


def _wide_list(options: RouterOptions = _OPTIONS) -> tuple[Router, GraphQLRequest]:
    from tests.benchmarks import wide_list  # the test suite's synthetic subgraphs

    schema = load_supergraph(wide_list.SCHEMA.read_text())
    router = Router(schema, wide_list.ReplayTransport(), options)
    return router, GraphQLRequest(wide_list.QUERY, "WideList")


SETUPS = {"public": _public, "wide_list": _wide_list}

STAGES = {
    "execute (plan nodes, fetches, merging)": ("execute.py", "node"),
    "  of which entity representations": ("representations.py", "build"),
    "  of which collecting the entity paths": ("paths.py", "collect_objects"),
    "  of which merging entity answers": ("execute.py", "merge_entities"),
    "  of which the transport (replay + orjson.loads)": ("mock_transport.py", "send"),
    "shaping": ("shaping.py", "shape"),
    "serialise (orjson.dumps of the response)": ("inprocess.py", "_serialise"),
}


def _stages(profile: cProfile.Profile) -> str:
    stats: dict[Any, Any] = getattr(pstats.Stats(profile), "stats")  # noqa: B009 (untyped)
    total = sum(row[2] for row in stats.values())  # cProfile's own clock, its overhead in
    lines = []
    for title, (file_part, function) in STAGES.items():
        cumulative = sum(
            row[3]
            for (filename, _, name), row in stats.items()
            if name == function and filename.endswith(file_part)
        )
        lines.append(f"{100 * cumulative / total:5.1f}%  {title}")
    return "\n".join(lines)


def _serialise(body: object) -> bytes:
    return orjson.dumps(body)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.inprocess", description=__doc__)
    parser.add_argument("--operation", choices=sorted(SETUPS), default="public")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--stages", action="store_true", help="cProfile shares per stage")
    parser.add_argument(
        "--shape-on",
        choices=("loop", "thread"),
        default="loop",
        help="thread: compute jobs on, large answers shaped on the worker thread",
    )
    args = parser.parse_args(argv)
    options = _SERVED if args.shape_on == "thread" else _OPTIONS
    router, request = SETUPS[args.operation](options)
    loop = asyncio.new_event_loop()

    def once() -> bytes:
        response = loop.run_until_complete(router.execute(request))
        assert isinstance(response, GraphQLResponse)
        return _serialise(response.body)

    try:
        for _ in range(20):  # plan cached, answers recorded, shaper collections filled
            body = once()
        if b'"errors"' in body:
            raise RuntimeError(body[:500].decode())
        profile = cProfile.Profile() if args.stages else None

        def measured() -> None:
            if profile is not None:
                profile.enable()
            for _ in range(args.requests):
                once()
            if profile is not None:
                profile.disable()

        started = time.process_time()
        # Through a C function nothing else calls, so that callgrind can count exactly
        # the measured requests: --collect-atstart=no --toggle-collect='sys_call_tracing*'.
        sys.call_tracing(measured, ())
        spent = time.process_time() - started
    finally:
        loop.close()
    print(f"{args.operation}: {len(body)} bytes, {args.requests} requests")
    if args.requests:
        print(f"CPU {1000 * spent / args.requests:.3f} ms per request")
    if profile is not None:
        print(_stages(profile))
    return 0


if __name__ == "__main__":
    sys.exit(main())
