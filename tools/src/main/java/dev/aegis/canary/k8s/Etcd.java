package dev.aegis.canary.k8s;

import java.nio.file.Path;
import java.util.List;

/** etcd on 127.0.0.1, without fsync (test data only); ready when /health answers. */
final class Etcd extends ComponentProcess {

    private final Path binary;
    private final Path dataDir;
    final int clientPort = freePort();
    private final int peerPort = freePort();

    Etcd(Path bin, Path dataDir, Path logs) {
        super("etcd", logs);
        this.binary = bin.resolve("etcd");
        this.dataDir = dataDir;
    }

    String url() {
        return "http://127.0.0.1:" + clientPort;
    }

    @Override
    List<String> command() {
        String peer = "http://127.0.0.1:" + peerPort;
        return List.of(binary.toString(), "--name=aegis", "--data-dir=" + dataDir, "--listen-client-urls=" + url(),
                "--advertise-client-urls=" + url(), "--listen-peer-urls=" + peer,
                "--initial-advertise-peer-urls=" + peer, "--initial-cluster=aegis=" + peer,
                "--listen-metrics-urls=http://127.0.0.1:" + freePort(), "--unsafe-no-fsync=true",
                "--log-level=warn");
    }

    @Override
    boolean ready() {
        return answers200(url() + "/health");
    }
}
