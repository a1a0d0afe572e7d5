"""Hostile clients: a normal client's latency while abusive clients run (issue 12).

    python -m bench.hostile [--rev 9e31a92 --rev main] [--scenarios ...] [--backend stub|real]
    python -m bench.hostile --why [--rev ...] [--items ...] [--loris-seconds 60]

Load mode: per scenario and revision (interleaved), a fresh `supergraph serve`
(default router.yaml; batching on for `batch_introspection`) over the stub
subgraphs; the normal client (bench/hostile_load.py, its own process) sends the
simple one-subgraph query at a steady rate, first alone (idle), then while
`--clients` abusive clients (another process) replay the scenario's requests.
Reported per scenario: the normal client's p50/p99 idle and under abuse and
their ratio (goal: p99 within 2x), its errors, the router's CPU seconds and
RSS, what the abusive requests got, and the CPU the two client processes used.

Why mode (bench/hostile_why.py): each measured bullet of the issue's "Why" on
each revision, as a table.

Tables go to stdout, JSON to bench/results/<stamp>-hostile[-why].json, logs to
bench/results/tmp/<stamp>/.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench import hostile_payloads as payloads
from bench import procs
from bench.gateways import BENCH, ROOT
from bench.hostile_env import BACKENDS, Environment
from bench.hostile_load import SCENARIOS
from bench.hostile_routers import Revision, Router
from bench.hostile_why import ITEMS, SEARCH_RULE, Measures, WhySettings
from bench.run import log

SCENARIO_TITLES = {
    "benign": "control: the simple query itself, at the abusers' rate",
    "introspection": "700-alias __schema introspection (46 KB)",
    "large_operations": "fresh 32 KB operations (3,300 fields)",
    "invalid_variables": "cached 32 KB document, invalid variables",
    "slow_loris": "slow loris (connections trickling headers or bodies)",
    "huge_headers": "huge headers",
    "cache_flood": "distinct operations with 1.5 MB strings",
    "batch_introspection": "batches of 10 introspection requests (batching on)",
}
BATCHING = "batching:\n  enabled: true\n"


@dataclass
class LoadSettings:
    scenarios: list[str] = field(default_factory=lambda: list(SCENARIOS))
    backend: str = "stub"
    rounds: int = 1
    idle_seconds: float = 5.0
    abuse_seconds: float = 10.0
    clients: int = 4
    normal_rate: float = 100.0
    normal_timeout: float = 20.0
    abuse_rate: float = 10.0
    """Requests per second per abusive client (0: the next as soon as one is answered)."""
    request_timeout: float = 120.0
    loris_connections: int = 250
    loris_interval: float = 2.0
    header_bytes: int = 16 * 2**20
    flood_operations: int = 150
    max_rss_mb: float = 4000.0
    settle_limit: float = 20.0


# -- load processes ------------------------------------------------------------------------


def _load_process(args: Sequence[str], log_path: Path) -> subprocess.Popen[bytes]:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.hostile_load", *args],
            stdout=subprocess.PIPE,
            stderr=err,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            cwd=ROOT,
        )
    procs.STARTED.append(process)
    return process


def _wait_started(process: subprocess.Popen[bytes], log_path: Path) -> None:
    assert process.stdout is not None
    while True:
        line = process.stdout.readline()
        if not line:
            tail = log_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{process.args!r} exited before starting:\n{tail}")
        if line.strip() == b"STARTED":
            return


def _result(process: subprocess.Popen[bytes], timeout: float) -> dict[str, object] | None:
    """The process's RESULT line; None when it was stopped (or died) before printing one."""
    try:
        out, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        procs.stop(process)
        return None
    finally:
        if process in procs.STARTED:
            procs.STARTED.remove(process)
    for line in out.decode(errors="replace").splitlines():
        if line.startswith("RESULT "):
            result: dict[str, object] = json.loads(line.removeprefix("RESULT "))
            return result
    return None


