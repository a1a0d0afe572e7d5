"""Compile the hot modules with mypyc into a build folder that supergraph/compiled.py loads.

    python scripts/build_compiled.py [--out supergraph/_compiled]   (what `make compiled` runs)

The modules of MODULES are compiled as one mypyc group (calls between them are
native C calls) into extension modules under OUT, with `manifest.json`: each
module's file, the shared library's, the interpreter's extension suffix, mypy's
version, and the sha256 of every source the build depends on (the compiled
modules and, transitively, every module of `supergraph` they import, whose
types and Final constants mypyc compiles in). The loader refuses the build once
any of those files differs. The build is made in a temporary folder and moved
into place whole, so a failed or interrupted build leaves no half of one.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The per-field and per-entity work of a request (bench/README.md, "mypyc"): the shaper
# and its field collection, and the executor's path walking, representations and merge.
# execute.py stays pure: it is the async plan walker, and tests replace its methods.
MODULES = (
    "supergraph/executor/shaping.py",
    "supergraph/executor/selections.py",
    "supergraph/executor/denied_below.py",
    "supergraph/executor/paths.py",
    "supergraph/executor/merge.py",
    "supergraph/executor/representations.py",
    "supergraph/executor/typeinfo.py",
)
GROUP = "supergraph_compiled"


def dependencies(modules: tuple[str, ...]) -> list[str]:
    """The compiled sources plus every `supergraph` source they import, transitively."""
    seen: set[str] = set()
    todo = list(modules)
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        parts = Path(path).with_suffix("").parts
        # A module's packages run first: their __init__ files are part of what it sees.
        for depth in range(1, len(parts)):
            init = Path(*parts[:depth], "__init__.py").as_posix()
            if (ROOT / init).is_file():
                todo.append(init)
        todo.extend(_imported_sources(ROOT / path))
    return sorted(seen)


def _imported_sources(file: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
    found = []
    for name in names:
        if name.split(".")[0] != "supergraph":
            continue
        base = ROOT / Path(*name.split("."))
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                found.append(candidate.relative_to(ROOT).as_posix())
    return found


def build(out: Path, *, opt_level: str = "3") -> dict[str, object]:
    """Compile MODULES into out (replaced whole); return the manifest written there."""
    from mypy.version import __version__ as mypy_version
    from mypyc.build import mypycify
    from setuptools import Distribution

    from supergraph import compiled

    os.chdir(ROOT)  # mypy names modules from the paths, relative to the project
    sources = dependencies(MODULES)
    digests = compiled.source_digests(sources)
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="mypyc-build-") as scratch:
        staging = Path(tempfile.mkdtemp(prefix=".compiled-", dir=out.parent))
        try:
            extensions = mypycify(
                list(MODULES),
                opt_level=opt_level,
                group_name=GROUP,
                target_dir=str(Path(scratch) / "c"),
            )
            distribution = Distribution({"name": "supergraph-compiled", "ext_modules": extensions})
            command = distribution.get_command_obj("build_ext")
            command.build_lib = str(staging)
            command.build_temp = str(Path(scratch) / "obj")
            command.ensure_finalized()
            command.run()
            files = {ext.name: command.get_ext_filename(ext.name) for ext in extensions}
            shared = f"{GROUP}__mypyc"
            manifest: dict[str, object] = {
                "format": compiled.FORMAT,
                "ext_suffix": sysconfig.get_config_var("EXT_SUFFIX"),
                "python": sys.version.split()[0],
                "mypy": mypy_version,
                "opt_level": opt_level,
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "modules": {name: file for name, file in files.items() if name != shared},
                "shared": {shared: files[shared]},
                "sources": digests,
            }
            # The sources may have changed while gcc ran: then this build is already stale.
            if compiled.source_digests(sources) != digests:
                raise SystemExit("sources changed during the build; run it again")
            (staging / compiled.MANIFEST).write_text(
                json.dumps(manifest, indent=2) + "\n", encoding="utf-8"
            )
            if out.exists():
                shutil.rmtree(out)
            staging.rename(out)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return manifest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=ROOT / "supergraph" / "_compiled")
    parser.add_argument("--opt-level", default="3", help="gcc -O level (default 3)")
    args = parser.parse_args()
    # The build itself must see the pure modules, never an older build of them.
    os.environ["SUPERGRAPH_PURE_PYTHON"] = "1"
    started = time.monotonic()
    manifest = build(args.out, opt_level=args.opt_level)
    modules = manifest["modules"]
    assert isinstance(modules, dict)
    print(
        f"compiled {len(modules)} modules into {args.out} in {time.monotonic() - started:.0f} s "
        f"(mypyc {manifest['mypy']}, -O{args.opt_level})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
