"""The benchmark summary as a plain-text (Markdown) table."""

from __future__ import annotations

from collections.abc import Mapping


def _get(row: Mapping[str, object], key: str) -> str:
    value = row.get(key)
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"
    return str(value)


def render_table(summary: Mapping[str, object]) -> str:
    rows = summary.get("rows")
    assert isinstance(rows, list)
    rss = summary.get("peak_rss_mb")
    assert isinstance(rss, dict)
    lines: list[str] = []
    groups: dict[tuple[object, object], list[Mapping[str, object]]] = {}
    for row in rows:
        groups.setdefault((row["backend"], row["concurrency"]), []).append(row)
    for (backend, concurrency), group in groups.items():
        lines.append(f"\n### {backend} subgraphs, concurrency {concurrency}\n")
        lines.append(
            "| operation | gateway | req/s | p50 ms | p99 ms | CPU s/1k req | ours/this req/s | errors |"
        )
        lines.append("|---|---|---:|---:|---:|---:|---:|---:|")
        for row in group:
            if not row.get("rps"):
                lines.append(
                    f"| {row['operation']} | {row['gateway']} | no request completed"
                    " within the measured time | | | | | |"
                )
                continue
            lines.append(
                f"| {row['operation']} | {row['gateway']} | {_get(row, 'rps')} | {_get(row, 'p50_ms')}"
                f" | {_get(row, 'p99_ms')} | {_get(row, 'cpu_s_per_1k')}"
                f" | {_get(row, 'ours_over_this_rps')} | {_get(row, 'errors')} |"
            )
    lines.append("\n### Peak RSS (MB, VmHWM of the gateway process tree, max over rounds)\n")
    lines.append("| backend | " + " | ".join(sorted({g for b in rss.values() for g in b})) + " |")
    gateways = sorted({g for b in rss.values() for g in b})
    lines.append("|---|" + "---:|" * len(gateways))
    for backend, by_gateway in rss.items():
        cells = " | ".join(f"{by_gateway.get(g, 0):.0f}" for g in gateways)
        lines.append(f"| {backend} | {cells} |")
    counts = summary.get("counts_per_operation")
    assert isinstance(counts, dict)
    lines.append(
        "\n### Work per operation: subgraph HTTP requests (stub counters; ours also from"
        " router_subgraph_requests_total) and SQL statements (real subgraphs' counters)\n"
    )
    gateways = sorted({g for by_op in counts.values() for by_g in by_op.values() for g in by_g})
    header = " | ".join(f"{g} requests" for g in gateways)
    header += " | " + " | ".join(f"{g} SQL" for g in gateways)
    lines.append(f"| operation | {header} |")
    lines.append("|---|" + "---:|" * (2 * len(gateways)))
    operations = list(dict.fromkeys(op for by_op in counts.values() for op in by_op))
    for op in operations:
        stub = counts.get("stub", {}).get(op, {})
        real = counts.get("real", {}).get(op, {})
        requests = []
        for g in gateways:
            value = stub.get(g, {}).get("subgraph_requests")
            if value is None:
                value = (stub.get(g) or real.get(g) or {}).get("router_subgraph_requests")
            requests.append(_fmt(value))
        sql = [_fmt(real.get(g, {}).get("sql_statements")) for g in gateways]
        lines.append(f"| {op} | " + " | ".join(requests + sql) + " |")
    lines.extend(_scaling(summary))
    lines.extend(_overhead(summary))
    mismatches = summary.get("mismatches")
    if isinstance(mismatches, list) and mismatches:
        lines.append("\nMISMATCHES (answers differ between gateways):")
        lines.extend(f"- {m}" for m in mismatches)
    return "\n".join(lines)


def _scaling(summary: Mapping[str, object]) -> list[str]:
    rows = summary.get("scaling_workers")
    if not isinstance(rows, list) or not rows:
        return []
    lines = [
        "\n### Scaling: ours --workers 2 against ours (one worker)\n",
        "| backend | c | operation | ours req/s | w2 req/s | w2/ours req/s"
        " | ours CPU s/1k | w2 CPU s/1k | ours p50 ms | w2 p50 ms |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        cells = (
            "ours_rps",
            "ours_w2_rps",
            "w2_over_ours_rps",
            "ours_cpu_s_per_1k",
            "ours_w2_cpu_s_per_1k",
            "ours_p50_ms",
            "ours_w2_p50_ms",
        )
        lines.append(
            f"| {row['backend']} | {row['concurrency']} | {row['operation']} | "
            + " | ".join(_get(row, key) for key in cells)
            + " |"
        )
    return lines


def _overhead(summary: Mapping[str, object]) -> list[str]:
    data = summary.get("overhead_c1")
    if not isinstance(data, dict) or not data.get("rows"):
        return []
    paths, rows = data["paths"], data["rows"]
    assert isinstance(paths, dict) and isinstance(rows, list)
    lines = [
        "\n### Router overhead at concurrency 1, stub subgraphs"
        " (router p50 minus the slowest subgraph path p50)\n",
        "| operation | subgraph path (our plan) | path p50 ms | gateway | router p50 ms"
        " | overhead p50 ms | subgraph requests |",
        "|---|---|---:|---|---:|---:|---:|",
    ]
    for row in rows:
        path = paths[row["operation"]]
        requests = _fmt(row.get("subgraph_requests"))
        if not row.get("same_requests"):
            requests += f" (ours {path['subgraph_requests']}: other path)"
        lines.append(
            f"| {row['operation']} | {path['path']} | {_get(path, 'path_p50_ms')}"
            f" | {row['gateway']} | {_get(row, 'router_p50_ms')}"
            f" | {_get(row, 'overhead_p50_ms')} | {requests} |"
        )
    unmatched = [key for key, path in paths.items() if path.get("unmatched_requests")]
    if unmatched:
        lines.append(
            "\nWARNING: recorded subgraph requests no plan fetch explains: " + ", ".join(unmatched)
        )
    return lines


def _fmt(value: object) -> str:
    if value is None:
        return "-"
    assert isinstance(value, float | int)
    return f"{value:g}"


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.report RESULTS.json`: print the table of a finished run again."""
    import json
    import sys

    paths = (argv if argv is not None else sys.argv[1:]) or []
    for path in paths:
        with open(path, encoding="utf-8") as file:
            print(render_table(json.load(file)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
