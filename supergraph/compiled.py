"""The optional mypyc build of the hot modules: found, checked against the source, loaded.

`make compiled` (scripts/build_compiled.py) compiles a few typed modules of the
executor with mypyc into `supergraph/_compiled/` (git-ignored), beside a
`manifest.json` naming each extension module's file and the sha256 of every
source file the build was compiled from (the compiled modules and everything
of `supergraph` they import). `install()`, run by `supergraph/__init__.py`
before any other module of the package loads, puts an import finder in front
that serves those modules from the build. The pure-Python modules stay the
reference and the default: without a build nothing changes.

A build whose sources have changed since is refused, loudly: the import of
`supergraph` raises `StaleCompiledBuild` (an ImportError) naming the file. A
compiled module that silently shadows an edited source would make every test of
that edit a test of the old code.

    SUPERGRAPH_PURE_PYTHON=1     the pure modules, whatever is built (no check either)
    SUPERGRAPH_COMPILED_DIR=DIR  load the build from DIR instead (tests build into a
                                 temporary directory)

`status()` says which path this process runs (`supergraph version`, the serve log line).
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
import sysconfig
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Final

PURE_ENV: Final = "SUPERGRAPH_PURE_PYTHON"
DIR_ENV: Final = "SUPERGRAPH_COMPILED_DIR"
MANIFEST: Final = "manifest.json"
FORMAT: Final = 1

# The folder holding the `supergraph` package: manifest source paths are relative to it.
PROJECT_ROOT: Final = Path(__file__).resolve().parent.parent
DEFAULT_DIR: Final = Path(__file__).resolve().parent / "_compiled"


class StaleCompiledBuild(ImportError):
    """The compiled build does not match the source (or this interpreter): refused."""


@dataclass(frozen=True, slots=True)
class Status:
    """Which implementation of the hot modules this process runs, and why."""

    compiled: bool
    reason: str
    modules: tuple[str, ...] = ()
    build_dir: str | None = None
    mypy: str | None = None

    def describe(self) -> str:
        if not self.compiled:
            return f"pure Python ({self.reason})"
        return f"compiled with mypyc {self.mypy}: {len(self.modules)} modules from {self.build_dir}"

    def as_json(self) -> dict[str, object]:
        return {
            "build": "compiled" if self.compiled else "pure",
            "reason": self.reason,
            "modules": list(self.modules),
            "build_dir": self.build_dir,
            "mypyc": self.mypy,
        }


_status = Status(compiled=False, reason="not installed")


def status() -> Status:
    """What `install()` decided; `loaded()` tells what was actually imported from it."""
    return _status


def loaded() -> list[str]:
    """The compiled modules imported so far in this process, as extension modules."""
    return [
        name
        for name in _status.modules
        if isinstance(
            getattr(sys.modules.get(name), "__loader__", None),
            importlib.machinery.ExtensionFileLoader,
        )
    ]


def install(env: Mapping[str, str] = os.environ) -> Status:
    """Serve the compiled modules when a build is present, fresh and not turned off."""
    global _status
    if env.get(PURE_ENV, "").strip().lower() in ("1", "true", "yes", "on"):
        _status = Status(compiled=False, reason=f"{PURE_ENV} is set")
        return _status
    explicit = env.get(DIR_ENV)
    build_dir = Path(explicit) if explicit else DEFAULT_DIR
    manifest_path = build_dir / MANIFEST
    if not manifest_path.is_file():
        if explicit:
            raise StaleCompiledBuild(
                f"{DIR_ENV}={explicit}: no {MANIFEST} there (run `make compiled`)"
            )
        _status = Status(compiled=False, reason="no compiled build")
        return _status
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    files = _check(manifest, build_dir, manifest_path)
    sys.meta_path.insert(0, _CompiledFinder(files))
    _status = Status(
        compiled=True,
        reason="build matches the source",
        modules=tuple(sorted(manifest["modules"])),
        build_dir=str(build_dir),
        mypy=str(manifest.get("mypy")),
    )
    return _status


def source_digests(paths: Sequence[str], root: Path = PROJECT_ROOT) -> dict[str, str]:
    """sha256 of each source file (paths relative to root); the build records these."""
    return {path: hashlib.sha256((root / path).read_bytes()).hexdigest() for path in paths}


def _check(manifest: Mapping[str, object], build_dir: Path, where: Path) -> dict[str, str]:
    """The extension file of each module name, or StaleCompiledBuild saying what differs."""
    advice = (
        f"rebuild with `make compiled`, remove it with `make clean-compiled`, or set {PURE_ENV}=1"
    )
    if manifest.get("format") != FORMAT:
        raise StaleCompiledBuild(f"{where}: unknown manifest format; {advice}")
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    if manifest.get("ext_suffix") != suffix:
        raise StaleCompiledBuild(
            f"{where}: built for {manifest.get('ext_suffix')}, this interpreter loads {suffix}; {advice}"
        )
    sources = manifest.get("sources")
    modules = manifest.get("modules")
    shared = manifest.get("shared")
    if (
        not isinstance(sources, dict)
        or not isinstance(modules, dict)
        or not isinstance(shared, dict)
    ):
        raise StaleCompiledBuild(f"{where}: incomplete manifest; {advice}")
    for path, digest in sorted(sources.items()):
        try:
            now = hashlib.sha256((PROJECT_ROOT / path).read_bytes()).hexdigest()
        except OSError:
            now = None
        if now != digest:
            raise StaleCompiledBuild(
                f"compiled build in {build_dir} is stale: {path} changed since it was built; {advice}"
            )
    files = {str(name): str(build_dir / str(file)) for name, file in {**modules, **shared}.items()}
    for name, file in files.items():
        if not Path(file).is_file():
            raise StaleCompiledBuild(f"{where}: {name}'s {file} is missing; {advice}")
    return files


class _CompiledFinder(importlib.abc.MetaPathFinder):
    """The manifest's module names, from the build's extension files; others: not ours."""

    def __init__(self, files: Mapping[str, str]) -> None:
        self._files = dict(files)

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        file = self._files.get(fullname)
        if file is None:
            return None
        loader = importlib.machinery.ExtensionFileLoader(fullname, file)
        return importlib.util.spec_from_file_location(fullname, file, loader=loader)
