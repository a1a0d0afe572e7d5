"""The differential cases in `cases/`: small subgraph sets written for these tests.

One `.graphql` file per case. `# subgraph: NAME` starts each subgraph's SDL
(routing URL `http://NAME/graphql`). Header lines before the first subgraph:
`# error: MESSAGE` — an error we must report, word for word (repeatable);
`# divergence: WHY` — the reference accepts the set and we deliberately reject it;
`# known-difference: LINE` — a line of the semantic diff (ours `+`, reference `-`)
we deliberately keep, e.g. Apollo's behaviour where the two composers differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from supergraph.compose import SubgraphSource

CASES_DIR = Path(__file__).parent / "cases"


@dataclass(frozen=True)
class Case:
    name: str
    subgraphs: list[SubgraphSource]
    errors: list[str] = field(default_factory=list)
    divergence: str | None = None
    known_differences: list[str] = field(default_factory=list)

    def as_json(self) -> list[dict[str, str]]:
        return [{"name": s.name, "url": s.url, "sdl": s.sdl} for s in self.subgraphs]


def load_case(path: Path) -> Case:
    errors: list[str] = []
    divergence: str | None = None
    known: list[str] = []
    subgraphs: list[tuple[str, list[str]]] = []
    for line in path.read_text().splitlines():
        if line.startswith("# subgraph:"):
            subgraphs.append((line.split(":", 1)[1].strip(), []))
        elif subgraphs:
            subgraphs[-1][1].append(line)
        elif line.startswith("# error:"):
            errors.append(line.split(":", 1)[1].strip())
        elif line.startswith("# divergence:"):
            divergence = line.split(":", 1)[1].strip()
        elif line.startswith("# known-difference:"):
            known.append(line.split(":", 1)[1].strip())
    sources = [
        SubgraphSource(name, f"http://{name}/graphql", "\n".join(lines))
        for name, lines in subgraphs
    ]
    return Case(path.stem, sources, errors, divergence, known)


def load_cases() -> list[Case]:
    return [load_case(path) for path in sorted(CASES_DIR.glob("*.graphql"))]
