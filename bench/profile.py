"""Profile our router under load with py-spy: a flame graph and a hot-spot summary.

    python -m bench.profile [--operation small_join] [--seconds 20] [--concurrency 32] [--native]
        [--gateway ours|ours-compiled|...]
    python -m bench.profile --operation public --callgrind 200

`--operation public` is the public gateway benchmark's query on its four
subgraphs (bench/public.py). `--callgrind N` instead runs the router under
`valgrind --tool=callgrind` with instrumentation off, warms it up, switches it
on for N sequential requests and writes bench/results/callgrind-<operation>.out
and callgrind-<operation>.txt (instructions per request and the top C functions):
instruction counts do not depend on what else the machine runs.

Starts the seeded subgraphs and the stubs (as the benchmark does), our router on
the stub supergraph, sends the operation once (records the stub answers), then
drives it with wrk while `py-spy record` samples the router. Writes
bench/results/profile-<operation>.svg (flame graph) and
bench/results/profile-<operation>.txt (top functions by own and total samples,
from a second, collapsed-stack recording).
"""

from __future__ import annotations

import argparse
import collections
import json
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from bench import procs, public
from bench.gateways import BENCH, GATEWAYS, ROUTER_YAML, VENV_BIN
from bench.operations import OPERATIONS
from bench.run import (
    USER_HEADERS,
    Running,
    log,
    prime_mutation,
    seed,
    start_stubs,
    start_subgraphs,
    write_supergraph,
    wrk,
)


def py_spy() -> str:
    found = shutil.which("py-spy") or str(VENV_BIN / "py-spy")
    if not Path(found).exists():
        sys.exit("bench.profile: py-spy is missing: .venv/bin/pip install py-spy")
    return found


def record(pid: int, seconds: int, out: Path, fmt: str, native: bool = False) -> None:
    argv = [py_spy(), "record", "--pid", str(pid), "--duration", str(seconds)]
    argv += ["--rate", "250", "--format", fmt, "--output", str(out)]
    # C frames too show the garbage collector (gc_collect_main) and orjson, whose
    # time is otherwise charged to whichever Python line allocated; py-spy can
    # only unwind them with the process paused at each sample.
    argv.append("--native" if native else "--nonblocking")
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def under_load(url: str, body: Path, concurrency: int, seconds: float) -> threading.Thread:
    thread = threading.Thread(target=wrk, args=(url, body, concurrency, seconds), daemon=True)
    thread.start()
    return thread


def summarize(collapsed: Path, top: int = 30) -> str:
    """Own and total sample shares per function from py-spy's collapsed stacks."""
    own: collections.Counter[str] = collections.Counter()
    total: collections.Counter[str] = collections.Counter()
    samples = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        samples += count
        frames = [
            f.split(" (")[0] + " (" + f.split(" (")[-1].split(":")[0].rsplit("/", 2)[-1] + ")"
            for f in stack.split(";")
        ]
        own[frames[-1]] += count
        for frame in set(frames):
            total[frame] += count
    lines = [f"{samples} samples", "", f"top {top} by own time:"]
    lines += [f"{100 * n / samples:6.1f}%  {name}" for name, n in own.most_common(top)]
    lines += ["", f"top {top} by total (inclusive) time:"]
    lines += [f"{100 * n / samples:6.1f}%  {name}" for name, n in total.most_common(top)]
    return "\n".join(lines) + "\n"


def setup(key: str, scale: int, workdir: Path) -> tuple[Path, dict[str, object]]:
    """Subgraphs, stubs and the stub supergraph for `key`; the request body."""
    if key == "public":
        stubs = start_stubs(workdir, public.start_subgraphs(workdir))
        return public.write_supergraph(workdir, stubs), dict(public.BODY)
    op = next(o for o in OPERATIONS if o.key == key)
    env = seed(workdir, scale)
    real = start_subgraphs(workdir, env)
    prime_mutation(real)
    stubs = start_stubs(workdir, real)
    return write_supergraph(workdir, "stub", stubs), op.body()


