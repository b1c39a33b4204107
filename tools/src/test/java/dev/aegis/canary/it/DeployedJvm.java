package dev.aegis.canary.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;

import dev.aegis.canary.Repo;

/**
 * The controller's JVM as deploy/deployment.yaml runs it in the image: the command line the image's run-java.sh
 * (ubi9 openjdk-17-runtime) builds from the container's environment, and the rest of that environment. Benchmarks
 * start the packaged controller with these, so that what they measure follows deploy/.
 */
final class DeployedJvm {

    /** The variables run-java.sh reads to build the JVM's options; the others reach the process as they are. */
    static final Set<String> RUN_JAVA = Set.of("JAVA_OPTS_APPEND", "GC_CONTAINER_OPTIONS", "GC_MIN_HEAP_FREE_RATIO",
            "GC_MAX_HEAP_FREE_RATIO", "GC_TIME_RATIO", "GC_ADAPTIVE_SIZE_POLICY_WEIGHT", "JAVA_MAX_MEM_RATIO");

    static final Container CONTAINER = controller();
    /** The container's memory limit, for -XX:MaxRAM in place of the cgroup the JVM would read it from. */
    static final String MEMORY_LIMIT = CONTAINER.getResources().getLimits().get("memory").toString()
            .replace("Mi", "m").replace("Gi", "g");

    /**
     * deploy/'s JVM before the footprint work (#25), as run-java.sh built it then: its Parallel collector and heap
     * sizing, and the Deployment's JAVA_OPTS_APPEND of then; -XX:MaxRAM for the same 512Mi limit. What the benchmarks
     * compare with.
     */
    static final List<String> BEFORE = List.of("-XX:MaxRAM=512m", "-XX:+UseParallelGC", "-XX:MinHeapFreeRatio=10",
            "-XX:MaxHeapFreeRatio=20", "-XX:GCTimeRatio=4", "-XX:AdaptiveSizePolicyWeight=90",
            "-XX:+ExitOnOutOfMemoryError", "-XX:MaxRAMPercentage=75", "-Djava.io.tmpdir=/tmp");

    private DeployedJvm() {
    }

    /** The JVM's options in a Pod of deploy/: -XX:MaxRAM standing in for the container's limit, then {@link #options}. */
    static List<String> podOptions() {
        List<String> options = new ArrayList<>(List.of("-XX:MaxRAM=" + MEMORY_LIMIT));
        options.addAll(options());
        return options;
    }

    static Container controller() {
        try {
            Deployment d = Serialization.unmarshal(Files.readString(Repo.file("deploy", "deployment.yaml")),
                    Deployment.class);
            return d.getSpec().getTemplate().getSpec().getContainers().stream()
                    .filter(c -> "controller".equals(c.getName())).findFirst()
                    .orElseThrow(() -> new IllegalStateException("deploy/deployment.yaml: no container 'controller'"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, String> values() {
        Map<String, String> values = new LinkedHashMap<>();
        for (EnvVar e : CONTAINER.getEnv()) {
            if (e.getValue() != null) {
                values.put(e.getName(), e.getValue());
            }
        }
        return values;
    }

    /** The options run-java.sh puts on the command line, in its order, then JAVA_OPTS_APPEND's. */
    static List<String> options() {
        Map<String, String> env = values();
        List<String> options = new ArrayList<>();
        options.add("-XX:MaxRAMPercentage=" + env.getOrDefault("JAVA_MAX_MEM_RATIO", "80") + ".0");
        options.addAll(List.of(env.getOrDefault("GC_CONTAINER_OPTIONS", "-XX:+UseParallelGC").split("\\s+")));
        options.add("-XX:MinHeapFreeRatio=" + env.getOrDefault("GC_MIN_HEAP_FREE_RATIO", "10"));
        options.add("-XX:MaxHeapFreeRatio=" + env.getOrDefault("GC_MAX_HEAP_FREE_RATIO", "20"));
        options.add("-XX:GCTimeRatio=" + env.getOrDefault("GC_TIME_RATIO", "4"));
        options.add("-XX:AdaptiveSizePolicyWeight=" + env.getOrDefault("GC_ADAPTIVE_SIZE_POLICY_WEIGHT", "90"));
        options.add("-XX:+ExitOnOutOfMemoryError");
        String append = env.getOrDefault("JAVA_OPTS_APPEND", "").strip();
        if (!append.isEmpty()) {
            options.addAll(List.of(append.split("\\s+")));
        }
        return options;
    }

    /** The container's other variables with a value (e.g. MALLOC_ARENA_MAX), as the process gets them. */
    static Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>(values());
        env.keySet().removeAll(RUN_JAVA);
        return env;
    }
}
