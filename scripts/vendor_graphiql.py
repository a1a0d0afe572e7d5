"""Re-vendor GraphiQL's browser files into supergraph/http/graphiql_assets/.

    .venv/bin/python scripts/vendor_graphiql.py     # needs npm (the registry) once

Downloads the pinned packages with `npm pack`, copies the four files the page loads
(gzip-compressed: the router serves them as they are to browsers) and each package's
LICENSE, and writes manifest.json: versions, and each file's SHA-384 (the `integrity`
of the page's tags, also when it loads them from the CDN). Why committed and not built
when the package is built: `pip install` and `make venv` then need no npm and no
network, and the bytes a release serves are the reviewed ones.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VERSIONS = {"react": "18.3.1", "react-dom": "18.3.1", "graphiql": "3.8.3"}
FILES = {
    "react.production.min.js": ("react", "umd/react.production.min.js"),
    "react-dom.production.min.js": ("react-dom", "umd/react-dom.production.min.js"),
    "graphiql.min.js": ("graphiql", "graphiql.min.js"),
    "graphiql.min.css": ("graphiql", "graphiql.min.css"),
}
TARGET = Path(__file__).resolve().parents[1] / "supergraph" / "http" / "graphiql_assets"


def main() -> int:
    TARGET.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        specs = [f"{name}@{version}" for name, version in VERSIONS.items()]
        subprocess.run(["npm", "pack", "--silent", *specs], cwd=folder, check=True)
        packages: dict[str, Path] = {}
        for name, version in VERSIONS.items():
            archive = folder / f"{name}-{version}.tgz"
            out = folder / name
            with tarfile.open(archive) as tar:
                tar.extractall(out, filter="data")
            packages[name] = out / "package"
            (TARGET / f"LICENSE.{name}").write_bytes((packages[name] / "LICENSE").read_bytes())
        files = {}
        for asset, (package, inner) in FILES.items():
            data = (packages[package] / inner).read_bytes()
            # mtime=0: the same input gives the same committed bytes.
            (TARGET / f"{asset}.gz").write_bytes(gzip.compress(data, 9, mtime=0))
            digest = base64.b64encode(hashlib.sha384(data).digest()).decode()
            files[asset] = {"package": package, "path": inner, "integrity": f"sha384-{digest}"}
    manifest = {"versions": VERSIONS, "files": files}
    (TARGET / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"vendored {', '.join(files)} into {TARGET}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
