"""Side-by-side benchmark: our router against @apollo/gateway and @graphql-hive/gateway.

    python -m bench [--quick] [--backends stub,real] [--gateways ours,ours-w2,apollo,hive,hive-rust]
                    [--concurrency 1,32] [--duration 8] [--warmup 2] [--rounds 2]

One run, on 127.0.0.1 only:
1. seeds the five bundled subgraphs (SQLite, `--scale`) and serves them;
2. starts the stub subgraphs (bench/stub.py) in front of them;
3. per backend (`stub`: the router is the bottleneck; `real`: our Python
   subgraphs), writes the supergraph with that backend's URLs, then
   - check: starts each gateway in turn, sends every operation, and requires
     identical JSON from all gateways; counts subgraph requests and SQL
     statements per operation;
   - subgraph path (stub backend, c=1): our router's subgraph requests are
     recorded, then replayed straight to the stubs each round, to report router
     overhead = c=1 p50 minus the slowest subgraph path (bench/overhead.py);
   - rounds: gateways interleaved (A B C, A B C, ...), each started fresh, each
     cell = wrk warm-up, then a measured wrk run with the router's CPU time
     read from /proc before and after;
4. prints a table and writes JSON under bench/results/.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench import callers, grafbase, overhead, procs
from bench.gateways import BENCH, GATEWAYS, NODE, ROOT, VENV_BIN, Gateway
from bench.operations import (
    CALLERS,
    DEEP_CHAIN,
    MUTATION,
    OPERATIONS,
    USER,
    VARIANTS,
    VARIED_SCALE,
    Request,
)
from bench.overhead import OperationPath
from bench.report import render_table
from subgraphs._common.seeding import Scale

SUBGRAPHS = ("accounts", "products", "reviews", "inventory", "orders")
# ours-w2 is reported as scaling against ours, the others as peers (bench/README.md)
FULL_GATEWAYS = "ours,ours-w2,apollo,hive,hive-rust,grafbase"
QUICK_GATEWAYS = "ours,apollo,hive"
USER_HEADERS = {"x-user-id": USER}


@dataclass
class Settings:
    backends: list[str]
    gateways: list[str]
    concurrency: list[int]
    operations: list[str]
    duration: float
    warmup: float
    rounds: int
    scale: int
    count_repeats: int = 3
    mode: str = "full"
    variation: str = "same"
    """same: wrk sends one body; varied: each operation's variants in turn (operations.py)."""


@dataclass
class Cell:
    backend: str
    gateway: str
    operation: str
    concurrency: int
    round: int
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_s_per_1k: float
    stub_misses: int = 0


@dataclass
class Run:
    settings: Settings
    workdir: Path
    started: float = field(default_factory=time.time)
    cells: list[Cell] = field(default_factory=list)
    rss_mb: dict[str, dict[str, float]] = field(default_factory=dict)
    counts: dict[str, dict[str, dict[str, dict[str, float]]]] = field(default_factory=dict)
    mismatches: list[str] = field(default_factory=list)
    paths: dict[str, OperationPath] = field(default_factory=dict)  # stub backend, by operation
    variants: dict[str, object] = field(default_factory=dict)
    """--variation varied: what the variants share (per operation), for the JSON."""


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- environment -----------------------------------------------------------------------------


def check_tools(gateways: Sequence[str]) -> None:
    missing = []
    if shutil.which("wrk") is None:
        missing.append("wrk")
    if (
        any(not GATEWAYS[g].ours for g in gateways)
        and not (NODE / "node_modules" / "@apollo").is_dir()
    ):
        missing.append("bench/node/node_modules")
    runtime = NODE / "node_modules" / "@graphql-hive" / "router-runtime"
    if "hive-rust" in gateways and not runtime.is_dir():
        missing.append("@graphql-hive/router-runtime in bench/node")
    if "grafbase" in gateways and not grafbase.BINARY.is_file():
        missing.append("@grafbase/cli-x86_64-unknown-linux-musl in bench/node (x86_64 Linux only)")
    if missing:
        sys.exit(f"bench: missing {', '.join(missing)}: run bench/ensure-tools.sh first")


def seed(workdir: Path, scale: int) -> dict[str, str]:
    env = {"SUBGRAPHS_DATA_DIR": str(workdir / "data")}
    env.pop("DATABASE_URL", None)
    log(f"seeding the subgraphs at scale {scale}")
    subprocess.run(
        [str(VENV_BIN / "subgraphs"), "seed", "--scale", str(scale)],
        check=True,
        env={k: v for k, v in {**os.environ, **env}.items() if k != "DATABASE_URL"},
        stdout=subprocess.DEVNULL,
    )
    return env


