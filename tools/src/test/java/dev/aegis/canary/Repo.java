package dev.aegis.canary;

import java.nio.file.Path;

/** Where the tests find the repository's files and the artifacts of both modules (they run in tools/). */
public final class Repo {

    /** The repository's root: deploy/, analysis-templates/ and the controller module are there. */
    public static final Path ROOT = Path.of(System.getProperty("repo.root", ".."))
            .toAbsolutePath().normalize();

    /** The packaged controller as the image holds it (the controller module's target/quarkus-app). */
    public static final Path CONTROLLER_APP = Path.of(System.getProperty("controller.app",
            ROOT.resolve("controller/target/quarkus-app/quarkus-run.jar").toString())).toAbsolutePath().normalize();

    /** The tools' packaged application (this module's target/quarkus-app): the controller plus demo and simulate. */
    public static final Path TOOLS_APP = Path.of("target", "quarkus-app", "quarkus-run.jar").toAbsolutePath();

    private Repo() {
    }

    /** A path below the repository's root, e.g. {@code file("deploy", "crds")}. */
    public static Path file(String first, String... more) {
        return ROOT.resolve(Path.of(first, more));
    }
}
