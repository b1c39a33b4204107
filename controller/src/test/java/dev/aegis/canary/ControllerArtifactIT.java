package dev.aegis.canary;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.Test;

/**
 * The controller's packaged application (target/quarkus-app, what src/main/docker copies into the image) holds the
 * controller only: no embedded API server, no simulator, nothing test-only. The list is not-in-the-image.txt, next to
 * this test's package in src/test/resources.
 */
class ControllerArtifactIT {

    /** -Dartifact.dir=… checks another packaged application (e.g. the tools', which this test must refuse). */
    static final Path APP = Path.of(System.getProperty("artifact.dir", "target/quarkus-app"));

    record Rule(String kind, Pattern pattern) {
    }

    static List<Rule> rules() throws IOException {
        List<Rule> rules = new ArrayList<>();
        try (InputStream in = ControllerArtifactIT.class.getResourceAsStream("not-in-the-image.txt")) {
            assertThat(in).as("not-in-the-image.txt beside this test").isNotNull();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList()) {
                String l = line.strip();
                if (l.isEmpty() || l.startsWith("#")) {
                    continue;
                }
                int colon = l.indexOf(':');
                rules.add(new Rule(l.substring(0, colon).strip(), Pattern.compile(l.substring(colon + 1).strip())));
            }
        }
        return rules;
    }

    static List<String> jars() throws IOException {
        assertThat(APP.resolve("quarkus-run.jar")).as("the packaged controller; this test runs after package")
                .exists();
        try (Stream<Path> files = Files.walk(APP.resolve("lib"))) {
            return files.filter(p -> p.toString().endsWith(".jar")).map(p -> p.getFileName().toString()).sorted()
                    .toList();
        }
    }

    static List<String> ownEntries() throws IOException {
        try (Stream<Path> files = Files.list(APP.resolve("app"))) {
            Path jar = files.filter(p -> p.getFileName().toString().startsWith("aegis-canary-")).findFirst()
                    .orElseThrow(() -> new AssertionError("no aegis-canary-*.jar in " + APP.resolve("app")));
            try (ZipFile zip = new ZipFile(jar.toFile())) {
                return zip.stream().map(ZipEntry::getName).toList();
            }
        }
    }

    @Test
    void theImageHoldsTheControllerOnly() throws IOException {
        List<Rule> rules = rules();
        assertThat(rules).extracting(Rule::kind).as("the list's kinds").containsOnly("lib", "class")
                .contains("lib", "class");
        List<String> jars = jars();
        List<String> entries = ownEntries();
        List<String> found = new ArrayList<>();
        for (Rule rule : rules) {
            List<String> names = "lib".equals(rule.kind()) ? jars : entries;
            names.stream().filter(n -> rule.pattern().matcher(n).matches())
                    .forEach(n -> found.add(rule.kind() + ": " + n + "   (matches " + rule.pattern() + ")"));
        }
        assertThat(found).as("in %s, and on the list of what the image must not hold", APP).isEmpty();
        // and it is the controller: what the lists were read from is not empty
        assertThat(jars).as("the controller's libraries").anyMatch(j -> j.startsWith("io.fabric8.kubernetes-client-"))
                .anyMatch(j -> j.startsWith("io.javaoperatorsdk.operator-framework-core-"));
        assertThat(entries).as("the controller's own classes").contains("dev/aegis/canary/Main.class",
                "dev/aegis/canary/reconcile/CanaryReconciler.class");
    }
}
