#!/usr/bin/env bash
# Makes sure the demo has a Prometheus: one on the PATH (or $AEGIS_PROMETHEUS_BINARY) is used as it is;
# otherwise Prometheus 3.x is built from its Go module (./build.sh, once, then cached) and linked at <link>.
# Usage: tools/prometheus/ensure.sh <link>
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LINK="${1:?usage: $0 <link>}"
if [[ -n "${AEGIS_PROMETHEUS_BINARY:-}" ]] || command -v prometheus >/dev/null 2>&1; then
  exit 0
fi
if [[ -x "$LINK/prometheus" ]] && "$HERE/build.sh" --link "$LINK" >/dev/null 2>&1; then
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "ensure.sh: Prometheus not found and no Go to build one: sudo apt-get install -y prometheus (or install Go 1.26+)" >&2
  exit 1
fi
echo "no prometheus on the PATH: building Prometheus 3.x from its Go module (once, about 3 minutes; tools/prometheus/build.sh)" >&2
"$HERE/build.sh" --link "$LINK" >/dev/null
