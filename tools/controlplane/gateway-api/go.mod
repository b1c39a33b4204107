// The Gateway API CRDs the real-cluster tests install, as users install them: the standard channel of a
// release, read from the published sigs.k8s.io/gateway-api module (nothing is built from it).
module aegis.dev/tools/controlplane/gateway-api

go 1.26.0

require sigs.k8s.io/gateway-api v1.6.3