def _normal_args(settings: LoadSettings, url: str, seconds: float) -> list[str]:
    args = ["normal", "--url", url, "--seconds", f"{seconds:g}"]
    return [
        *args,
        "--rate",
        f"{settings.normal_rate:g}",
        "--timeout",
        f"{settings.normal_timeout:g}",
    ]


def _normal(settings: LoadSettings, url: str, seconds: float, log_path: Path) -> dict[str, object]:
    process = _load_process(_normal_args(settings, url, seconds), log_path)
    _wait_started(process, log_path)
    result = _result(process, seconds + settings.normal_timeout + 30)
    if result is None:
        raise RuntimeError(f"the normal client printed no result (log: {log_path})")
    return result


def _abuse_args(settings: LoadSettings, scenario: str, url: str) -> list[str]:
    return [
        "abuse",
        scenario,
        "--url",
        url,
        "--seconds",
        f"{settings.abuse_seconds:g}",
        "--clients",
        str(settings.clients),
        "--rate",
        f"{settings.abuse_rate:g}",
        "--request-timeout",
        f"{settings.request_timeout:g}",
        "--loris-connections",
        str(settings.loris_connections),
        "--loris-interval",
        f"{settings.loris_interval:g}",
        "--header-bytes",
        str(settings.header_bytes),
        "--max-operations",
        str(settings.flood_operations),
    ]


# -- one scenario on one revision ------------------------------------------------------------


def measure(
    env: Environment, settings: LoadSettings, revision: Revision, scenario: str, rnd: int
) -> dict[str, object]:
    config = BATCHING if scenario == "batch_introspection" else ""
    tag = f"{scenario}-r{rnd}"
    if scenario == "cache_flood" and settings.backend == "stub":
        env.script([SEARCH_RULE])
    router = env.router(revision, settings.backend, config, tag)
    logs = env.workdir / "logs"
    row: dict[str, object] = {
        "round": rnd,
        "scenario": scenario,
        "rev": revision.label,
        "commit": revision.commit,
        "backend": settings.backend,
    }
    try:
        for _ in range(20):  # the stubs record the query, the router caches it
            procs.post_json(router.url, payloads.NORMAL_BODY)
        procs.settle(router.pid, limit=settings.settle_limit)
        misses = env.stub_misses()
        row["rss_before_mb"] = round(router.rss_mb(), 1)
        row["idle"] = _normal(
            settings, router.url, settings.idle_seconds, logs / f"normal-{tag}.log"
        )
        abuse_log = logs / f"abuse-{tag}.log"
        cpu = router.cpu_seconds()
        abuser = _load_process(_abuse_args(settings, scenario, router.url), abuse_log)
        _wait_started(abuser, abuse_log)
        normal_log = logs / f"normal-{tag}.log"
        args = _normal_args(settings, router.url, settings.abuse_seconds)
        normal = _load_process(args, normal_log)
        _wait_started(normal, normal_log)
        stopped = _watch_rss(router, settings, normal, abuser)
        under = _result(normal, settings.normal_timeout + 30)
        abused = _result(abuser, settings.request_timeout + 30)
        row["router_cpu_s"] = round(router.cpu_seconds() - cpu, 2)
        row["abuse"] = under
        row["abusers"] = abused
        row["stopped"] = stopped
        row["rss_after_mb"] = round(router.rss_mb(), 1)
        row["peak_rss_mb"] = round(router.peak_rss_mb(), 1)
        row["cache_bytes"] = router.cache_bytes()
        row["busy_after_s"] = round(procs.settle(router.pid, limit=settings.settle_limit), 1)
        row["healthy_after"] = _healthy(router)
        row["stub_misses"] = env.stub_misses() - misses
    finally:
        router.stop()
        env.script([])
    _ratios(row)
    return row


