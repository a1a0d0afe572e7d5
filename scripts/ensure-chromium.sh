#!/bin/sh
# Headless Chromium for the GraphiQL browser test (tests/http/test_graphiql_browser.py):
# Debian's chromium and chromium-driver, installed with apt-get when missing.
# Idempotent: does nothing when /usr/bin/chromium is already there. CI runs as root;
# elsewhere it uses sudo when available.
set -eu

if [ -x /usr/bin/chromium ] && command -v chromedriver >/dev/null 2>&1; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "ensure-chromium: chromium is missing; run as root: apt-get install -y chromium chromium-driver" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver
