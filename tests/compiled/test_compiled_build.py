"""The mypyc build of the hot modules (`make compiled`): built here, checked against the pure path.

A module-scoped build into a temporary folder (scripts/build_compiled.py, as `make
compiled` runs it; gcc and the Python headers are on every machine of this project,
so a failed build fails these tests). Then, in subprocesses: every module of the build
loads as an extension module; a corpus of about 1,500 answers (tests/compiled/corpus.py)
is byte-for-byte the pure path's; the shaping and executor suites pass on the path this
pytest run is not on; a build whose sources changed is refused, and
SUPERGRAPH_PURE_PYTHON=1 runs the pure modules beside any build.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from supergraph import compiled
from tests.http.serve_process import ServeProcess

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
SUPERGRAPH = str(Path(PYTHON).with_name("supergraph"))


def _env(**overrides: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (compiled.PURE_ENV, compiled.DIR_ENV)}
    for key, value in overrides.items():
        if value is not None:
            env[key] = value
    return env


def _run(
    argv: list[str], env: Mapping[str, str], timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, cwd=ROOT, env=dict(env), capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("compiled") / "build"
    done = _run([PYTHON, "scripts/build_compiled.py", "--out", str(out)], _env(), timeout=1800)
    if done.returncode != 0:
        pytest.fail(f"the mypyc build failed:\n{done.stdout}\n{done.stderr[-4000:]}")
    return out


def _expected_modules() -> set[str]:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import build_compiled
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    return {path.removesuffix(".py").replace("/", ".") for path in build_compiled.MODULES}


def _version(env: Mapping[str, str]) -> dict[str, object]:
    done = _run([SUPERGRAPH, "version", "--json"], env)
    assert done.returncode == 0, done.stderr
    document: dict[str, object] = json.loads(done.stdout)
    return document


def test_every_module_of_the_build_loads_compiled(build: Path) -> None:
    version = _version(_env(SUPERGRAPH_COMPILED_DIR=str(build)))
    expected = _expected_modules()
    assert version["build"] == "compiled"
    assert set(version["modules"]) == expected  # type: ignore[arg-type]
    assert set(version["loaded"]) == expected  # type: ignore[arg-type]


def test_pure_python_is_forced_beside_a_build(build: Path) -> None:
    version = _version(_env(SUPERGRAPH_COMPILED_DIR=str(build), SUPERGRAPH_PURE_PYTHON="1"))
    assert version["build"] == "pure"
    assert version["loaded"] == []
    probe = "import supergraph.executor.shaping as m; print(m.__file__)"
    done = _run(
        [PYTHON, "-c", probe], _env(SUPERGRAPH_COMPILED_DIR=str(build), SUPERGRAPH_PURE_PYTHON="1")
    )
    assert done.stdout.strip().endswith("supergraph/executor/shaping.py"), done.stderr


def _answers(env: Mapping[str, str]) -> tuple[dict[str, object], dict[str, str]]:
    done = _run([PYTHON, "-m", "tests.compiled.corpus"], env)
    assert done.returncode == 0, done.stderr[-4000:]
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    answers = {line["case"]: line["body"] for line in lines[1:]}
    assert len(answers) == len(lines) - 1, "case ids repeat"
    return lines[0], answers


def test_answers_are_byte_for_byte_the_pure_paths(build: Path) -> None:
    pure_status, pure = _answers(_env(SUPERGRAPH_PURE_PYTHON="1"))
    compiled_status, native = _answers(_env(SUPERGRAPH_COMPILED_DIR=str(build)))
    assert pure_status["loaded"] == []
    assert set(compiled_status["loaded"]) == _expected_modules()  # type: ignore[arg-type]
    assert len(pure) >= 1000
    assert sum('"errors"' in body for body in pure.values()) >= 20  # error paths are in it
    assert native.keys() == pure.keys()
    different = [case for case in pure if native[case] != pure[case]]
    assert not different, (
        f"{len(different)} answers differ, first {different[0]}:\n"
        f"pure:     {pure[different[0]][:2000]}\ncompiled: {native[different[0]][:2000]}"
    )


def test_the_shaping_and_executor_suites_pass_on_the_other_path(build: Path) -> None:
    # This run is on the pure path unless a `make compiled` build is in the tree: then
    # the suites run again pure; otherwise against the build made here.
    if compiled.status().compiled:
        env = _env(SUPERGRAPH_PURE_PYTHON="1")
    else:
        env = _env(SUPERGRAPH_COMPILED_DIR=str(build))
    argv = [
        PYTHON,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests/shaping",
        "tests/executor",
    ]
    done = _run(argv, env)
    assert done.returncode == 0, done.stdout[-6000:]
    assert " passed" in done.stdout.splitlines()[-1]


def _tampered(build: Path, where: Path, change: Mapping[str, object]) -> Path:
    copy = where / "build"
    shutil.copytree(build, copy)
    manifest = json.loads((copy / compiled.MANIFEST).read_text())
    for key, value in change.items():
        if key.startswith("sources:"):
            manifest["sources"][key.removeprefix("sources:")] = value
        else:
            manifest[key] = value
    (copy / compiled.MANIFEST).write_text(json.dumps(manifest))
    return copy


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # A compiled module's source edited since the build.
        (
            {"sources:supergraph/executor/shaping.py": "0" * 64},
            "supergraph/executor/shaping.py changed",
        ),
        # A module the compiled ones import (its Final constants are compiled in).
        ({"sources:supergraph/errors.py": "0" * 64}, "supergraph/errors.py changed"),
        ({"ext_suffix": ".cpython-312-x86_64-linux-gnu.so"}, "built for .cpython-312"),
    ],
    ids=["compiled-module", "imported-module", "other-interpreter"],
)
def test_a_stale_build_is_refused_not_loaded(
    build: Path, tmp_path: Path, change: Mapping[str, object], message: str
) -> None:
    stale = _tampered(build, tmp_path, change)
    probe = "import supergraph.executor.shaping"
    done = _run([PYTHON, "-c", probe], _env(SUPERGRAPH_COMPILED_DIR=str(stale)))
    assert done.returncode != 0
    assert "StaleCompiledBuild" in done.stderr
    assert message in done.stderr
    assert "make compiled" in done.stderr
    # The way out it names works: the pure path ignores the stale build.
    forced = _run(
        [PYTHON, "-c", probe], _env(SUPERGRAPH_COMPILED_DIR=str(stale), SUPERGRAPH_PURE_PYTHON="1")
    )
    assert forced.returncode == 0, forced.stderr


def test_a_named_build_folder_without_a_build_is_refused(tmp_path: Path) -> None:
    done = _run([PYTHON, "-c", "import supergraph"], _env(SUPERGRAPH_COMPILED_DIR=str(tmp_path)))
    assert done.returncode != 0
    assert "no manifest.json there" in done.stderr


def test_a_served_router_says_it_runs_compiled_and_answers(
    build: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(compiled.PURE_ENV, raising=False)
    monkeypatch.setenv(compiled.DIR_ENV, str(build))
    router = ServeProcess(tmp_path, "--supergraph", str(ROOT / "schema.graphql"))
    try:
        router.wait_healthy()
        answer = router.query("{ __typename }")
        assert answer.json() == {"data": {"__typename": "Query"}}
    finally:
        router.stop()
    modules = len(_expected_modules())
    line = (
        f"executor modules: compiled with mypyc {_mypy_version()}: {modules} modules from {build}"
    )
    assert line in router.stderr


def _mypy_version() -> str:
    manifest = json.loads((Path(os.environ[compiled.DIR_ENV]) / compiled.MANIFEST).read_text())
    return str(manifest["mypy"])
