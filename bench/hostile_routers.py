"""Router revisions side by side: each commit exported, served with its own code.

`--rev REV` exports that commit of the repository with `git archive` into a
temporary folder (outside the repository, removed after the run), and its router runs as `python -m supergraph serve`
with `PYTHONPATH` set to the export (the shared virtualenv has every
dependency), so a "before" and an "after" are measured in the same run, on the
same subgraphs, interleaved. Without `--rev` the working tree itself is
measured (label `tree`).
"""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

from bench import procs

TREE = "tree"


@dataclass(frozen=True, slots=True)
class Revision:
    label: str
    """As given on the command line (`9e31a92`, `main`), or `tree`."""
    commit: str | None
    """The full commit id; None for the working tree."""
    root: Path
    """Where its `supergraph` package and `schema.graphql` are."""


def working_tree(root: Path) -> Revision:
    return Revision(TREE, None, root)


def export(rev: str, repo: Path, into: Path) -> Revision:
    """`rev` of `repo` as a folder under `into` (once per commit)."""
    commit = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--verify", f"{rev}^{{commit}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    folder = into / f"rev-{commit[:12]}"
    if not (folder / "supergraph").is_dir():
        archive = subprocess.run(
            ["git", "-C", str(repo), "archive", "--format=tar", commit],
            capture_output=True,
            check=True,
        ).stdout
        folder.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
    return Revision(rev, commit, folder)


def write_supergraph(revision: Revision, ports: dict[str, int], path: Path) -> Path:
    """The revision's own schema.graphql with every subgraph URL on `ports`."""
    sdl = (revision.root / "schema.graphql").read_text()

    def url(match: re.Match[str]) -> str:
        name = match.group(1)
        return f'@join__graph(name: "{name}", url: "http://127.0.0.1:{ports[name]}/graphql")'

    path.write_text(re.sub(r'@join__graph\(name: "(\w+)", url: "[^"]*"\)', url, sdl))
    return path


class Router:
    """One `supergraph serve` of a revision, on a free port, with `config` as router.yaml."""

    def __init__(
        self, revision: Revision, supergraph: Path, config: str, workdir: Path, tag: str
    ) -> None:
        self.revision = revision
        self.port = procs.free_port()
        self.url = f"http://127.0.0.1:{self.port}/graphql"
        self.metrics_url = f"http://127.0.0.1:{self.port}/metrics"
        config_path = workdir / f"router-{tag}.yaml"
        config_path.write_text(config or "# the default configuration\n")
        self.log = workdir / "logs" / f"router-{tag}.log"
        argv = [
            sys.executable,
            "-m",
            "supergraph",
            "serve",
            "--supergraph",
            str(supergraph),
            "--config",
            str(config_path),
            "--port",
            str(self.port),
        ]
        env = {"PYTHONPATH": str(revision.root)}
        self.process = procs.start(argv, self.log, env=env, cwd=revision.root)
        procs.wait_until(self.process, self.url, self.log, post=True)

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu_seconds(self) -> float:
        return procs.cpu_seconds(self.pid)

    def rss_mb(self) -> float:
        return status_mb(self.pid, "VmRSS")

    def peak_rss_mb(self) -> float:
        return status_mb(self.pid, "VmHWM")

    def alive(self) -> bool:
        return self.process.poll() is None

    def cache_bytes(self) -> dict[str, float]:
        """Every `/metrics` sample about cache bytes (names vary by revision; none before
        issue 12)."""
        samples: dict[str, float] = {}
        with contextlib.suppress(OSError):
            for line in procs.get_text(self.metrics_url).splitlines():
                name = line.split("{")[0].split(" ")[0]
                if line.startswith("#") or name.endswith("_created"):
                    continue
                if "cache" in name and "bytes" in name:
                    head, _, value = line.rpartition(" ")
                    samples[head] = float(value)
        return samples

    def stop(self) -> None:
        procs.stop(self.process)


def status_mb(pid: int, field: str) -> float:
    """A `/proc/<pid>/status` size (VmRSS, VmHWM) of the one router process, in MiB (0 when
    it is gone); read often while the abusers run, so no walk over /proc."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0
