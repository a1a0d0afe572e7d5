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
    lines.append("\n### Work per operation (subgraph HTTP requests; SQL statements)\n")
    lines.append("| backend | operation | gateway | subgraph requests | SQL statements |")
    lines.append("|---|---|---|---:|---:|")
    for backend, by_op in counts.items():
        for op, by_gateway in by_op.items():
            for gateway, values in by_gateway.items():
                requests = values.get("subgraph_requests", values.get("router_subgraph_requests"))
                lines.append(
                    f"| {backend} | {op} | {gateway} | {_fmt(requests)}"
                    f" | {_fmt(values.get('sql_statements')) if backend == 'real' else '-'} |"
                )
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
