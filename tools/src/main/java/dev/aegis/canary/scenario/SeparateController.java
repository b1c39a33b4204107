package dev.aegis.canary.scenario;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The controller in a process of its own, started from the same packaged application, for scenarios that restart it:
 * a restart is a SIGKILL, as a node failure or an OOM kill would be (nothing in memory survives, no shutdown hook
 * runs), then a new process. Its output goes to a log file per process.
 */
final class SeparateController implements ScenarioRunner.Controller, AutoCloseable {

    private final Path app;
    private final Map<String, String> settings;
    private final Path logs;
    private final Consumer<String> say;
    private Process process;
    private int started;

    private SeparateController(Path app, Map<String, String> settings, Path logs,
            Consumer<String> say) {
        this.app = app;
        this.settings = settings;
        this.logs = logs;
        this.say = say;
    }

    /**
     * The packaged application this process runs from (java -jar …/quarkus-run.jar), or null when it runs otherwise
     * (tests, dev mode): then there is nothing to start a second process from.
     */
    static Path packagedApplication() {
        String classPath = System.getProperty("java.class.path", "");
        return classPath.endsWith("quarkus-run.jar") && !classPath.contains(java.io.File.pathSeparator)
                ? Path.of(classPath)
                : null;
    }

    /** Starts the first controller process. */
    static SeparateController start(Path app, Map<String, String> settings, Consumer<String> say) {
        try {
            SeparateController c = new SeparateController(app, settings, Files.createTempDirectory(
                    "aegis-simulate-"), say);
            c.launch();
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void restart() {
        kill();
        launch();
    }

    private void launch() {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Xmx256m"));
        settings.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.addAll(List.of("-jar", app.toString()));
        Path log = logs.resolve("controller-" + ++started + ".log");
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the controller: " + e.getMessage(), e);
        }
        say.accept(String.format("%-9s controller process %d started (pid %d, log %s)", "", started,
                process.pid(), log));
    }

    private void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        kill();
    }
}