def _watch_rss(
    router: Router,
    settings: LoadSettings,
    normal: subprocess.Popen[bytes],
    abuser: subprocess.Popen[bytes],
) -> str | None:
    """Wait for the normal client; stop the abusers if the router's RSS passes the bound."""
    while normal.poll() is None or abuser.poll() is None:
        rss = router.rss_mb()
        if rss > settings.max_rss_mb and abuser.poll() is None:
            procs.stop(abuser)
            return f"abusers stopped: router RSS {rss:,.0f} MiB > --max-rss-mb"
        time.sleep(0.25)
    return None


def _healthy(router: Router) -> str:
    try:
        status, raw = procs.post_json(router.url, payloads.NORMAL_BODY, timeout=30)
    except OSError as error:
        return f"no: {type(error).__name__}"
    return "yes" if status == 200 and b'"errors"' not in raw else f"no: {status}"


def _ratios(row: dict[str, object]) -> None:
    idle, under = row.get("idle"), row.get("abuse")
    if not isinstance(idle, dict) or not isinstance(under, dict):
        return
    for key in ("p50_ms", "p99_ms"):
        base = float(idle[key])
        row[f"{key.removesuffix('_ms')}_ratio"] = (
            round(float(under[key]) / base, 2) if base else None
        )


# -- summary and tables -------------------------------------------------------------------


def summarize_load(rows: Sequence[Mapping[str, object]]) -> list[dict[str, object]]:
    """Per (scenario, revision): medians over rounds, outcomes added up."""
    out: list[dict[str, object]] = []
    keys = list(dict.fromkeys((str(r["scenario"]), str(r["rev"])) for r in rows))
    for scenario, rev in keys:
        group = [r for r in rows if (r["scenario"], r["rev"]) == (scenario, rev)]

        def med(path: str, group: Sequence[Mapping[str, object]] = group) -> float | None:
            values = [v for r in group if (v := _dig(r, path)) is not None]
            return round(statistics.median(values), 2) if values else None

        outcomes: Counter[str] = Counter()
        held: list[float] = []
        for r in group:
            abusers = r.get("abusers")
            if isinstance(abusers, dict):
                outcomes.update(abusers.get("outcomes") or {})
                if abusers.get("unfinished_at_end"):
                    outcomes["still unanswered at the end"] += int(abusers["unfinished_at_end"])
                loris = abusers.get("loris")
                if isinstance(loris, dict) and "held_at_end" in loris:
                    held.append(float(loris["held_at_end"]))
        out.append(
            {
                "scenario": scenario,
                "rev": rev,
                "rounds": len(group),
                "idle_p50_ms": med("idle.p50_ms"),
                "idle_p99_ms": med("idle.p99_ms"),
                "abuse_p50_ms": med("abuse.p50_ms"),
                "abuse_p99_ms": med("abuse.p99_ms"),
                "p99_ratio": med("p99_ratio"),
                "normal_errors": sum(int(_dig(r, "abuse.errors") or 0) for r in group),
                "normal_timeouts": sum(int(_dig(r, "abuse.timeouts") or 0) for r in group),
                "router_cpu_s": med("router_cpu_s"),
                "rss_before_mb": med("rss_before_mb"),
                "rss_after_mb": med("rss_after_mb"),
                "peak_rss_mb": med("peak_rss_mb"),
                "abusive_requests": sum(outcomes.values()),
                "abusive_outcomes": dict(outcomes.most_common()),
                "loris_held_at_end": statistics.median(held) if held else None,
                "abusers_cpu_s": med("abusers.cpu_s"),
                "normal_cpu_s": med("abuse.cpu_s"),
                "busy_after_s": med("busy_after_s"),
                "healthy_after": sorted({str(r.get("healthy_after")) for r in group}),
                "stopped": [r["stopped"] for r in group if r.get("stopped")],
                "cache_bytes": next(
                    (r["cache_bytes"] for r in reversed(group) if r.get("cache_bytes")), {}
                ),
                "failed": [r["failed"] for r in group if r.get("failed")],
            }
        )
    return out


def _dig(row: Mapping[str, object], path: str) -> float | None:
    value: object = row
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return float(value) if isinstance(value, int | float) else None


