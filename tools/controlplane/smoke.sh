#!/usr/bin/env bash
# Smoke test of the control plane built by ./build.sh, everything on 127.0.0.1:
#   etcd, kube-apiserver (RBAC+Node authz, audit log, client-cert auth, SA signing),
#   kube-controller-manager, kube-scheduler, kwok (3 fake nodes),
# then a Deployment (2 replicas) and a DaemonSet whose pods must become Running/Ready,
# /version must report the pinned release; then everything is stopped.
#
# Usage: tools/controlplane/smoke.sh            (KEEP=1 keeps the temp dir with logs/certs)
# Needs: bash, openssl, curl (+ go for the first build).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BIN="$("$HERE/build.sh" | tail -n 1)"
K8S_VERSION="$(awk '$1 == "k8s.io/kubernetes" && $0 !~ /=>/ {print $2; exit}' "$HERE/go.mod")"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/aegis-controlplane.XXXXXX")"
PKI="$WORK/pki"; LOGS="$WORK/logs"
mkdir -p "$PKI" "$LOGS"
mkdir -m 700 "$WORK/etcd"
PIDS=()
OK=0

log() { printf '[%6.1fs] %s\n' "$(elapsed)" "$*"; }
START_NS=$(date +%s%N)
elapsed() { awk -v s="$START_NS" -v n="$(date +%s%N)" 'BEGIN { printf "%.1f", (n - s) / 1e9 }'; }

# Stop processes newest first (kwok, scheduler, kcm, then kube-apiserver, then etcd), so no
# component outlives what it talks to; SIGTERM, SIGKILL after 15s.
stop() { # <pid>
  kill -TERM "$1" 2>/dev/null || return 0
  ( sleep 15; kill -KILL "$1" 2>/dev/null ) &
  local timer=$!
  wait "$1" 2>/dev/null || true
  kill "$timer" 2>/dev/null || true
  wait "$timer" 2>/dev/null || true
}
cleanup() {
  local rc=$? i
  local t=$SECONDS
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop "${PIDS[i]}"; done
  ((${#PIDS[@]} == 0)) || echo "smoke: stopped ${#PIDS[@]} processes in $((SECONDS - t))s"
  if [[ $OK != 1 ]]; then
    echo "smoke: FAILED (rc=$rc); last log lines:" >&2
    for f in "$LOGS"/*.log; do [[ $f == */audit.log ]] && continue; echo "== $f" >&2; tail -n 15 "$f" >&2 || true; done
  fi
  if [[ ${KEEP:-0} == 1 || $OK != 1 ]]; then echo "smoke: work dir kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# A free loopback TCP port (nothing answering on it), avoiding ones already picked.
PICKED=" "
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 30000))
    [[ $PICKED == *" $p "* ]] && continue
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
    PICKED+="$p "; echo "$p"; return
  done
}
ETCD_PORT=$(free_port); ETCD_PEER_PORT=$(free_port); API_PORT=$(free_port)
KCM_PORT=$(free_port); SCHED_PORT=$(free_port)

wait_for() { # <what> <timeout s> <command...>
  local what=$1 timeout=$2; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || { echo "smoke: timed out after ${timeout}s waiting for $what" >&2; return 1; }
    sleep 0.2
  done
}

# ---------------------------------------------------------------- PKI (openssl)
cat >"$PKI/ca.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
x509_extensions = v3_ca
[dn]
CN = aegis-canary-test-ca
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
subjectKeyIdentifier = hash
EOF
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
  -config "$PKI/ca.cnf" -keyout "$PKI/ca.key" -out "$PKI/ca.crt" 2>/dev/null
issue() { # <name> <subject> <extendedKeyUsage> [subjectAltName]
  local name=$1 subj=$2 eku=$3 san=${4:-}
  {
    echo "basicConstraints = CA:FALSE"
    echo "keyUsage = critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage = $eku"
    [[ -n $san ]] && echo "subjectAltName = $san"
  } >"$PKI/$name.ext"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "$subj" \
    -keyout "$PKI/$name.key" -out "$PKI/$name.csr" 2>/dev/null
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 365 -extfile "$PKI/$name.ext" -out "$PKI/$name.crt" 2>/dev/null
}
issue apiserver "/CN=kube-apiserver" serverAuth \
  "IP:127.0.0.1,DNS:localhost,IP:10.96.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
issue admin                   "/O=system:masters/CN=aegis-admin"          clientAuth
issue kube-controller-manager "/CN=system:kube-controller-manager"        clientAuth
issue kube-scheduler          "/CN=system:kube-scheduler"                 clientAuth
issue kwok                    "/O=system:masters/CN=kwok-controller"      clientAuth
# Front-proxy (requestheader) CA: lets kcm/scheduler delegated authn load a complete
# extension-apiserver-authentication configmap, and makes API aggregation usable.
sed 's/aegis-canary-test-ca/aegis-canary-test-front-proxy-ca/' "$PKI/ca.cnf" >"$PKI/front-proxy-ca.cnf"
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
  -config "$PKI/front-proxy-ca.cnf" -keyout "$PKI/front-proxy-ca.key" -out "$PKI/front-proxy-ca.crt" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=front-proxy-client" \
  -keyout "$PKI/front-proxy-client.key" -out "$PKI/front-proxy-client.csr" 2>/dev/null
