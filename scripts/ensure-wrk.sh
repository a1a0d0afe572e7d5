#!/bin/sh
# wrk, the load generator, from Debian's packages: the benchmark uses it and a test
# (tests/benchmarks/test_bench_variants.py) drives it on loopback. Idempotent: does
# nothing when wrk is on the PATH. CI runs as root; elsewhere it uses sudo when available.
set -eu

if command -v wrk >/dev/null 2>&1; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "ensure-wrk: wrk is missing; run as root: apt-get install -y wrk" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y -qq wrk || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk; }