def callgrind(
    supergraph: Path, body: dict[str, object], key: str, requests: int, gateway: str
) -> str:
    """Instructions per request of our router (one process), by callgrind; the summary.
    `gateway`: ours (pure Python) or ours-compiled, as the bench starts them."""
    workdir = supergraph.parent
    config = workdir / "router-callgrind.yaml"
    config.write_text(ROUTER_YAML)
    port = procs.free_port()
    # %p: a child forked by the router (the compute process) stays under valgrind and
    # would overwrite the parent's file with its own, empty, counts when it exits.
    pattern = workdir / "callgrind.%p.out"
    argv = ["valgrind", "--tool=callgrind", "--instr-atstart=no"]
    argv.append(f"--callgrind-out-file={pattern}")
    argv += [str(VENV_BIN / "python"), "-m", "supergraph", "serve", "--supergraph"]
    argv += [str(supergraph), "--config", str(config), "--port", str(port)]
    log_path = workdir / "logs" / "router-callgrind.log"
    process = procs.start(argv, log_path, env=GATEWAYS[gateway].env)
    url = f"http://127.0.0.1:{port}/graphql"
    procs.wait_until(process, url, log_path, post=True, timeout=600)
    for _ in range(20):  # plans cached, heavy entries promoted, lazy imports done
        status, raw = procs.post_json(url, body, USER_HEADERS, timeout=600)
        if status != 200:
            raise RuntimeError(f"{key}: {status} {raw[:300]!r}")
    control = ["callgrind_control", "--instr=on", str(process.pid)]
    subprocess.run(control, check=True, stdout=subprocess.DEVNULL)
    for _ in range(requests):
        procs.post_json(url, body, USER_HEADERS, timeout=600)
    subprocess.run(
        [*control[:1], "--instr=off", *control[2:]], check=True, stdout=subprocess.DEVNULL
    )
    # Dumped now: the router's shutdown may end the process before valgrind writes
    # its counts at exit (the file was left empty).
    dump = [*control[:1], "--dump", *control[2:]]
    subprocess.run(dump, check=True, stdout=subprocess.DEVNULL)
    procs.stop(process, timeout=300)
    out = BENCH / "results" / f"callgrind-{key}.out"
    dumped = sorted(workdir.glob(f"callgrind.{process.pid}.out.*"))
    shutil.copyfile(dumped[0] if dumped else workdir / f"callgrind.{process.pid}.out", out)
    annotated = subprocess.run(
        ["callgrind_annotate", "--inclusive=no", str(out)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    total = _total_ir(annotated)
    head = f"{key} ({gateway}): {requests} requests, {total:,} Ir, {total // requests:,} Ir per request\n\n"
    return head + "\n".join(annotated.splitlines()[:60]) + "\n"


def _total_ir(annotated: str) -> int:
    for line in annotated.splitlines():
        if "PROGRAM TOTALS" in line and line.split()[0] != ".":
            return int(line.split()[0].replace(",", ""))
    raise RuntimeError("callgrind_annotate printed no PROGRAM TOTALS")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--operation", default="small_join")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument(
        "--native", action="store_true", help="sample C frames too (GC, orjson; slower)"
    )
    parser.add_argument("--callgrind", type=int, default=0, metavar="N", help="see above")
    parser.add_argument(
        "--gateway",
        default="ours",
        choices=sorted(k for k in GATEWAYS if k.startswith("ours")),
        help="which of ours to sample (ours-compiled: the build `make compiled` made)",
    )
    args = parser.parse_args(argv)
    key = args.operation
    workdir = BENCH / "results" / "tmp" / ("profile-" + time.strftime("%Y%m%d-%H%M%S"))
    workdir.mkdir(parents=True)
    results = BENCH / "results"
    try:
        supergraph, request = setup(key, args.scale, workdir)
        if args.callgrind:
            text = callgrind(supergraph, request, key, args.callgrind, args.gateway)
            (results / f"callgrind-{key}.txt").write_text(text)
            print(text)
            return 0
        running = Running(GATEWAYS[args.gateway], supergraph, workdir, "profile")
        body = workdir / f"body-{key}.json"
        body.write_text(json.dumps(request))
        status, raw = procs.post_json(running.url, request, USER_HEADERS)
        if status != 200:
            raise RuntimeError(f"{key}: {status} {raw[:300]!r}")
        wrk(running.url, body, args.concurrency, 3)  # warm-up
        svg = results / f"profile-{key}.svg"
        collapsed = workdir / f"profile-{key}.collapsed"
        for out, fmt in ((svg, "flamegraph"), (collapsed, "raw")):
            log(
                f"py-spy ({fmt}) on pid {running.pid} for {args.seconds}s under wrk c={args.concurrency}"
            )
            load = under_load(running.url, body, args.concurrency, args.seconds + 4)
            time.sleep(1)
            record(running.pid, args.seconds, out, fmt, args.native)
            load.join()
        text = summarize(collapsed)
        (results / f"profile-{key}.txt").write_text(text)
        print(text)
        print(f"flame graph: {svg}")
    finally:
        procs.stop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
