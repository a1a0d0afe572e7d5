"""`supergraph version`: the version, the interpreter, and compiled or pure hot modules.

    supergraph version          supergraph 0.1.0, Python 3.11.7, executor modules: pure Python (...)
    supergraph version --json   the same as one JSON object

It imports the modules of the compiled build (`make compiled`, supergraph/compiled.py),
so "compiled" here means they were loaded as extension modules, not only found.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import json
import platform

from supergraph import compiled


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    status = compiled.status()
    for name in status.modules:
        importlib.import_module(name)
    try:
        version = importlib.metadata.version("pyfederation")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    if args.json:
        document = {
            "version": version,
            "python": platform.python_version(),
            **status.as_json(),
            "loaded": compiled.loaded(),
        }
        print(json.dumps(document, indent=2))
        return 0
    print(f"supergraph (pyfederation) {version}, Python {platform.python_version()}")
    print(f"executor modules: {status.describe()}")
    if status.compiled:
        print(f"loaded compiled: {', '.join(compiled.loaded())}")
    return 0