def start_subgraphs(workdir: Path, env: dict[str, str]) -> dict[str, int]:
    ports = {name: procs.free_port() for name in SUBGRAPHS}
    started = []
    for name, port in ports.items():
        log_path = workdir / "logs" / f"subgraph-{name}.log"
        argv = [str(VENV_BIN / "subgraphs"), "serve", name, "--port", str(port)]
        started.append((procs.start(argv, log_path, env=env), port, log_path))
    for process, port, log_path in started:
        procs.wait_until(process, f"http://127.0.0.1:{port}/health", log_path, post=False)
    log(f"real subgraphs up: {ports}")
    return ports


def prime_mutation(real: dict[str, int]) -> None:
    """Place the benchmark's order once, so every gateway (and every other operation,
    e.g. the caller's orders in deep_chain) sees the same data: later runs replay it."""
    mutation = "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }"
    status, raw = procs.post_json(
        f"http://127.0.0.1:{real['orders']}/graphql",
        {"query": mutation, "variables": MUTATION.variables},
        USER_HEADERS,
    )
    if status != 200 or b'"errors"' in raw:
        raise RuntimeError(f"placing the benchmark order failed: {status} {raw[:300]!r}")


def start_stubs(workdir: Path, real: dict[str, int]) -> dict[str, int]:
    """One stub port in front of each subgraph of `real` (name -> port)."""
    ports = {name: procs.free_port() for name in real}
    argv = [str(VENV_BIN / "python"), "-m", "bench.stub"]
    for name, port in ports.items():
        argv += ["--listen", f"{name}={port}=http://127.0.0.1:{real[name]}/graphql"]
    log_path = workdir / "logs" / "stubs.log"
    process = procs.start(argv, log_path, cwd=ROOT)
    first = next(iter(ports.values()))
    procs.wait_until(process, f"http://127.0.0.1:{first}/health", log_path, post=False)
    log(f"stub subgraphs up: {ports}")
    return ports


def write_supergraph(workdir: Path, backend: str, ports: dict[str, int]) -> Path:
    """schema.graphql with each `@join__graph(name: ..., url: ...)` pointing at `ports`."""
    sdl = (ROOT / "schema.graphql").read_text()

    def url(match: re.Match[str]) -> str:
        name = match.group(1)
        return f'@join__graph(name: "{name}", url: "http://127.0.0.1:{ports[name]}/graphql")'

    sdl = re.sub(r'@join__graph\(name: "(\w+)", url: "[^"]*"\)', url, sdl)
    sdl = without_security(sdl)
    path = workdir / f"supergraph-{backend}.graphql"
    path.write_text(sdl)
    return path


SECURITY_SPECS = ("authenticated", "requiresScopes", "policy")


def without_security(sdl: str) -> str:
    """The supergraph without `for: SECURITY` features (@authenticated, ...).

    Open-source Apollo Gateway refuses supergraphs linking SECURITY features, and
    no benchmark operation selects a guarded field; every gateway gets this SDL.
    """
    names = "|".join(SECURITY_SPECS)
    lines = []
    for line in sdl.splitlines():
        if re.search(rf'@link\(url: "https://specs.apollo.dev/({names})/', line):
            continue
        if re.match(rf"\s*directive @({names})\b", line):
            continue
        if re.match(rf"\s*scalar ({names})__", line):
            continue
        lines.append(re.sub(rf" @({names})\b(\([^)]*\))?", "", line))
    return "\n".join(lines) + "\n"


# -- gateways ----------------------------------------------------------------------------


class Running:
    def __init__(
        self,
        gateway: Gateway,
        supergraph: Path,
        workdir: Path,
        tag: str,
        modules: Mapping[str, str] | None = None,
    ) -> None:
        self.gateway = gateway
        self.port = procs.free_port()
        self.url = f"http://127.0.0.1:{self.port}/graphql"
        self.log = workdir / "logs" / f"gateway-{gateway.key}-{tag}.log"
        argv = gateway.argv(supergraph, self.port, workdir, modules)
        self.process = procs.start(argv, self.log, env=gateway.env, cwd=gateway.cwd)
        procs.wait_until(self.process, self.url, self.log, post=True)

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> float:
        rss = procs.peak_rss_mb(self.pid)
        procs.stop(self.process)
        return rss


