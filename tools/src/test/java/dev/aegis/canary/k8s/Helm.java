package dev.aegis.canary.k8s;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Helm as built by tools/controlplane/build.sh (from its Go module), run from the repository's root with its cache,
 * config and data under target/helm, so a test never reads or writes the user's ~/.config/helm.
 */
public final class Helm {

    public static final String CHART = "deploy/helm/aegis-canary";

    private static final Path HOME = Path.of("target", "helm").toAbsolutePath();

    private Helm() {
    }

    /** helm with args where no cluster is needed (lint, template). */
    public static Kubectl.Result run(String... args) {
        return exec(List.of(args));
    }

    /** helm with args against the control plane, as its admin. */
    public static Kubectl.Result run(ControlPlane plane, String... args) {
        List<String> all = new ArrayList<>();
        all.add("--kubeconfig=" + plane.adminKubeconfig());
        all.addAll(List.of(args));
        return exec(all);
    }

    private static Kubectl.Result exec(List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(ControlPlane.binDir().resolve("helm").toString());
        command.addAll(args);
        return Kubectl.exec(command, Map.of("HELM_CACHE_HOME", HOME.resolve("cache").toString(), "HELM_CONFIG_HOME",
                HOME.resolve("config").toString(), "HELM_DATA_HOME", HOME.resolve("data").toString()));
    }
}
