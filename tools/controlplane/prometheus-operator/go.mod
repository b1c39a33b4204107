// The Prometheus Operator's CRDs (ServiceMonitor, PrometheusRule) the real-cluster tests install to apply
// deploy/monitoring, read from the published module's example/prometheus-operator-crd (nothing is built from it).
module aegis.dev/tools/controlplane/prometheus-operator

go 1.26.0

require github.com/prometheus-operator/prometheus-operator v0.85.0