def canonical(raw: bytes) -> str:
    """The response as compact JSON text, key order kept (field order is part of GraphQL).

    Numbers compare by value: Node prints the float 3.0 as `3`, Python as `3.0`.
    """
    try:
        value = json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")
    return json.dumps(_integral(value), separators=(",", ":"), ensure_ascii=False)


def _integral(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _integral(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_integral(item) for item in value]
    return value


def sum_metric(url: str, metric: str) -> dict[str, float]:
    return procs.scrape(url, metric)


def check_and_count(
    run: Run,
    backend: str,
    supergraph: Path,
    ports: dict[str, int],
    real: dict[str, int],
    *,
    keep: bool = False,
) -> dict[str, Running]:
    """Every operation through every gateway: identical JSON, and the cost of each.

    With `keep`, the gateways are left running and returned (quick mode measures in
    them instead of starting each one again: Hive alone takes about 10 s to start).
    """
    kept: dict[str, Running] = {}
    answers: dict[str, dict[str, str]] = {}
    counts = run.counts.setdefault(backend, {})
    ops = [op for op in OPERATIONS if op.key in run.settings.operations]
    for key in run.settings.gateways:
        gateway = GATEWAYS[key]
        running = Running(gateway, supergraph, run.workdir, f"{backend}-check")
        try:
            for op in ops:
                requests = op.requests(run.settings.variation)
                post(running.url, requests[0])  # records, warms caches
                # Every variant once (varied): the stubs record each, the answers are compared.
                for index, request in enumerate(requests):
                    status, raw = post(running.url, request)
                    answer = f"{status} {canonical(raw)}"
                    answers.setdefault(variant_name(op.key, index), {})[key] = answer
                counts.setdefault(op.key, {})[key] = count_one(
                    run, running, requests, backend, ports, real
                )
        finally:
            if keep and running.process.poll() is None:
                kept[key] = running
            else:
                running.stop()
    reference_key = run.settings.gateways[0]
    for op in ops:
        variants = len(op.requests(run.settings.variation))
        same_size(
            run,
            backend,
            op.key,
            [answers[variant_name(op.key, i)][reference_key] for i in range(variants)],
        )
    for name, by_gateway in answers.items():
        reference = by_gateway[reference_key]
        if not reference.startswith("200 ") or '"errors"' in reference:
            run.mismatches.append(f"{backend}/{name}: {reference_key} answered {reference[:300]}")
        for key, answer in by_gateway.items():
            if answer != reference:
                at = next(
                    (i for i, (a, b) in enumerate(zip(reference, answer, strict=False)) if a != b),
                    min(len(reference), len(answer)),
                )
                start = max(0, at - 120)
                run.mismatches.append(
                    f"{backend}/{name}: {key} differs from {reference_key} at character {at}:\n"
                    f"  {reference_key}: ...{reference[start : at + 120]}\n"
                    f"  {key}: ...{answer[start : at + 120]}"
                )
    (run.workdir / f"answers-{backend}.json").write_text(json.dumps(answers, indent=1))
    return kept


def post(url: str, request: Request) -> tuple[int, bytes]:
    return procs.post_json(url, request.body, {"x-user-id": request.user})


def variant_name(key: str, index: int) -> str:
    """The check phase's name of an operation's variant: the key itself for the first."""
    return f"{key}#{index}" if index else key


def list_sizes(answer: str) -> dict[str, int]:
    """How many values each path of a checked answer holds (list indices dropped).

    Equal for two answers: the same list sizes everywhere, so the same entities to
    fetch at every step, whatever the keys and values.
    """
    sizes: dict[str, int] = {}

    def walk(value: object, path: str) -> None:
        if isinstance(value, list):
            for item in value:
                walk(item, path)
            return
        sizes[path] = sizes.get(path, 0) + 1
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}.{key}")

    _, _, text = answer.partition(" ")
    with contextlib.suppress(ValueError):  # not JSON: compared as text elsewhere
        walk(json.loads(text), "")
    return sizes


