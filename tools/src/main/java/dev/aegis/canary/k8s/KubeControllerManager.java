package dev.aegis.canary.k8s;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * kube-controller-manager: the real Deployment, ReplicaSet, DaemonSet, StatefulSet, garbage-collector, HPA and
 * PersistentVolume binder controllers, and those a namespace and its service accounts need. Each controller uses its
 * own service account. Ready when /healthz answers.
 */
final class KubeControllerManager extends ComponentProcess {

    static final List<String> CONTROLLERS = List.of("deployment-controller", "replicaset-controller",
            "daemonset-controller", "statefulset-controller", "garbage-collector-controller",
            "horizontal-pod-autoscaler-controller", "serviceaccount-controller", "serviceaccount-token-controller",
            "namespace-controller", "root-ca-certificate-publisher-controller", "endpoints-controller",
            "endpointslice-controller", "disruption-controller", "pod-garbage-collector-controller",
            "node-lifecycle-controller", "taint-eviction-controller", "clusterrole-aggregation-controller",
            "job-controller", "cronjob-controller", "ttl-after-finished-controller", "resourcequota-controller",
            "persistentvolume-binder-controller");

    private final Path binary;
    private final Path kubeconfig;
    private final Pki pki;
    private final int port = freePort();

    KubeControllerManager(Path bin, Path kubeconfig, Pki pki, Path logs) {
        super("kube-controller-manager", logs);
        this.binary = bin.resolve("kube-controller-manager");
        this.kubeconfig = kubeconfig;
        this.pki = pki;
    }

    @Override
    List<String> command() {
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--kubeconfig=" + kubeconfig,
                "--authentication-kubeconfig=" + kubeconfig,
                "--authorization-kubeconfig=" + kubeconfig, "--bind-address=127.0.0.1", "--secure-port=" + port,
                "--leader-elect=false", "--controllers=" + String.join(",", CONTROLLERS),
                "--use-service-account-credentials=true",
                "--service-account-private-key-file=" + pki.dir.resolve("sa.key"), "--root-ca-file=" + pki.caCert(),
                "--cluster-name=aegis",
                // a node whose lease is older than this is NotReady: at least the default, and longer leases need
                // longer (kwok renews a quarter of the way through)
                "--node-monitor-grace-period=" + Math.max(50, ControlPlane.nodeLeaseSeconds()) + "s"));
        Integer qps = ControlPlane.controllerManagerQps();
        if (qps != null) {
            command.add("--kube-api-qps=" + qps);
            command.add("--kube-api-burst=" + qps * 3 / 2); // the defaults' ratio (20, 30)
        }
        return command;
    }

    @Override
    boolean ready() {
        return answers200("https://127.0.0.1:" + port + "/healthz");
    }
}
