package dev.aegis.canary.k8s;

import java.nio.file.Path;
import java.util.List;

/** kube-scheduler, places pods on the kwok nodes. Ready when /readyz answers. */
final class KubeScheduler extends ComponentProcess {

    private final Path binary;
    private final Path kubeconfig;
    private final int port = freePort();

    KubeScheduler(Path bin, Path kubeconfig, Path logs) {
        super("kube-scheduler", logs);
        this.binary = bin.resolve("kube-scheduler");
        this.kubeconfig = kubeconfig;
    }

    @Override
    List<String> command() {
        return List.of(binary.toString(), "--kubeconfig=" + kubeconfig, "--authentication-kubeconfig=" + kubeconfig,
                "--authorization-kubeconfig=" + kubeconfig, "--bind-address=127.0.0.1", "--secure-port=" + port,
                "--leader-elect=false");
    }

    @Override
    boolean ready() {
        return answers200("https://127.0.0.1:" + port + "/readyz");
    }
}