def same_size(run: Run, backend: str, key: str, answers: Sequence[str]) -> None:
    """Every variant of `key` must answer with the list sizes of the first (--variation varied)."""
    first = list_sizes(answers[0])
    for index, answer in enumerate(answers[1:], 1):
        sizes = list_sizes(answer)
        if sizes != first:
            path = next(
                p for p in sorted(first.keys() | sizes.keys()) if first.get(p) != sizes.get(p)
            )
            run.mismatches.append(
                f"{backend}/{key}#{index}: not the size of variant 0: {path or 'answer'} holds"
                f" {sizes.get(path, 0)} values, not {first.get(path, 0)}"
            )


def count_one(
    run: Run,
    running: Running,
    requests: Sequence[Request],
    backend: str,
    ports: dict[str, int],
    real: dict[str, int],
) -> dict[str, float]:
    """Subgraph requests (stub counters, or our router's metric) and SQL statements per op."""
    repeats = run.settings.count_repeats

    def snapshot() -> dict[str, float]:
        values: dict[str, float] = {}
        if backend == "stub":
            first = next(iter(ports.values()))
            stub = sum_metric(f"http://127.0.0.1:{first}/metrics", "stub_requests_total")
            values["subgraph_requests"] = sum(stub.values())
        sql = 0.0
        for name in SUBGRAPHS:
            url = f"http://127.0.0.1:{real[name]}/metrics"
            sql += sum(sum_metric(url, "subgraph_sql_statements_total").values())
        values["sql_statements"] = sql
        if running.gateway.ours:
            metrics_url = running.url.replace("/graphql", "/metrics")
            routed = sum_metric(metrics_url, "router_subgraph_requests_total")
            values["router_subgraph_requests"] = sum(routed.values())
        return values

    before = snapshot()
    for index in range(repeats):  # several variants when varied: each records its own work
        post(running.url, requests[index % len(requests)])
    after = snapshot()
    return {name: (after[name] - before[name]) / repeats for name in after}


def record_paths(run: Run, supergraph: Path, ports: dict[str, int]) -> None:
    """Our router's subgraph requests per operation (through a recording proxy) and its plan."""
    upstreams = {name: f"http://127.0.0.1:{port}/graphql" for name, port in ports.items()}
    with overhead.recording(upstreams) as (proxies, recorded):
        proxied = write_supergraph(run.workdir, "stub-recorded", proxies)
        running = Running(GATEWAYS["ours"], proxied, run.workdir, "stub-record")
        try:
            for op in OPERATIONS:
                if op.key not in run.settings.operations:
                    continue
                # The first variant: the same work as every request wrk sends.
                request = op.requests(run.settings.variation)[0]
                post(running.url, request)  # plans, warms caches
                recorded.clear()
                status, raw = post(running.url, request)
                if status != 200 or b'"errors"' in raw:
                    raise RuntimeError(f"recording {op.key}: {status} {raw[:300]!r}")
                query = str(request.body["query"])
                plan = overhead.plan_json(VENV_BIN / "supergraph", supergraph, query, run.workdir)
                run.paths[op.key] = OperationPath(op.key, plan, list(recorded))
                run.paths[op.key].request_p50_ms = [[] for _ in recorded]
        finally:
            running.stop()


def measure_paths(run: Run, ports: dict[str, int], seconds: float) -> None:
    """Each recorded subgraph request replayed straight to its stub at c=1 (one round)."""
    for path in run.paths.values():
        for index, request in enumerate(path.requests):
            body_file = run.workdir / "body-overhead.json"
            body_file.write_bytes(request.body)
            url = f"http://127.0.0.1:{ports[request.subgraph]}/graphql"
            misses = stub_misses("stub", ports)
            result = wrk(url, body_file, 1, seconds)
            if stub_misses("stub", ports) != misses:
                raise RuntimeError(f"replaying {path.operation} to {request.subgraph}: stub miss")
            latency = result["latency_us"]
            assert isinstance(latency, dict)
            path.request_p50_ms[index].append(latency["p50"] / 1000)
        log(f"stub subgraph path {path.operation:13} {path.summary()['path_p50_ms']} ms p50")


# -- load ----------------------------------------------------------------------------------


