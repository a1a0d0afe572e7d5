"""How `--workers 2` shares the load, and what each process costs per request.

    python -m bench.worker_split [--operations small_join,wide_list]
        [--gateways ours,ours-w2] [--seconds 8] [--rounds 1]

The bench's setup (real subgraphs seeded, stub subgraphs in front, bench/run.py),
then per operation and gateway one wrk run at c=32, reporting: the connections
each worker holds halfway through (`ss`), each worker's CPU seconds (its compile
child included), and the CPU per request of the router, of the stub subgraphs'
process and of wrk, with how busy the whole machine was. The CPU per request
says how many requests two free cores could serve at most with the load
generator and the stubs on them (the "ceiling"), whatever the machine's load.
`--gateways` also takes `ours+nodedup` / `ours-w2+nodedup`
(`traffic_shaping.deduplicate_query: false`).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from bench import gateways as gateway_configs
from bench import procs
from bench import run as bench_run
from bench.gateways import BENCH, GATEWAYS
from bench.operations import OPERATIONS

CONCURRENCY = 32
_VARIANTS = {"nodedup": "traffic_shaping: {deduplicate_query: false}\n"}
_TICK = os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(child) for child in out.split()]


def _connections(port: int, pid: int) -> int:
    out = subprocess.run(
        ["ss", "-tnpH", "state", "established", f"( sport = :{port} )"],
        capture_output=True,
        text=True,
    ).stdout
    return out.count(f"pid={pid},")


def _machine() -> tuple[float, float]:
    """(all CPU seconds, idle ones) since boot, over every core."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(values) / _TICK, (values[3] + values[4]) / _TICK


def _wrk_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _start(key: str, supergraph: Path, workdir: Path) -> bench_run.Running:
    base, _, variant = key.partition("+")
    plain = gateway_configs.ROUTER_YAML
    gateway_configs.ROUTER_YAML = plain + _VARIANTS.get(variant, "")
    try:
        return bench_run.Running(GATEWAYS[base], supergraph, workdir, key.replace("+", "_"))
    finally:
        gateway_configs.ROUTER_YAML = plain


def measure(
    running: bench_run.Running, body: Path, seconds: float, stub_pid: int, workers: bool
) -> dict[str, object]:
    processes = _children(running.pid) if workers else [running.pid]
    for _ in range(2):
        bench_run.wrk(running.url, body, CONCURRENCY, 1)  # warm-up
    before = {pid: procs.cpu_seconds(pid) for pid in processes}
    stub_before, wrk_before, machine_before = procs.cpu_seconds(stub_pid), _wrk_cpu(), _machine()
    held: dict[int, int] = {}

    def sample() -> None:
        time.sleep(seconds / 2)
        held.update({pid: _connections(running.port, pid) for pid in processes})

    sampler = threading.Thread(target=sample)
    sampler.start()
    result = bench_run.wrk(running.url, body, CONCURRENCY, seconds)
    sampler.join()
    requests = int(str(result["requests"]))
    duration = int(str(result["duration_us"])) / 1e6
    used = {pid: procs.cpu_seconds(pid) - before[pid] for pid in processes}
    machine_after = _machine()
    total = machine_after[0] - machine_before[0]
    busy = total - (machine_after[1] - machine_before[1])
    router_ms = 1000 * sum(used.values()) / requests
    stub_ms = 1000 * (procs.cpu_seconds(stub_pid) - stub_before) / requests
    wrk_ms = 1000 * (_wrk_cpu() - wrk_before) / requests
    return {
        "req_s": round(requests / duration),
        "connections": list(held.values()),
        "cpu_s_per_process": [round(v, 2) for v in used.values()],
        "router_ms": round(router_ms, 3),
        "stub_ms": round(stub_ms, 3),
        "wrk_ms": round(wrk_ms, 3),
        "ceiling_2_cores_req_s": round(2000 / (router_ms + stub_ms + wrk_ms)),
        "machine_busy_pct": round(100 * busy / total),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.worker_split", description=__doc__)
    parser.add_argument("--operations", default="small_join,requires,wide_list")
    parser.add_argument("--gateways", default="ours,ours-w2")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args(argv)
    operations = {op.key: op for op in OPERATIONS}
    workdir = BENCH / "results" / "tmp" / time.strftime("%Y%m%d-%H%M%S-split")
    (workdir / "logs").mkdir(parents=True)
    print(f"uptime: {Path('/proc/loadavg').read_text().strip()}", flush=True)
    try:
        real = bench_run.start_subgraphs(workdir, bench_run.seed(workdir, 10))
        bench_run.prime_mutation(real)
        stubs = bench_run.start_stubs(workdir, real)
        stub_pid = procs.STARTED[-1].pid
        supergraph = bench_run.write_supergraph(workdir, "stub", stubs)
        for round_number in range(args.rounds):
            for name in args.operations.split(","):
                operation = operations[name]
                body = workdir / f"{name}.json"
                body.write_text(json.dumps(operation.body()))
                for key in args.gateways.split(","):
                    running = _start(key, supergraph, workdir)
                    try:
                        row = measure(running, body, args.seconds, stub_pid, "-w2" in key)
                    finally:
                        running.stop()
                    row = {"round": round_number, "operation": name, "gateway": key, **row}
                    print(json.dumps(row), flush=True)
    finally:
        procs.stop_all()
    print(f"uptime: {Path('/proc/loadavg').read_text().strip()}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