printf 'basicConstraints = CA:FALSE\nkeyUsage = critical,digitalSignature,keyEncipherment\nextendedKeyUsage = clientAuth\n' \
  >"$PKI/front-proxy-client.ext"
openssl x509 -req -in "$PKI/front-proxy-client.csr" -CA "$PKI/front-proxy-ca.crt" -CAkey "$PKI/front-proxy-ca.key" \
  -CAcreateserial -days 365 -extfile "$PKI/front-proxy-client.ext" -out "$PKI/front-proxy-client.crt" 2>/dev/null
openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null

kubeconfig() { # <user>
  cat >"$WORK/$1.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: aegis
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority: $PKI/ca.crt
users:
- name: $1
  user:
    client-certificate: $PKI/$1.crt
    client-key: $PKI/$1.key
contexts:
- name: aegis
  context: {cluster: aegis, user: $1}
current-context: aegis
EOF
}
for u in admin kube-controller-manager kube-scheduler kwok; do kubeconfig "$u"; done
export KUBECONFIG="$WORK/admin.kubeconfig"
kc() { "$BIN/kubectl" "$@"; }

cat >"$WORK/audit-policy.yaml" <<'EOF'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: Metadata
EOF
log "pki, kubeconfigs and audit policy ready in $WORK"

# ---------------------------------------------------------------- control plane

START_NS=$(date +%s%N)
log "starting etcd (client 127.0.0.1:$ETCD_PORT)"
"$BIN/etcd" \
  --name=aegis \
  --data-dir="$WORK/etcd" \
  --listen-client-urls="http://127.0.0.1:$ETCD_PORT" \
  --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster="aegis=http://127.0.0.1:$ETCD_PEER_PORT" \
  --unsafe-no-fsync=true \
  --log-level=warn \
  >"$LOGS/etcd.log" 2>&1 &
PIDS+=($!)
wait_for "etcd /health" 30 curl -fsS "http://127.0.0.1:$ETCD_PORT/health"
log "etcd healthy"

log "starting kube-apiserver (https://127.0.0.1:$API_PORT)"
"$BIN/kube-apiserver" \
  --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
  --bind-address=127.0.0.1 \
  --advertise-address=127.0.0.1 \
  --endpoint-reconciler-type=none \
  --secure-port="$API_PORT" \
  --tls-cert-file="$PKI/apiserver.crt" \
  --tls-private-key-file="$PKI/apiserver.key" \
  --client-ca-file="$PKI/ca.crt" \
  --authorization-mode=Node,RBAC \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$PKI/sa.pub" \
  --service-account-signing-key-file="$PKI/sa.key" \
  --service-cluster-ip-range=10.96.0.0/16 \
  --audit-policy-file="$WORK/audit-policy.yaml" \
  --audit-log-path="$LOGS/audit.log" \
  --requestheader-client-ca-file="$PKI/front-proxy-ca.crt" \
  --requestheader-allowed-names=front-proxy-client \
  --requestheader-username-headers=X-Remote-User \
  --requestheader-group-headers=X-Remote-Group \
  --requestheader-extra-headers-prefix=X-Remote-Extra- \
  --proxy-client-cert-file="$PKI/front-proxy-client.crt" \
  --proxy-client-key-file="$PKI/front-proxy-client.key" \
  >"$LOGS/kube-apiserver.log" 2>&1 &
PIDS+=($!)

wait_for "kube-apiserver /readyz" 90 kc get --raw /readyz
T_API=$(elapsed)
log "kube-apiserver /readyz ok"

log "starting kube-controller-manager (https://127.0.0.1:$KCM_PORT), kube-scheduler (https://127.0.0.1:$SCHED_PORT), kwok"
"$BIN/kube-controller-manager" \
  --kubeconfig="$WORK/kube-controller-manager.kubeconfig" \
  --authentication-kubeconfig="$WORK/kube-controller-manager.kubeconfig" \
  --authorization-kubeconfig="$WORK/kube-controller-manager.kubeconfig" \
  --bind-address=127.0.0.1 \
  --secure-port="$KCM_PORT" \
  --leader-elect=false \
  --controllers=deployment-controller,replicaset-controller,daemonset-controller,statefulset-controller,garbage-collector-controller,horizontal-pod-autoscaler-controller,serviceaccount-controller,serviceaccount-token-controller,namespace-controller,root-ca-certificate-publisher-controller,endpoints-controller,endpointslice-controller,disruption-controller,pod-garbage-collector-controller,node-lifecycle-controller,taint-eviction-controller,clusterrole-aggregation-controller,job-controller,cronjob-controller,ttl-after-finished-controller,resourcequota-controller \
  --use-service-account-credentials=true \
  --service-account-private-key-file="$PKI/sa.key" \
  --root-ca-file="$PKI/ca.crt" \
  --cluster-name=aegis \
  >"$LOGS/kube-controller-manager.log" 2>&1 &