def wrk(
    url: str,
    body_file: Path,
    concurrency: int,
    seconds: float,
    *,
    each_line: bool = False,
    users_file: Path | None = None,
) -> dict[str, object]:
    """`each_line`: `body_file` holds one body per line, sent in turn (--variation varied);
    `users_file` then the x-user-id of each line (else 1)."""
    argv = [
        "wrk",
        "-t1",
        f"-c{concurrency}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(BENCH / "wrk" / "post.lua"),
        url,
    ]
    env = {**os.environ, "BENCH_BODIES" if each_line else "BENCH_BODY": str(body_file)}
    env.pop("BENCH_USERS", None)
    if users_file is not None:
        env["BENCH_USERS"] = str(users_file)
    out = subprocess.run(argv, env=env, capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        if line.startswith("BENCH_RESULT "):
            result: dict[str, object] = json.loads(line.removeprefix("BENCH_RESULT "))
            return result
    raise RuntimeError(f"wrk printed no result:\n{out}")


def stub_misses(backend: str, ports: dict[str, int]) -> float:
    if backend != "stub":
        return 0.0
    first = next(iter(ports.values()))
    return sum(sum_metric(f"http://127.0.0.1:{first}/metrics", "stub_misses_total").values())


def measure_gateway(
    run: Run,
    backend: str,
    gateway: Gateway,
    supergraph: Path,
    ports: dict[str, int],
    rnd: int,
    running: Running | None = None,
) -> None:
    """Every operation and concurrency in a fresh `gateway` process (or in `running`)."""
    settings = run.settings
    running = running or Running(gateway, supergraph, run.workdir, f"{backend}-r{rnd}")
    try:
        for op in OPERATIONS:
            if op.key not in settings.operations:
                continue
            requests = op.requests(settings.variation)
            body_file, users_file = write_requests(
                run.workdir, op.key, settings.variation, requests
            )
            lines = len(requests) > 1
            for concurrency in settings.concurrency:
                if settings.warmup > 0:
                    wrk(
                        running.url,
                        body_file,
                        concurrency,
                        settings.warmup,
                        each_line=lines,
                        users_file=users_file,
                    )
                procs.settle(running.pid)
                misses = stub_misses(backend, ports)
                cpu = procs.cpu_seconds(running.pid)
                result = wrk(
                    running.url,
                    body_file,
                    concurrency,
                    settings.duration,
                    each_line=lines,
                    users_file=users_file,
                )
                cpu = procs.cpu_seconds(running.pid) - cpu
                procs.settle(running.pid)
                run.cells.append(cell(backend, gateway.key, op.key, concurrency, rnd, result, cpu))
                run.cells[-1].stub_misses = int(stub_misses(backend, ports) - misses)
                last = run.cells[-1]
                log(
                    f"{backend} r{rnd} {gateway.key:7} {op.key:13} c={concurrency:<3}"
                    f"{last.rps:9.1f} req/s p50 {last.p50_ms:7.2f} ms p99 {last.p99_ms:7.2f} ms"
                    f" cpu {last.cpu_s_per_1k:6.2f} s/1k"
                    + (f" ERRORS {last.errors}" if last.errors else "")
                )
    finally:
        rss = running.stop()
        previous = run.rss_mb.setdefault(backend, {}).get(gateway.key, 0.0)
        run.rss_mb[backend][gateway.key] = max(previous, rss)


def write_requests(
    workdir: Path, key: str, variation: str, requests: Sequence[Request]
) -> tuple[Path, Path | None]:
    """wrk's input: one body per line, and the callers' x-user-id per line when not all USER."""
    body_file = workdir / f"body-{key}-{variation}.jsonl"
    body_file.write_text("\n".join(json.dumps(request.body) for request in requests) + "\n")
    if all(request.user == USER for request in requests):
        return body_file, None
    users_file = workdir / f"users-{key}-{variation}.txt"
    users_file.write_text("".join(f"{request.user}\n" for request in requests))
    return body_file, users_file


def cell(
    backend: str,
    gateway: str,
    operation: str,
    concurrency: int,
    rnd: int,
    result: dict[str, object],
    cpu: float,
) -> Cell:
    requests = int(str(result["requests"]))
    seconds = int(str(result["duration_us"])) / 1e6
    latency = result["latency_us"]
    errors = result["errors"]
    assert isinstance(latency, dict) and isinstance(errors, dict)
    return Cell(
        backend=backend,
        gateway=gateway,
        operation=operation,
        concurrency=concurrency,
        round=rnd,
        requests=requests,
        seconds=seconds,
        rps=requests / seconds if seconds else 0.0,
        p50_ms=latency["p50"] / 1000,
        p99_ms=latency["p99"] / 1000,
        errors=sum(int(v) for v in errors.values()),
        cpu_s_per_1k=cpu / requests * 1000 if requests else 0.0,
    )


# -- main ----------------------------------------------------------------------------------


def summarize(run: Run) -> dict[str, object]:
    rows = []
    order = [o.key for o in OPERATIONS]
    keys = sorted(
        {(c.backend, c.concurrency, c.operation, c.gateway) for c in run.cells},
        key=lambda k: (k[0], k[1], order.index(k[2]), run.settings.gateways.index(k[3])),
    )
    for backend, concurrency, operation, gateway in keys:
        cells = [
            c
            for c in run.cells
            if (c.backend, c.concurrency, c.operation, c.gateway)
            == (backend, concurrency, operation, gateway)
        ]
        rows.append(
            {
                "backend": backend,
                "concurrency": concurrency,
                "operation": operation,
                "gateway": gateway,
                "rounds": len(cells),
                "rps": round(statistics.median(c.rps for c in cells), 1),
                "p50_ms": round(statistics.median(c.p50_ms for c in cells), 2),
                "p99_ms": round(statistics.median(c.p99_ms for c in cells), 2),
                "cpu_s_per_1k": round(statistics.median(c.cpu_s_per_1k for c in cells), 3),
                "errors": sum(c.errors for c in cells),
                "stub_misses": sum(c.stub_misses for c in cells),
            }
        )
    for row in rows:
        if str(row["gateway"]).startswith("ours"):
            continue  # ours-w2 against ours is the scaling table, not a peer ratio
        ours = next(
            (
                r
                for r in rows
                if r["gateway"] == "ours"
                and (r["backend"], r["concurrency"], r["operation"])
                == (row["backend"], row["concurrency"], row["operation"])
            ),
            None,
        )
        if ours is not None and isinstance(row["rps"], float) and row["rps"]:
            assert isinstance(ours["rps"], float)
            row["ours_over_this_rps"] = round(ours["rps"] / row["rps"], 2)
    counts = run.counts.get("stub", {})
    return {
        "settings": run.settings.__dict__,
        "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(run.started)),
        "seconds": round(time.time() - run.started, 1),
        "machine": {"cpus": os.cpu_count(), "node": node_version()},
        "mismatches": run.mismatches,
        "peak_rss_mb": run.rss_mb,
        "counts_per_operation": run.counts,
        "variants": run.variants,
        "rows": rows,
        "scaling_workers": scaling(rows),
        "overhead_c1": {
            "paths": {key: path.summary() for key, path in run.paths.items()},
            "rows": overhead.overhead_rows(
                {key: path.summary() for key, path in run.paths.items()}, rows, counts
            ),
        },
    }


def scaling(rows: Sequence[dict[str, object]]) -> list[dict[str, object]]:
    """ours --workers 2 against ours (one worker), per cell: the issue reports it apart."""
    out: list[dict[str, object]] = []
    by_cell = {(r["backend"], r["concurrency"], r["operation"], r["gateway"]): r for r in rows}
    for (backend, concurrency, operation, gateway), two in by_cell.items():
        one = by_cell.get((backend, concurrency, operation, "ours"))
        if gateway != "ours-w2" or one is None:
            continue
        rps_one, rps_two = one["rps"], two["rps"]
        assert isinstance(rps_one, float) and isinstance(rps_two, float)
        out.append(
            {
                "backend": backend,
                "concurrency": concurrency,
                "operation": operation,
                "ours_rps": rps_one,
                "ours_w2_rps": rps_two,
                "w2_over_ours_rps": round(rps_two / rps_one, 2) if rps_one else None,
                "ours_cpu_s_per_1k": one["cpu_s_per_1k"],
                "ours_w2_cpu_s_per_1k": two["cpu_s_per_1k"],
                "ours_p50_ms": one["p50_ms"],
                "ours_w2_p50_ms": two["p50_ms"],
            }
        )
    return out


def node_version() -> str:
    try:
        return subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "missing"


def parse_args(argv: Sequence[str] | None) -> Settings:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="smoke test, under 2 minutes")
    parser.add_argument("--backends", help="stub,real (quick: stub)")
    parser.add_argument(
        "--gateways",
        help=f"{FULL_GATEWAYS} (quick: {QUICK_GATEWAYS}; known: {', '.join(GATEWAYS)})",
    )
    parser.add_argument("--concurrency", help="1,32 (quick: 32)")
    parser.add_argument("--operations", default=",".join(op.key for op in OPERATIONS))
    parser.add_argument("--duration", type=float, help="measured seconds per cell (8; quick 2)")
    parser.add_argument("--warmup", type=float, help="warm-up seconds per cell (2; quick 1)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (2; quick 1)")
    parser.add_argument(
        "--scale", type=int, help=f"seed scale (10; --variation varied: {VARIED_SCALE})"
    )
    parser.add_argument(
        "--variation",
        choices=("same", "varied"),
        default="same",
        help=f"same: one body per operation; varied: {VARIANTS} requests in turn (another"
        " page or caller each, the same work), so identical subgraph requests rarely"
        " overlap (bench/README.md)",
    )
    args = parser.parse_args(argv)
    quick = args.quick

    def listed(value: str | None, default: str) -> list[str]:
        return [part.strip() for part in (value or default).split(",") if part.strip()]

    settings = Settings(
        backends=listed(args.backends, "stub" if quick else "stub,real"),
        gateways=listed(args.gateways, QUICK_GATEWAYS if quick else FULL_GATEWAYS),
        concurrency=[int(c) for c in listed(args.concurrency, "32" if quick else "1,32")],
        operations=listed(args.operations, ""),
        duration=args.duration or (2.0 if quick else 8.0),
        warmup=args.warmup if args.warmup is not None else (1.0 if quick else 2.0),
        rounds=args.rounds or (1 if quick else 2),
        scale=args.scale or (VARIED_SCALE if args.variation == "varied" else 10),
        mode="quick" if quick else "full",
        variation=args.variation,
    )
    for key in settings.gateways:
        if key not in GATEWAYS:
            parser.error(f"unknown gateway {key!r} (known: {', '.join(GATEWAYS)})")
    known = {op.key for op in OPERATIONS}
    for key in settings.operations:
        if key not in known:
            parser.error(f"unknown operation {key!r} (known: {', '.join(sorted(known))})")
    for op in OPERATIONS if settings.variation == "varied" else ():
        varied = op.varied
        if op.key in settings.operations and varied and settings.scale < varied.min_scale:
            parser.error(
                f"--variation varied: {op.key} needs --scale {varied.min_scale} or more"
                f" for {VARIANTS} variants of one size"
            )
    return settings


