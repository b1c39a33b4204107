#!/usr/bin/env bash
# Builds (or reuses) a real Kubernetes control plane from published Go modules:
#   kube-apiserver, kube-controller-manager, kube-scheduler, kubectl  (./go.mod)
#   etcd                                                                (./etcd/go.mod)
#   kwok                                                                (./kwok/go.mod)
#   helm                                                                (./helm/go.mod)
# into ${AEGIS_CACHE:-$HOME/.cache/aegis-canary}/controlplane/<k8s>-<etcd>-<kwok>/bin/.
#
# Progress goes to stderr; stdout gets exactly one line: the bin dir (also the last line).
# Beside bin/: kwok-stages.yaml, kwok's Stage config (pass with kwok --config), made from the
# stage files of the pinned kwok module; gateway-api/, the standard-channel CRDs of the pinned
# sigs.k8s.io/gateway-api module (./gateway-api/go.mod), as a user installs them; prometheus-operator/,
# the ServiceMonitor and PrometheusRule CRDs of the pinned Prometheus Operator module (./prometheus-operator/go.mod).
# A warm run (stamp present and matching the hash of our go.mod/go.sum files and build
# flags) only checks the stamp and does not need `go` at all.
# Go's output goes to <cache dir>/logs/*.log; on failure one line on stderr names the log.
#
# Usage: tools/controlplane/build.sh [--force] [--link <path>]
#   --link <path>: also make <path> a symlink to the bin dir (the Maven build points the tests at it).
# Needs: go >= 1.26.0 and the Go module proxy (GOPROXY); nothing else is downloaded.
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
link() { # points $LINK (if asked for) at the bin dir
  [[ -z "$LINK" ]] && return 0
  mkdir -p "$(dirname "$LINK")" && ln -sfn "$BIN" "$LINK" || die "cannot link $LINK to $BIN"
}
say() { echo "$*" >&2; }

# Versions come from the pinned go.mod files (single source of truth).
mod_version() { # <go.mod> <module path>
  awk -v m="$2" '($1 == m || ($1 == "require" && $2 == m)) && $0 !~ /=>/ {
      for (i = 1; i <= NF; i++) if ($i ~ /^v[0-9]/) { print $i; exit } }' "$1"
}
K8S_VERSION="$(mod_version "$HERE/go.mod" k8s.io/kubernetes)"
ETCD_VERSION="$(mod_version "$HERE/etcd/go.mod" go.etcd.io/etcd/server/v3)"
KWOK_VERSION="$(mod_version "$HERE/kwok/go.mod" sigs.k8s.io/kwok)"
[[ -n "$K8S_VERSION" && -n "$ETCD_VERSION" && -n "$KWOK_VERSION" ]] \
  || die "cannot read pinned versions from $HERE/{,etcd/,kwok/}go.mod"

K8S_MAJOR="${K8S_VERSION#v}"; K8S_MAJOR="${K8S_MAJOR%%.*}"
K8S_MINOR="${K8S_VERSION#v*.}"; K8S_MINOR="${K8S_MINOR%%.*}"

CACHE_ROOT="${AEGIS_CACHE:-$HOME/.cache/aegis-canary}"
OUT="$CACHE_ROOT/controlplane/$K8S_VERSION-$ETCD_VERSION-$KWOK_VERSION"
BIN="$OUT/bin"
LOGS="$OUT/logs"
STAMP="$BIN/.complete"

export GOWORK=off CGO_ENABLED=0
export GOFLAGS="-mod=readonly -trimpath -buildvcs=false"

# -X flags as in kubernetes' hack/lib/version.sh (both packages, so `kubectl version`
# and the servers' /version report the release). buildDate is set at build time below.
K8S_X_FLAGS=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  K8S_X_FLAGS+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=$K8S_MAJOR -X $pkg.gitMinor=$K8S_MINOR"
done
K8S_LDFLAGS="-s -w$K8S_X_FLAGS"
ETCD_LDFLAGS="-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=module-$ETCD_VERSION"
KWOK_LDFLAGS="-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION#v}"
HELM_VERSION="$(mod_version "$HERE/helm/go.mod" helm.sh/helm/v4)"
[[ -n "$HELM_VERSION" ]] || die "cannot read the pinned helm version from $HERE/helm/go.mod"
HELM_LDFLAGS="-s -w -X helm.sh/helm/v4/internal/version.version=$HELM_VERSION"