PIDS+=($!)

"$BIN/kube-scheduler" \
  --kubeconfig="$WORK/kube-scheduler.kubeconfig" \
  --authentication-kubeconfig="$WORK/kube-scheduler.kubeconfig" \
  --authorization-kubeconfig="$WORK/kube-scheduler.kubeconfig" \
  --bind-address=127.0.0.1 \
  --secure-port="$SCHED_PORT" \
  --leader-elect=false \
  >"$LOGS/kube-scheduler.log" 2>&1 &
PIDS+=($!)

"$BIN/kwok" \
  --kubeconfig="$WORK/kwok.kubeconfig" \
  --config="$BIN/../kwok-stages.yaml" \
  --manage-all-nodes=false \
  --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
  --node-ip=127.0.0.1 \
  --node-lease-duration-seconds=40 \
  --cidr=10.244.0.0/16 \
  >"$LOGS/kwok.log" 2>&1 &
PIDS+=($!)

# ---------------------------------------------------------------- fake nodes
ZONES=(zone-a zone-b zone-c)
for i in 0 1 2; do
  zone=${ZONES[i]}
  cat <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$i
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    type: kwok
    kubernetes.io/arch: amd64
    kubernetes.io/os: linux
    kubernetes.io/hostname: kwok-node-$i
    node-role.kubernetes.io/agent: ""
    topology.kubernetes.io/region: aegis-test
    topology.kubernetes.io/zone: $zone
spec: {}
status:
  allocatable: {cpu: "8", memory: 32Gi, pods: "110"}
  capacity: {cpu: "8", memory: 32Gi, pods: "110"}
  nodeInfo:
    architecture: amd64
    operatingSystem: linux
    kubeletVersion: fake
EOF
done >"$WORK/nodes.yaml"
kc apply -f "$WORK/nodes.yaml" >/dev/null
wait_for "kube-controller-manager /healthz" 60 curl -fsSk "https://127.0.0.1:$KCM_PORT/healthz"
wait_for "kube-scheduler /readyz" 60 curl -fsSk "https://127.0.0.1:$SCHED_PORT/readyz"
kc wait --for=condition=Ready node -l type=kwok --timeout=60s >/dev/null
wait_for "serviceaccount default/default" 60 kc get serviceaccount default -n default
T_READY=$(elapsed)
log "control plane ready: apiserver /readyz ${T_API}s, kcm+scheduler healthy, 3 nodes Ready, default SA present: ${T_READY}s"

# ---------------------------------------------------------------- workloads
cat >"$WORK/workloads.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: {name: demo, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: demo}}
  template:
    metadata: {labels: {app: demo}}
    spec:
      containers:
      - name: app
        image: registry.invalid/aegis/demo:1.0.0
        ports: [{containerPort: 8080}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: default}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers:
      - name: agent
        image: registry.invalid/aegis/agent:1.0.0
EOF
kc apply -f "$WORK/workloads.yaml"
kc rollout status deployment/demo --timeout=60s
kc rollout status daemonset/agent --timeout=60s
kc wait --for=condition=Ready pod -l 'app in (demo,agent)' --timeout=60s >/dev/null
T_PODS=$(elapsed)
log "workload pods Ready (${T_PODS}s after start)"
kc get nodes -L topology.kubernetes.io/zone -o wide
kc get pods -o wide

running=$(kc get pods -l 'app in (demo,agent)' --field-selector=status.phase=Running -o name | wc -l)
[[ $running == 5 ]] || { echo "smoke: expected 5 Running pods (2 demo + 3 agent), got $running" >&2; exit 1; }
version="$(kc get --raw /version)"
grep -q "\"gitVersion\": *\"$K8S_VERSION\"" <<<"$version" \
  || { echo "smoke: /version does not report $K8S_VERSION: $version" >&2; exit 1; }
log "/version reports $K8S_VERSION; kubectl: $(kc version --client -o json | grep -m1 gitVersion | tr -d ' ,')"
if command -v ss >/dev/null 2>&1; then # every listening socket of ours must be on loopback
  pid_re="pid=($(IFS='|'; echo "${PIDS[*]}"))\b"
  listeners="$(ss -Hltnp | grep -E "$pid_re" | awk '{print $4}' | sort -u | tr '\n' ' ')"
  grep -qvE '^(127\.[0-9.]+|\[::1\]):[0-9]+$' <(tr ' ' '\n' <<<"$listeners" | grep .) \
    && { echo "smoke: non-loopback listener(s): $listeners" >&2; exit 1; }
  log "listening sockets (all loopback): $listeners"
fi
[[ -s "$LOGS/audit.log" ]] || { echo "smoke: audit log $LOGS/audit.log is empty" >&2; exit 1; }
log "audit log: $(wc -l <"$LOGS/audit.log") events"
OK=1
echo "smoke: OK (control plane ready in ${T_READY}s, pods Ready at ${T_PODS}s)"