def main(argv: Sequence[str] | None = None) -> int:
    settings = parse_args(argv)
    check_tools(settings.gateways)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    workdir = BENCH / "results" / "tmp" / stamp
    workdir.mkdir(parents=True)
    run = Run(settings, workdir)
    try:
        env = seed(workdir, settings.scale)
        real = start_subgraphs(workdir, env)
        prime_mutation(real)
        if settings.variation == "varied" and DEEP_CHAIN.key in settings.operations:
            # Its callers' newest orders, so that every caller's chain is the same size.
            size = callers.place_orders(real, CALLERS, Scale(settings.scale).products)
            run.variants[DEEP_CHAIN.key] = {"callers": list(CALLERS), "size": size}
            log(f"deep_chain callers {CALLERS[0]}..{CALLERS[-1]}: {callers.describe(size)}")
        stubs = start_stubs(workdir, real) if "stub" in settings.backends else {}
        for backend in settings.backends:
            ports = stubs if backend == "stub" else real
            supergraph = write_supergraph(workdir, backend, ports)
            log(f"{backend}: checking identical answers and counting subgraph/SQL work")
            kept = check_and_count(
                run, backend, supergraph, ports, real, keep=settings.mode == "quick"
            )
            for problem in run.mismatches:
                log(f"MISMATCH {problem}")
            overhead_wanted = backend == "stub" and 1 in settings.concurrency
            if overhead_wanted:
                record_paths(run, supergraph, ports)
            for rnd in range(1, settings.rounds + 1):
                if overhead_wanted:
                    measure_paths(run, ports, min(settings.duration, 2.0))
                for key in settings.gateways:
                    reuse = kept.pop(key, None)
                    measure_gateway(run, backend, GATEWAYS[key], supergraph, ports, rnd, reuse)
    except KeyboardInterrupt:
        log("interrupted; reporting what was measured")
    finally:
        procs.stop_all()
    summary = summarize(run)
    varied = "-varied" if settings.variation == "varied" else ""
    out = BENCH / "results" / f"{stamp}-{settings.mode}{varied}.json"
    out.write_text(json.dumps(summary, indent=1) + "\n")
    print(render_table(summary))
    print(f"\nJSON: {out.relative_to(ROOT)}  (logs and answers: {workdir.relative_to(ROOT)})")
    return 1 if run.mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