# Cache key: every input that changes the output besides the versions in the dir name.
hash_inputs() {
  (
    cd "$HERE"
    cat go.mod go.sum etcd/go.mod etcd/go.sum etcd/main.go kwok/go.mod kwok/go.sum gateway-api/go.mod gateway-api/go.sum \
      prometheus-operator/go.mod prometheus-operator/go.sum
    printf '%s\n' "$GOFLAGS" "$CGO_ENABLED" "$K8S_LDFLAGS" "$ETCD_LDFLAGS" "$KWOK_LDFLAGS"
  ) | sha256sum | cut -c1-16
}
# Helm has its own key, so adding or upgrading it never rebuilds the control plane (and back).
hash_helm() { (cd "$HERE" && cat helm/go.mod helm/go.sum && printf '%s\n' "$GOFLAGS" "$CGO_ENABLED" "$HELM_LDFLAGS") | sha256sum | cut -c1-16; }
HASH="$(hash_inputs)"
HELM_HASH="$(hash_helm)"

BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kubectl etcd kwok helm)

# kwok's Stage config (nodes Ready at once with lease heartbeats; pods Ready, completed, deleted),
# made from the stage files shipped in the pinned kwok module: never committed here.
STAGES="$OUT/kwok-stages.yaml"
GATEWAY_CRDS="$OUT/gateway-api"
MONITORING_CRDS="$OUT/prometheus-operator"
KWOK_STAGE_FILES=(
  kustomize/stage/node/fast/node-initialize.yaml
  kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml
  kustomize/stage/pod/fast/pod-ready.yaml
  kustomize/stage/pod/fast/pod-complete.yaml
  kustomize/stage/pod/fast/pod-delete.yaml
)

all_present() {
  local b
  for b in "${BINARIES[@]}"; do [[ -x "$BIN/$b" ]] || return 1; done
  [[ -s "$STAGES" ]] && [[ -s "$GATEWAY_CRDS/gateway.networking.k8s.io_httproutes.yaml" ]] \
    && [[ -s "$MONITORING_CRDS/monitoring.coreos.com_prometheusrules.yaml" ]]
}

# Warm path: no lock, no go.
if [[ $FORCE == 0 && -f "$STAMP" && "$(cat "$STAMP")" == "$HASH $HELM_HASH" ]] && all_present; then
  say "control plane $K8S_VERSION / etcd $ETCD_VERSION / kwok $KWOK_VERSION: up to date"
  link
  echo "$BIN"
  exit 0
fi

mkdir -p "$BIN" "$LOGS"
# Serialise concurrent builds of the same version (e.g. two test JVMs).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$OUT/.lock"
  flock 9
  # Another process may have finished the build while we waited.
  if [[ $FORCE == 0 && -f "$STAMP" && "$(cat "$STAMP")" == "$HASH $HELM_HASH" ]] && all_present; then
    say "control plane $K8S_VERSION / etcd $ETCD_VERSION / kwok $KWOK_VERSION: up to date"
    link
    echo "$BIN"
    exit 0
  fi
fi
rm -f "$STAMP"

command -v go >/dev/null 2>&1 \
  || die "'go' not found on PATH: Go >= 1.26.0 is needed to build the control plane into $BIN"
# Running go inside the module checks the toolchain against `go 1.26.0` in go.mod.
( cd "$HERE" && go version ) >"$LOGS/go-version.log" 2>&1 \
  || die "go toolchain unusable for $HERE/go.mod (needs Go >= 1.26.0); see $LOGS/go-version.log"
say "using $(cat "$LOGS/go-version.log"); logs in $LOGS"

BUILD_DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
DATE_FLAGS=" -X k8s.io/component-base/version.buildDate=$BUILD_DATE -X k8s.io/client-go/pkg/version.buildDate=$BUILD_DATE"

build_one() { # <name> <module dir> <package> <version> <ldflags> [<inputs hash>]
  local name="$1" dir="$2" pkg="$3" version="$4" ldflags="$5" hash="${6:-$HASH}"
  local marker="$BIN/.$name.built" log="$LOGS/$name.log"
  # Resume support: a binary built with the same inputs by an interrupted run is kept.
  if [[ $FORCE == 0 && -x "$BIN/$name" && -f "$marker" && "$(cat "$marker")" == "$hash" ]]; then
    say "reusing $name $version"
    return 0
  fi
  rm -f "$marker"
  say "building $name $version ..."
  local start=$SECONDS tmp="$BIN/.$name.tmp.$$"
  if ! ( cd "$dir" && go build -v -ldflags "$ldflags" -o "$tmp" "$pkg" ) >"$log" 2>&1; then
    rm -f "$tmp"
    die "building $name $version failed (go build $pkg); see $log"
  fi
  mv -f "$tmp" "$BIN/$name"
  echo "$hash" >"$marker"
  say "built $name $version in $((SECONDS - start))s ($(du -h "$BIN/$name" | cut -f1))"
}

