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
    mismatches = summary.get("mismatches")
    if isinstance(mismatches, list) and mismatches:
        lines.append("\nMISMATCHES (answers differ between gateways):")
        lines.extend(f"- {m}" for m in mismatches)
    return "\n".join(lines)


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
