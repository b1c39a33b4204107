package dev.aegis.canary.k8s;

import java.nio.file.Path;
import java.util.List;

/**
 * kwok, the kubelet of every node annotated {@code kwok.x-k8s.io/node: fake}: such nodes become Ready and their pods
 * Running and Ready, as its Stage config (made by tools/controlplane/build.sh from kwok's module) says. Ready when its
 * /healthz answers.
 */
final class Kwok extends ComponentProcess {

    static final String NODE_ANNOTATION = "kwok.x-k8s.io/node";

    private final Path binary;
    private final Path stages;
    private final Path kubeconfig;
    private final int port = freePort();

    Kwok(Path bin, Path stages, Path kubeconfig, Path logs) {
        super("kwok", logs);
        this.binary = bin.resolve("kwok");
        this.stages = stages;
        this.kubeconfig = kubeconfig;
    }

    @Override
    List<String> command() {
        return List.of(binary.toString(), "--kubeconfig=" + kubeconfig, "--config=" + stages,
                "--manage-all-nodes=false", "--manage-nodes-with-annotation-selector=" + NODE_ANNOTATION + "=fake",
                "--node-ip=127.0.0.1", "--cidr=10.244.0.0/16", "--server-address=127.0.0.1:" + port,
                // leases: without them the node lifecycle controller marks every node NotReady after ~50 s
                "--node-lease-duration-seconds=" + ControlPlane.nodeLeaseSeconds());
    }

    @Override
    boolean ready() {
        return answers200("http://127.0.0.1:" + port + "/healthz");
    }
}