build_one kube-apiserver          "$HERE"      k8s.io/kubernetes/cmd/kube-apiserver          "$K8S_VERSION"  "$K8S_LDFLAGS$DATE_FLAGS"
build_one kube-controller-manager "$HERE"      k8s.io/kubernetes/cmd/kube-controller-manager "$K8S_VERSION"  "$K8S_LDFLAGS$DATE_FLAGS"
build_one kube-scheduler          "$HERE"      k8s.io/kubernetes/cmd/kube-scheduler          "$K8S_VERSION"  "$K8S_LDFLAGS$DATE_FLAGS"
build_one kubectl                 "$HERE"      k8s.io/kubernetes/cmd/kubectl                 "$K8S_VERSION"  "$K8S_LDFLAGS$DATE_FLAGS"
build_one etcd                    "$HERE/etcd" aegis.dev/tools/controlplane/etcd             "$ETCD_VERSION" "$ETCD_LDFLAGS"
build_one kwok                    "$HERE/kwok" sigs.k8s.io/kwok/cmd/kwok                     "$KWOK_VERSION" "$KWOK_LDFLAGS"
build_one helm                    "$HERE/helm" helm.sh/helm/v4/cmd/helm                      "$HELM_VERSION" "$HELM_LDFLAGS" "$HELM_HASH"

KWOK_MOD_DIR="$(cd "$HERE/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok 2>>"$LOGS/kwok-stages.log")" \
  || die "cannot find the sigs.k8s.io/kwok module dir (go list -m); see $LOGS/kwok-stages.log"
{
  echo "# kwok Stage config assembled by tools/controlplane/build.sh from sigs.k8s.io/kwok $KWOK_VERSION:"
  for f in "${KWOK_STAGE_FILES[@]}"; do
    [[ -s "$KWOK_MOD_DIR/$f" ]] || die "kwok $KWOK_VERSION has no $f in $KWOK_MOD_DIR"
    echo "---"
    cat "$KWOK_MOD_DIR/$f"
  done
} >"$STAGES.tmp.$$"
mv -f "$STAGES.tmp.$$" "$STAGES"
say "kwok stages: $STAGES"

# The Gateway API's standard channel (the release's standard-install: its CRDs and the
# ValidatingAdmissionPolicy that guards upgrades), copied from the module; never committed here.
GATEWAY_MOD_DIR="$(cd "$HERE/gateway-api" && go mod download -json sigs.k8s.io/gateway-api 2>>"$LOGS/gateway-api.log" \
  | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[[ -d "$GATEWAY_MOD_DIR/config/crd/standard" ]] \
  || die "cannot find the sigs.k8s.io/gateway-api module's config/crd/standard (go mod download); see $LOGS/gateway-api.log"
rm -rf "$GATEWAY_CRDS.tmp.$$" && mkdir -p "$GATEWAY_CRDS.tmp.$$"
cp "$GATEWAY_MOD_DIR"/config/crd/standard/gateway.networking.k8s.io_*.yaml "$GATEWAY_CRDS.tmp.$$/"
chmod -R u+w "$GATEWAY_CRDS.tmp.$$"
rm -rf "$GATEWAY_CRDS" && mv "$GATEWAY_CRDS.tmp.$$" "$GATEWAY_CRDS"
say "Gateway API CRDs: $GATEWAY_CRDS"

# The Prometheus Operator's ServiceMonitor and PrometheusRule CRDs, for deploy/monitoring.
PROMOP_MOD_DIR="$(cd "$HERE/prometheus-operator" && go mod download -json github.com/prometheus-operator/prometheus-operator \
  2>>"$LOGS/prometheus-operator.log" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[[ -d "$PROMOP_MOD_DIR/example/prometheus-operator-crd" ]] \
  || die "cannot find the Prometheus Operator module's example/prometheus-operator-crd; see $LOGS/prometheus-operator.log"
rm -rf "$MONITORING_CRDS.tmp.$$" && mkdir -p "$MONITORING_CRDS.tmp.$$"
cp "$PROMOP_MOD_DIR"/example/prometheus-operator-crd/monitoring.coreos.com_{servicemonitors,prometheusrules}.yaml \
  "$MONITORING_CRDS.tmp.$$/"
chmod -R u+w "$MONITORING_CRDS.tmp.$$"
rm -rf "$MONITORING_CRDS" && mv "$MONITORING_CRDS.tmp.$$" "$MONITORING_CRDS"
say "Prometheus Operator CRDs: $MONITORING_CRDS"

echo "$HASH $HELM_HASH" >"$STAMP"
link
say "control plane ready in $BIN"
echo "$BIN"
