"""The `subgraphs` command line."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from subgraphs.__main__ import build_parser, main
from subgraphs.registry import DOMAINS


def test_registry_default_ports() -> None:
    assert DOMAINS["accounts"].default_port == 4001
    ports = [entry.default_port for entry in DOMAINS.values()]
    assert len(set(ports)) == len(ports)
    for entry in DOMAINS.values():
        assert entry.load().name == entry.name


def test_seed_recreates_the_database_at_the_requested_scale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("SUBGRAPHS_DATA_DIR", str(tmp_path))
    assert main(["seed", "--scale", "2", "accounts"]) == 0
    assert main(["seed", "--scale", "3", "accounts"]) == 0
    assert "accounts: seeded at scale 3" in capsys.readouterr().out
    with sqlite3.connect(tmp_path / "accounts.sqlite3") as connection:
        assert connection.execute("SELECT count(*) FROM users").fetchone() == (60,)
        assert connection.execute("SELECT max(version) FROM subgraph_migrations").fetchone() == (1,)
    connection.close()


@pytest.mark.parametrize(
    "argv",
    [
        ["seed", "nosuch"],
        ["seed", "--scale", "0"],
        ["seed", "--scale", "x"],
        ["serve"],
        ["serve", "nosuch"],
    ],
)
def test_bad_arguments_exit_with_usage(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert "usage: subgraphs" in capsys.readouterr().err


def test_serve_arguments() -> None:
    args = build_parser().parse_args(["serve", "accounts", "--port", "5001", "--host", "0.0.0.0"])
    assert (args.name, args.port, args.host) == ("accounts", 5001, "0.0.0.0")
