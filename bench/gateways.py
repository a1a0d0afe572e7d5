"""The gateways under test: how to start each one on a supergraph file and a port."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import grafbase

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
NODE = BENCH / "node"
VENV_BIN = ROOT / ".venv" / "bin"
COMPILED_BUILD = ROOT / "supergraph" / "_compiled"  # `make compiled`

# Our router forwards the client's x-user-id to every subgraph, as the peers do
# (the bundled subgraphs take the caller from that header).
ROUTER_YAML = """\
headers:
  all:
    - propagate: {named: x-user-id}
"""


@dataclass(frozen=True, slots=True)
class Gateway:
    key: str
    title: str

    def argv(
        self,
        supergraph: Path,
        port: int,
        workdir: Path,
        modules: Mapping[str, str] | None = None,
    ) -> Sequence[str]:
        """`modules`: the subgraphs' Strawberry schemas, for a gateway that composes
        the graph itself (Grafbase; default: the bundled subgraphs)."""
        if self.ours:
            config = workdir / f"router-{self.key}.yaml"
            variant = {
                "ours-nodedup": "traffic_shaping: {deduplicate_query: false}\n",
                "ours-aiohttp": "traffic_shaping: {http_client: aiohttp}\n",
            }
            config.write_text(ROUTER_YAML + variant.get(self.key, ""))
            argv = [
                str(VENV_BIN / "supergraph"),
                "serve",
                "--supergraph",
                str(supergraph),
                "--config",
                str(config),
                "--port",
                str(port),
            ]
            return [*argv, "--workers", "2"] if self.key.endswith("-w2") else argv
        if self.key == "apollo":
            return [
                "node",
                str(NODE / "apollo.mjs"),
                "--supergraph",
                str(supergraph),
                "--port",
                str(port),
            ]
        if self.key in {"hive", "hive-rust", "hive-nodedup"}:
            hive_config = {
                "hive-nodedup": "gateway.nodedup.config.mjs",
                # the Rust runtime set in the config: an import error if it is missing
                "hive-rust": "gateway.rust.config.mjs",
            }.get(self.key, "gateway.config.mjs")
            argv = [
                "node",
                str(NODE / "node_modules" / "@graphql-hive" / "gateway" / "dist" / "bin.js"),
                "supergraph",
                str(supergraph),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--fork",
                "1",
                "--polling",
                "1h",
                "--config-path",
                str(NODE / hive_config),
            ]
            if self.key == "hive-rust":
                argv.append("--hive-router-runtime")
            return argv
        if self.key == "grafbase":
            return grafbase.argv(supergraph, port, workdir, modules)
        raise ValueError(f"unknown gateway {self.key!r}")

    @property
    def ours(self) -> bool:
        return self.key.startswith("ours")

    @property
    def env(self) -> dict[str, str]:
        if self.key == "grafbase":
            return {"NO_COLOR": "1"}
        if self.key.startswith("ours-compiled"):
            # `make compiled` first: a missing or stale build stops the router at start.
            return {"SUPERGRAPH_PURE_PYTHON": "", "SUPERGRAPH_COMPILED_DIR": str(COMPILED_BUILD)}
        # Every other `ours` is the pure-Python reference, whatever is built.
        return {"SUPERGRAPH_PURE_PYTHON": "1"} if self.ours else {"NODE_ENV": "production"}

    @property
    def cwd(self) -> Path:
        return ROOT if self.ours else NODE


GATEWAYS: dict[str, Gateway] = {
    g.key: g
    for g in (
        Gateway("ours", "supergraph (ours)"),
        Gateway("ours-w2", "supergraph (ours) --workers 2"),
        Gateway("ours-nodedup", "supergraph (ours), traffic_shaping.deduplicate_query: false"),
        Gateway("ours-aiohttp", "supergraph (ours), traffic_shaping.http_client: aiohttp"),
        Gateway("ours-compiled", "supergraph (ours), hot modules compiled (make compiled)"),
        Gateway("ours-compiled-w2", "supergraph (ours), compiled (make compiled), --workers 2"),
        Gateway("apollo", "@apollo/gateway 2.14.4"),
        Gateway("hive", "@graphql-hive/gateway 2.15.1"),
        Gateway("hive-nodedup", "@graphql-hive/gateway 2.15.1, deduplicateInflightRequests: false"),
        Gateway(
            "hive-rust",
            "@graphql-hive/gateway 2.15.1 --hive-router-runtime"
            " (@graphql-hive/router-runtime 1.4.23, Rust query planner)",
        ),
        Gateway(
            "grafbase",
            f"Grafbase gateway (grafbase dev, CLI {grafbase.VERSION}, Rust, multi-threaded)",
        ),
    )
}
