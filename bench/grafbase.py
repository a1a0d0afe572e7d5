"""Grafbase's gateway as a benchmark peer: `grafbase dev` serving the bundled subgraphs.

Grafbase's CLI (npm `@grafbase/cli-x86_64-unknown-linux-musl`, pinned in
bench/node/package.json; a static Rust binary) has no command that serves a
supergraph file: `grafbase dev` composes the graph itself from each subgraph's
SDL and URL in a `grafbase.toml`. The URLs are read from the supergraph the
other gateways load (its `@join__graph` lines, so every gateway talks to the
same stubs); the SDLs are the bundled subgraphs' own, asked of their Strawberry
schemas in process (as `supergraph compose` does with `module:` sources).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from supergraph.cli.compose import module_sdl

NODE = Path(__file__).resolve().parent / "node"
BINARY = NODE / "node_modules" / "@grafbase" / "cli-x86_64-unknown-linux-musl" / "grafbase"
VERSION = "0.103.0"

_JOIN_GRAPH = re.compile(r'@join__graph\(name: "(\w+)", url: "([^"]*)"\)')


def subgraph_urls(supergraph: Path) -> dict[str, str]:
    """Each subgraph's name and routing URL, as the supergraph's join__Graph enum says."""
    return dict(_JOIN_GRAPH.findall(supergraph.read_text()))


def write_config(supergraph: Path, workdir: Path, modules: Mapping[str, str] | None = None) -> Path:
    """grafbase.toml (and one SDL file per subgraph) for the subgraphs of `supergraph`.

    `modules`: where each subgraph's Strawberry schema is (`package.module:attribute`;
    default the bundled subgraphs')."""
    folder = workdir / "grafbase"
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        # The bundled subgraphs take the caller from x-user-id, as the other peers forward it.
        "[[headers]]",
        'rule = "forward"',
        'name = "x-user-id"',
        "",
    ]
    for name, url in subgraph_urls(supergraph).items():
        sdl = folder / f"{name}.graphql"
        location = (modules or {}).get(name, f"subgraphs.{name}.schema:schema")
        sdl.write_text(module_sdl(name, location))
        lines += [f"[subgraphs.{name}]", f'url = "{url}"', f'schema_path = "{sdl}"', ""]
    config = folder / f"grafbase-{supergraph.stem}.toml"
    config.write_text("\n".join(lines))
    return config


def argv(
    supergraph: Path, port: int, workdir: Path, modules: Mapping[str, str] | None = None
) -> Sequence[str]:
    config = write_config(supergraph, workdir, modules)
    return [str(BINARY), "dev", "--config", str(config), "--port", str(port)]
