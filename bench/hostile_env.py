"""What every hostile measurement runs on: seeded subgraphs, stubs, and the revisions."""

from __future__ import annotations

import json
import shutil
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench import procs, run
from bench.gateways import ROOT
from bench.hostile_routers import Revision, Router, export, working_tree, write_supergraph

BACKENDS = ("stub", "real")


@dataclass
class Environment:
    workdir: Path
    revisions: list[Revision]
    real: dict[str, int]
    """The bundled subgraphs (seeded SQLite), by name: their ports."""
    stubs: dict[str, int]
    """The stub subgraphs in front of them (bench/stub.py); scripted answers live here."""

    exports: Path | None = None
    """A temporary folder of the exported revisions (outside the repository: mypy and
    pytest must not see their copies), removed by `stop`."""

    @classmethod
    def start(cls, workdir: Path, revs: list[str], repo: Path, scale: int) -> Environment:
        exports = Path(tempfile.mkdtemp(prefix="bench-hostile-revs-")) if revs else None
        revisions = [export(rev, repo, exports) for rev in revs if exports] or [working_tree(ROOT)]
        for revision in revisions:
            run.log(f"router {revision.label}: {revision.commit or 'working tree'}")
        try:
            env = run.seed(workdir, scale)
            real = run.start_subgraphs(workdir, env)
            stubs = run.start_stubs(workdir, real)
        except BaseException:
            if exports is not None:
                shutil.rmtree(exports, ignore_errors=True)
            raise
        return cls(workdir, revisions, real, stubs, exports)

    def supergraph(self, revision: Revision, backend: str) -> Path:
        ports = self.stubs if backend == "stub" else self.real
        name = f"supergraph-{revision.commit or revision.label}-{backend}.graphql"
        path = self.workdir / name
        return path if path.exists() else write_supergraph(revision, ports, path)

    def router(self, revision: Revision, backend: str, config: str, tag: str) -> Router:
        supergraph = self.supergraph(revision, backend)
        label = (revision.commit or revision.label)[:12]
        return Router(revision, supergraph, config, self.workdir, f"{label}-{tag}")

    def script(self, rules: list[dict[str, object]]) -> None:
        """Scripted stub answers (bench/stub.py `PUT /stub/rules`); [] replays again."""
        port = next(iter(self.stubs.values()))
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/stub/rules", data=json.dumps(rules).encode(), method="PUT"
        )
        with urllib.request.urlopen(request, timeout=120) as reply:
            reply.read()

    def stub_misses(self) -> float:
        port = next(iter(self.stubs.values()))
        return run.stub_misses("stub", {"any": port})

    def stop(self) -> None:
        procs.stop_all()
        if self.exports is not None:
            shutil.rmtree(self.exports, ignore_errors=True)
