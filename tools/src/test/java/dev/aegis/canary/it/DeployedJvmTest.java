package dev.aegis.canary.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * deploy/'s JVM, as the image's run-java.sh builds its command line: one collector (run-java.sh adds the Parallel one
 * unless GC_CONTAINER_OPTIONS replaces it, and a JVM given two refuses to start), and options this JDK accepts.
 */
class DeployedJvmTest {

    @Test
    void theCommandLineNamesOneCollectorAndTheJvmStartsWithIt() throws Exception {
        List<String> options = DeployedJvm.options();
        assertThat(options).filteredOn(o -> o.matches("-XX:\\+Use\\w+GC")).as("collectors in %s", options)
                .containsExactly("-XX:+UseSerialGC");
        assertThat(DeployedJvm.environment()).containsEntry("MALLOC_ARENA_MAX", "2")
                .doesNotContainKeys("JAVA_OPTS_APPEND", "GC_CONTAINER_OPTIONS");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString()));
        command.addAll(DeployedJvm.podOptions());
        command.add("-version");
        Process java = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(java.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(java.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(java.exitValue()).as("java %s:%n%s", String.join(" ", command), out).isZero();
        assertThat(out).doesNotContain("Unrecognized", "Conflicting", "warning");
    }
}