def _num(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    return str(value)


def _outcomes(outcomes: Mapping[str, object], limit: int = 3) -> str:
    items = list(outcomes.items())
    text = ", ".join(f"{count} x {what}" for what, count in items[:limit])
    return text + (f", +{len(items) - limit} more" if len(items) > limit else "")


def render_load(summary: Mapping[str, object]) -> str:
    rows = summary.get("summary")
    assert isinstance(rows, list)
    lines = [
        "\n### Normal client under abuse (p50/p99 ms, coordinated omission corrected)\n",
        "| scenario | rev | idle p50 | idle p99 | abuse p50 | abuse p99 | p99 x idle"
        " | normal errors | router CPU s | RSS MiB before > after (peak) | abusive requests:"
        " answers | abusers / normal CPU s | busy after s |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|---:|",
    ]
    for row in rows:
        answers = _outcomes(row["abusive_outcomes"])
        errors = _num(row["normal_errors"])
        if row.get("normal_timeouts"):
            errors += f" ({row['normal_timeouts']} timeouts)"
        rss = (
            f"{_num(row['rss_before_mb'])} > {_num(row['rss_after_mb'])}"
            f" ({_num(row['peak_rss_mb'])})"
        )
        stopped = " STOPPED: " + "; ".join(row["stopped"]) if row.get("stopped") else ""
        if row.get("failed"):
            stopped += " FAILED: " + "; ".join(row["failed"])
        # A normal request that timed out makes its p99 a lower bound.
        bound = "≥ " if row.get("normal_timeouts") else ""
        lines.append(
            f"| {row['scenario']} | {row['rev']} | {_num(row['idle_p50_ms'])}"
            f" | {_num(row['idle_p99_ms'])} | {_num(row['abuse_p50_ms'])}"
            f" | {bound}{_num(row['abuse_p99_ms'])} | {bound}{_num(row['p99_ratio'])} | {errors}"
            f" | {_num(row['router_cpu_s'])} | {rss}"
            f" | {_num(row['abusive_requests'])}: {answers}{stopped}"
            f" | {_num(row['abusers_cpu_s'])} / {_num(row['normal_cpu_s'])}"
            f" | {_num(row['busy_after_s'])} |"
        )
    settings = summary.get("settings")
    if isinstance(settings, dict):
        rate = settings.get("abuse_rate")
        pace = f"at most {rate} requests/s each" if rate else "each sending when answered"
        lines.append(
            f"\n{settings.get('clients')} abusive clients ({pace}) for"
            f" {settings.get('abuse_seconds')} s; the normal client at"
            f" {settings.get('normal_rate')} requests/s (timeout {settings.get('normal_timeout')}"
            " s: a p99 marked ≥ includes timed-out requests).\n"
        )
    for scenario in dict.fromkeys(str(r["scenario"]) for r in rows):
        lines.append(f"- {scenario}: {SCENARIO_TITLES.get(scenario, scenario)}")
    caches = [(r["scenario"], r["rev"], r["cache_bytes"]) for r in rows if r.get("cache_bytes")]
    if caches:
        lines.append("\nCache bytes in /metrics after the scenario:\n")
        for scenario, rev, values in caches:
            text = ", ".join(f"{k} {v:,.0f}" for k, v in values.items())
            lines.append(f"- {scenario} / {rev}: {text}")
    return "\n".join(lines)


def render_why(summary: Mapping[str, object]) -> str:
    rows = summary.get("why")
    revs = summary.get("revisions")
    assert isinstance(rows, list) and isinstance(revs, dict)
    labels = list(revs)
    lines = [
        "\n### Issue 12's Why, measured\n",
        "| bullet | measure | " + " | ".join(labels) + " |",
        "|---|---|" + "---|" * len(labels),
    ]
    for row in rows:
        values = row["values"]
        cells = " | ".join(str(values.get(label, "-")).replace("|", "/") for label in labels)
        lines.append(f"| {row['bullet']} | {row['measure']} | {cells} |")
    return "\n".join(lines)


def render(summary: Mapping[str, object]) -> str:
    return render_why(summary) if summary.get("mode") == "why" else render_load(summary)


# -- main ----------------------------------------------------------------------------------


def run_load(env: Environment, settings: LoadSettings) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for rnd in range(1, settings.rounds + 1):
        for scenario in settings.scenarios:
            for revision in env.revisions:
                try:
                    row = measure(env, settings, revision, scenario, rnd)
                except Exception as error:  # one scenario failing must not lose the others
                    log(f"r{rnd} {scenario} {revision.label} FAILED: {error}")
                    failed = {"round": rnd, "scenario": scenario, "rev": revision.label}
                    rows.append(failed | {"failed": f"{type(error).__name__}: {error}"[:300]})
                    continue
                rows.append(row)
                idle, under = row.get("idle"), row.get("abuse")
                assert isinstance(idle, dict)
                log(
                    f"r{rnd} {scenario:20} {revision.label:10} idle p99 {idle['p99_ms']:8.2f} ms"
                    f"  abuse p99 "
                    + (f"{under['p99_ms']:9.2f} ms" if isinstance(under, dict) else "-")
                    + f"  x{row.get('p99_ratio')}  router CPU {row.get('router_cpu_s')} s"
                    f"  RSS {row.get('rss_before_mb')} > {row.get('rss_after_mb')} MiB"
                )
    return rows


def run_why(
    env: Environment, settings: WhySettings, items: Sequence[str]
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for key in items:
        bullet, item = ITEMS[key]
        by_rev: dict[str, Measures] = {}
        for revision in env.revisions:
            log(f"why {key} on {revision.label}")
            measures = Measures()
            try:
                item(env, revision, settings, measures)
            except Exception as error:  # one item failing must not lose the others
                measures.add("failed", f"{type(error).__name__}: {error}"[:200])
            by_rev[revision.label] = measures
            for measure, value in measures.values:
                log(f"  {revision.label}: {measure}: {value}")
        names = list(dict.fromkeys(m for ms in by_rev.values() for m, _ in ms.values))
        for name in names:
            values = {
                label: next((v for m, v in ms.values if m == name), None)
                for label, ms in by_rev.items()
            }
            rows.append({"item": key, "bullet": bullet, "measure": name, "values": values})
    return rows


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.hostile",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--rev",
        action="append",
        default=[],
        help="a commit of --repo to measure (repeat: interleaved); default the working tree",
    )
    parser.add_argument("--repo", type=Path, default=ROOT, help="the git repository of --rev")
    parser.add_argument("--scale", type=int, default=1, help="seed scale of the subgraphs (1)")
    parser.add_argument(
        "--results",
        type=Path,
        default=BENCH / "results",
        help="where the JSON goes (bench/results)",
    )
    parser.add_argument("--why", action="store_true", help="measure the issue's Why bullets")
    parser.add_argument(
        "--show", type=Path, metavar="JSON", help="print the tables of a finished run, run nothing"
    )
    load = LoadSettings()
    group = parser.add_argument_group("load mode")
    group.add_argument("--scenarios", default=",".join(SCENARIOS))
    group.add_argument("--backend", choices=BACKENDS, default=load.backend)
    group.add_argument("--rounds", type=int, default=load.rounds)
    group.add_argument("--idle-seconds", type=float, default=load.idle_seconds)
    group.add_argument("--abuse-seconds", type=float, default=load.abuse_seconds)
    group.add_argument("--clients", type=int, default=load.clients)
    group.add_argument("--normal-rate", type=float, default=load.normal_rate, help="req/s")
    group.add_argument("--normal-timeout", type=float, default=load.normal_timeout)
    group.add_argument(
        "--abuse-rate",
        type=float,
        default=load.abuse_rate,
        help="requests/s per abusive client, at most (10; 0: the next as soon as one is answered)",
    )
    group.add_argument("--header-mb", type=float, default=load.header_bytes / 2**20)
    group.add_argument("--flood-operations", type=int, default=load.flood_operations)
    group.add_argument("--max-rss-mb", type=float, default=load.max_rss_mb)
    group.add_argument("--settle-limit", type=float, default=load.settle_limit)
    why = WhySettings()
    group = parser.add_argument_group("why mode")
    group.add_argument("--items", default=",".join(ITEMS), help=", ".join(ITEMS))
    group.add_argument("--loris-seconds", type=float, default=why.loris_seconds)
    group.add_argument("--loris-connections", type=int, default=why.loris_connections)
    group.add_argument("--loris-interval", type=float, default=why.loris_interval)
    group.add_argument("--why-flood-operations", type=int, default=why.flood_operations)
    group.add_argument("--why-header-mb", type=float, default=why.header_bytes / 2**20)
    group.add_argument("--body-mb", type=float, default=why.subgraph_body_bytes / 1e6)
    args = parser.parse_args(argv)
    for key in _listed(args.scenarios):
        if key not in SCENARIOS:
            parser.error(f"unknown scenario {key!r} (known: {', '.join(SCENARIOS)})")
    for key in _listed(args.items):
        if key not in ITEMS:
            parser.error(f"unknown item {key!r} (known: {', '.join(ITEMS)})")
    return args


def _listed(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def load_settings(args: argparse.Namespace) -> LoadSettings:
    return LoadSettings(
        scenarios=_listed(args.scenarios),
        backend=args.backend,
        rounds=args.rounds,
        idle_seconds=args.idle_seconds,
        abuse_seconds=args.abuse_seconds,
        clients=args.clients,
        normal_rate=args.normal_rate,
        normal_timeout=args.normal_timeout,
        abuse_rate=args.abuse_rate,
        loris_connections=args.loris_connections,
        loris_interval=args.loris_interval,
        header_bytes=int(args.header_mb * 2**20),
        flood_operations=args.flood_operations,
        max_rss_mb=args.max_rss_mb,
        settle_limit=args.settle_limit,
    )


def why_settings(args: argparse.Namespace) -> WhySettings:
    return WhySettings(
        flood_operations=args.why_flood_operations,
        header_bytes=int(args.why_header_mb * 2**20),
        loris_connections=args.loris_connections,
        loris_seconds=args.loris_seconds,
        loris_interval=args.loris_interval,
        subgraph_body_bytes=int(args.body_mb * 1e6),
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.show is not None:
        print(render(json.loads(args.show.read_text())))
        return 0
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    workdir = args.results / "tmp" / f"{stamp}-hostile"
    workdir.mkdir(parents=True)
    started, load_before = time.time(), os.getloadavg()
    summary: dict[str, object] = {"mode": "why" if args.why else "load"}
    env = Environment.start(workdir, list(args.rev), args.repo, args.scale)
    try:
        summary["revisions"] = {r.label: r.commit for r in env.revisions}
        if args.why:
            settings = why_settings(args)
            summary["settings"] = asdict(settings)
            summary["why"] = run_why(env, settings, _listed(args.items))
        else:
            load = load_settings(args)
            summary["settings"] = asdict(load)
            rows = run_load(env, load)
            summary["rows"] = rows
            summary["summary"] = summarize_load(rows)
    except KeyboardInterrupt:
        log("interrupted; reporting what was measured")
    finally:
        env.stop()
    summary["started_utc"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started))
    summary["seconds"] = round(time.time() - started, 1)
    summary["machine"] = {
        "cpus": os.cpu_count(),
        "load_average_start": load_before,
        "load_average_end": os.getloadavg(),
    }
    out = args.results / f"{stamp}-hostile{'-why' if args.why else ''}.json"
    out.write_text(json.dumps(summary, indent=1) + "\n")
    if "why" in summary or "summary" in summary:
        print(render(summary))
    print(f"\nJSON: {out}  (logs: {workdir})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
