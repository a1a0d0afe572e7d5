#!/bin/sh
# Debian packages the test run and the benchmark need, installed with apt-get when
# missing: Chromium and ChromeDriver for the GraphiQL browser test
# (tests/http/test_graphiql_browser.py), wrk for the benchmark and the tests that
# drive it (tests/benchmarks), Prometheus for the scrape of the router's metrics
# (tests/deploy/test_grafana_dashboard.py). Idempotent: does nothing when all are
# there. CI runs as root; elsewhere it uses sudo when available.
#   sh scripts/ensure-debian-packages.sh [chromium] [wrk] [prometheus]   (no argument: all)
set -eu

wanted=${*:-chromium wrk prometheus}
missing=""
for tool in $wanted; do
    case $tool in
        chromium)
            if [ ! -x /usr/bin/chromium ] || ! command -v chromedriver >/dev/null 2>&1; then
                missing="$missing chromium chromium-driver"
            fi ;;
        wrk)
            command -v wrk >/dev/null 2>&1 || missing="$missing wrk" ;;
        prometheus)
            [ -x /usr/bin/prometheus ] || missing="$missing prometheus" ;;
        *)
            echo "ensure-debian-packages: unknown tool $tool" >&2; exit 2 ;;
    esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "ensure-debian-packages: missing:$missing; run as root: apt-get install -y$missing" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086  # one word per package
$SUDO apt-get install -y -qq --no-install-recommends $missing
