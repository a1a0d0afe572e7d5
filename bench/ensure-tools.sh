#!/bin/sh
# Tools for `make bench`, installed only when missing (idempotent):
#   wrk (Debian package) and the pinned peer gateways in bench/node (npm ci).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
sh "$here/../scripts/ensure-debian-packages.sh" wrk
stamp="$here/node/node_modules/.installed-stamp"
if [ ! -f "$stamp" ] || [ "$here/node/package-lock.json" -nt "$stamp" ] || [ "$here/node/package.json" -nt "$stamp" ]; then
    npm ci --prefix "$here/node" --no-audit --no-fund --loglevel=error
    touch "$stamp"
fi
