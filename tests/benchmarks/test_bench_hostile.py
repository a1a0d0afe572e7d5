"""bench/hostile.py: the hostile benchmark runs briefly, end to end, and reports its tables.

Real processes on loopback (seeded subgraphs, stubs, routers, load processes),
a second or two per phase: only the structure of what comes out is asserted,
never a latency.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from graphql import Source, TokenKind
from graphql.language.lexer import Lexer

from bench import hostile, hostile_payloads
from bench.hostile_load import corrected, latency_summary
from bench.hostile_why import BAD_ANSWERS


def tokens(query: str) -> int:
    lexer = Lexer(Source(query))
    count = 0
    while lexer.advance().kind != TokenKind.EOF:
        count += 1
    return count


def test_abusive_requests_are_the_issues_sizes_and_stay_under_the_token_limit() -> None:
    introspection = hostile_payloads.introspection_aliases()
    assert 40_000 < len(hostile_payloads.encode(introspection)) < 60_000
    assert tokens(str(introspection["query"])) < 15_000
    large = hostile_payloads.large_operation("n1")
    assert 30_000 < len(str(large["query"])) < 36_000
    assert hostile_payloads.large_operation_fields() == 3299
    assert tokens(str(large["query"])) < 15_000
    assert str(large["query"]).count(": products(") < 100  # valid under max_aliases
    assert large["query"] != hostile_payloads.large_operation("n2")["query"]
    flood = json.loads(hostile_payloads.flood_operation("abc"))
    assert len(flood["query"]) > hostile_payloads.FLOOD_STRING_BYTES
    assert len(hostile_payloads.introspection_batch()) == 10


def test_a_slow_answer_stands_for_the_requests_it_held_up() -> None:
    assert corrected(35.0, 10.0) == [35.0, 25.0, 15.0]
    assert corrected(5.0, 10.0) == [5.0]
    summary = latency_summary([1.0, 2.0, 3.0, 100.0])
    assert summary["count"] == 4 and summary["max_ms"] == 100.0 and summary["p50_ms"] == 3.0


def test_load_mode_measures_a_revision_under_two_scenarios(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--rev", "HEAD", "--results", str(tmp_path), "--scenarios"]
    argv += ["invalid_variables,slow_loris", "--idle-seconds", "1", "--abuse-seconds", "1.5"]
    argv += ["--loris-connections", "6", "--loris-interval", "0.5", "--settle-limit", "2"]
    assert hostile.main(argv) == 0
    (out,) = tmp_path.glob("*-hostile.json")
    summary = json.loads(out.read_text())
    assert summary["mode"] == "load"
    assert list(summary["revisions"]) == ["HEAD"]
    rows = {row["scenario"]: row for row in summary["rows"]}
    assert set(rows) == {"invalid_variables", "slow_loris"}
    for row in rows.values():
        assert row["idle"]["count"] > 0 and row["abuse"]["count"] > 0
        assert row["idle"]["errors"] == 0
        assert row["router_cpu_s"] >= 0 and row["rss_after_mb"] > 0
        assert row["healthy_after"] == "yes"
        assert row["abusers"]["cpu_s"] >= 0
    invalid = rows["invalid_variables"]["abusers"]
    assert invalid["requests"] + invalid["unfinished_at_end"] > 0
    assert all(outcome.endswith(" BAD_USER_INPUT") for outcome in invalid["outcomes"])
    loris = rows["slow_loris"]["abusers"]["loris"]
    assert loris["held_at_end"] + loris["closed_by_server"] + loris["answered"] == 6
    table = capsys.readouterr().out
    assert "| invalid_variables | HEAD |" in table and "| slow_loris | HEAD |" in table


def test_why_mode_reports_each_bullet_it_was_asked_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--why", "--items", "fragments,values", "--results", str(tmp_path)]
    assert hostile.main(argv) == 0
    (out,) = tmp_path.glob("*-hostile-why.json")
    summary = json.loads(out.read_text())
    measures = {row["measure"]: row["values"]["tree"] for row in summary["why"]}
    for length in (200, 489, 2000):
        assert str(measures[f"chain of {length}"]).split()[0].isdigit()
    assert str(measures["inventory as recorded"]).startswith("200 inStock ")
    for case, _ in BAD_ANSWERS:
        # Each scripted inventory answer reached the router: the client saw something else.
        assert str(measures[case]).split()[0].isdigit()
        assert measures[case] != measures["inventory as recorded"]
    assert "failed" not in measures
    assert "| Subgraph answers trusted blindly | inStock: 5 |" in capsys.readouterr().out
