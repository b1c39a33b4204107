#!/usr/bin/env bash
# Builds (or reuses) Prometheus 3.x and promtool from the published Go module
# github.com/prometheus/prometheus (./go.mod pins it) into
# ${AEGIS_CACHE:-$HOME/.cache/aegis-canary}/prometheus/<version>/bin/.
#
# Why: the tests' real control plane needs a Prometheus that finds pods as in production
# (kubernetes_sd_configs), which Debian's Prometheus 2.42 is built without. Only the file, HTTP
# and Kubernetes service discoveries are compiled in (Prometheus' own build tags), and no web UI
# assets (the API and /-/ready are what the tests use).
#
# Progress goes to stderr; stdout gets exactly one line: the bin dir. A warm run (stamp matching
# the hash of go.mod/go.sum and the flags) does not need `go` at all. Go's output goes to
# <cache dir>/logs/*.log; on failure one line on stderr names the log.
#
# Usage: tools/prometheus/build.sh [--force] [--link <path>]
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FORCE=0
LINK=""
while (($#)); do
  case "$1" in
    --force) FORCE=1 ;;
    --link) [[ -n "${2:-}" ]] || { echo "usage: $0 [--force] [--link <path>]" >&2; exit 2; }; LINK="$2"; shift ;;
    *) echo "usage: $0 [--force] [--link <path>]" >&2; exit 2 ;;
  esac
  shift
done

die() { echo "build.sh: $*" >&2; exit 1; }
say() { echo "$*" >&2; }

MODULE=github.com/prometheus/prometheus
# Prometheus 3.x is published as module versions v0.3XX.Y for release 3.XX.Y.
MOD_VERSION="$(awk -v m="$MODULE" '$1 == m { print $2; exit }' "$HERE/go.mod")"
[[ "$MOD_VERSION" =~ ^v0\.3([0-9]{2})\.([0-9]+)$ ]] || die "cannot read a 3.x version of $MODULE from $HERE/go.mod"
VERSION="3.$((10#${BASH_REMATCH[1]})).${BASH_REMATCH[2]}"

CACHE_ROOT="${AEGIS_CACHE:-$HOME/.cache/aegis-canary}"
OUT="$CACHE_ROOT/prometheus/v$VERSION"
BIN="$OUT/bin"
LOGS="$OUT/logs"
STAMP="$BIN/.complete"

export GOWORK=off CGO_ENABLED=0
export GOFLAGS="-mod=readonly -trimpath -buildvcs=false"
TAGS="remove_all_sd,enable_kubernetes_sd,netgo"
LDFLAGS="-s -w -X github.com/prometheus/common/version.Version=$VERSION -X github.com/prometheus/common/version.Branch=module-$MOD_VERSION"
HASH="$( (cd "$HERE" && cat go.mod go.sum && printf '%s\n' "$GOFLAGS" "$TAGS" "$LDFLAGS") | sha256sum | cut -c1-16)"

link() {
  [[ -z "$LINK" ]] && return 0
  mkdir -p "$(dirname "$LINK")" && ln -sfn "$BIN" "$LINK" || die "cannot link $LINK to $BIN"
}
up_to_date() { [[ $FORCE == 0 && -f "$STAMP" && "$(cat "$STAMP")" == "$HASH" && -x "$BIN/prometheus" && -x "$BIN/promtool" ]]; }

if up_to_date; then
  say "prometheus $VERSION: up to date"
  link
  echo "$BIN"
  exit 0
fi

mkdir -p "$BIN" "$LOGS"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$OUT/.lock"
  flock 9
  if up_to_date; then
    say "prometheus $VERSION: up to date"
    link
    echo "$BIN"
    exit 0
  fi
fi
rm -f "$STAMP"

command -v go >/dev/null 2>&1 \
  || die "'go' not found on PATH: Go >= 1.26.0 is needed to build Prometheus $VERSION into $BIN"
( cd "$HERE" && go version ) >"$LOGS/go-version.log" 2>&1 \
  || die "go toolchain unusable for $HERE/go.mod (needs Go >= 1.26.0); see $LOGS/go-version.log"
say "using $(cat "$LOGS/go-version.log"); logs in $LOGS"

for name in prometheus promtool; do
  log="$LOGS/$name.log"
  tmp="$BIN/.$name.tmp.$$"
  say "building $name $VERSION ..."
  start=$SECONDS
  if ! ( cd "$HERE" && go build -v -tags "$TAGS" -ldflags "$LDFLAGS" -o "$tmp" "$MODULE/cmd/$name" ) >"$log" 2>&1; then
    rm -f "$tmp"
    die "building $name $VERSION failed (go build $MODULE/cmd/$name); see $log"
  fi
  mv -f "$tmp" "$BIN/$name"
  say "built $name $VERSION in $((SECONDS - start))s ($(du -h "$BIN/$name" | cut -f1))"
done

echo "$HASH" >"$STAMP"
link
say "prometheus ready in $BIN"
echo "$BIN"
