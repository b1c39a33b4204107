package dev.aegis.canary.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;

import dev.aegis.canary.Repo;
import dev.aegis.canary.api.AnalysisTemplate;
import dev.aegis.canary.api.Canary;

/**
 * Startup: how long the controller process takes from launch until it acts, and how much memory it holds then, in JVM
 * mode on JDK 17 and JDK 25, with and without a class archive: AppCDS on JDK 17 (the archive Quarkus builds with
 * {@code quarkus.package.jar.appcds.enabled}, and a dynamic archive written at the exit of a training run) and the AOT
 * cache of JDK 25 (JEP 483/514/515, written at the exit of a training run).
 *
 * <p>
 * Each start is the packaged application as the image runs it (from its directory, with the JVM options of a Pod of
 * deploy/, leader election on) against {@link ProcessCluster}, with one new Canary waiting for it. Measured: Quarkus's
 * own "started in", from launch until the "started" log line, from launch until the Canary's status is first written
 * (its first reconcile: what a user waits for after a rollout of the controller) and the controller's CPU time by then
 * (all its threads: less disturbed than the times by other load on the machine), then, {@link #SETTLE} later, VmRSS
 * and RssAnon of /proc/PID/status and the classes loaded, of them from an archive (jcmd PerfCounter.print). A training
 * run is one such start, stopped with SIGTERM so that the JVM writes its archive at exit. The variants take turns,
 * round after round, so that load from elsewhere on the machine falls on all of them alike.
 *
 * <p>
 * Run: {@code ./mvnw -Pbench-startup verify} (builds the jar with Quarkus's AppCDS archive, skips the other tests).
 * Options (system properties): {@code -Dstartup.starts=5} per variant, {@code -Dstartup.jdk17=...} and
 * {@code -Dstartup.jdk25=...} (the JDKs' homes). The table is printed and written to target/startup/report.txt; the
 * archives are in target/startup/, the controllers' logs in target/controllers/startup-*.log.
 */
class StartupBenchmark {

    static final int STARTS = Integer.getInteger("startup.starts", 5);
    static final Path JDK17 = Path.of(System.getProperty("startup.jdk17", "/usr/lib/jvm/java-17-openjdk-amd64"));
    static final Path JDK25 = Path.of(System.getProperty("startup.jdk25", "/usr/lib/jvm/temurin-25-jdk-amd64"));
    /** From the first reconcile until memory is read: the start's burst of work is over, no rollout has begun. */
    static final Duration SETTLE = Duration.ofSeconds(5);
    static final Duration START_TIMEOUT = Duration.ofMinutes(2);
    /** A training run's JVM writes its archive at exit; JDK 25 assembles the AOT cache in a second JVM then. */
    static final Duration TRAINING_STOP_TIMEOUT = Duration.ofMinutes(5);

    static final Path DIR = Path.of("target", "startup").toAbsolutePath();
    /** Made by the build (-Pbench-startup sets quarkus.package.jar.appcds.enabled) with the JDK that ran Maven. */
    static final Path QUARKUS_APPCDS = ControllerProcess.APP.resolveSibling("app-cds.jsa").toAbsolutePath();
    static final Path TRAINED_APPCDS = DIR.resolve("app-jdk17.jsa");
    static final Path AOT_CACHE = DIR.resolve("app-jdk25.aot");

    /** The JVM of a Pod of deploy/ now and before (see {@link DeployedJvm}). */
    static final List<String> POD_OPTIONS = DeployedJvm.podOptions();
    static final Map<String, String> POD_ENV = DeployedJvm.environment();
    /** The application's own poll interval rather than the tests' 300 ms; leader election stays on, as deployed. */
    static final Map<String, String> SETTINGS = Map.of("aegis.reconcile.poll-interval", "5s");

    static final String NAME = "podinfo";
    static final String LEASE = "aegis-canary";
    static final double MIB = 1024;
    static final Pattern STARTED = Pattern.compile(
            "^(\\d\\d:\\d\\d:\\d\\d\\.\\d{3}) INFO .* started in (\\d+\\.\\d+)s\\.", Pattern.MULTILINE);
    static final Pattern PERF = Pattern.compile("^java\\.cls\\.(loadedClasses|sharedLoadedClasses)=(\\d+)$",
            Pattern.MULTILINE);

    /**
     * @param training the JVM options of the run that writes the archive; none: nothing to train
     * @param options the JVM options of the measured runs, beyond the Pod's
     * @param archive what the measured runs read beyond the JDK's own CDS archive; null: nothing
     */
    record Variant(String name, Path app, Path javaHome, List<String> pod, Map<String, String> env,
            List<String> training, List<String> options, Path archive) {

        /** The controller's artifact with deploy/'s JVM options now. */
        static Variant deployed(String name, Path javaHome, List<String> training, List<String> options,
                Path archive) {
            return new Variant(name, ControllerProcess.APP, javaHome, POD_OPTIONS, POD_ENV, training, options, archive);
        }

        static Variant plain(String name, Path javaHome) {
            return deployed(name, javaHome, List.of(), List.of(), null);
        }
    }

    /**
     * Before: the artifact that held the whole project (the tools' application holds what it held: the controller,
     * the demo, the simulator, the mock API server) with deploy/'s JVM options then; and the controller's artifact with
     * those options, to tell the two changes apart. Then the controller's artifact as deploy/ runs it now, on both JDKs,
     * with and without class archives.
     */
    static final List<Variant> ALL_VARIANTS = List.of(
            new Variant("before: whole project", Repo.TOOLS_APP, JDK17, DeployedJvm.BEFORE, Map.of(), List.of(),
                    List.of(), null),
            new Variant("controller, options before", ControllerProcess.APP, JDK17, DeployedJvm.BEFORE, Map.of(),
                    List.of(), List.of(), null),
            Variant.plain("JDK 17", JDK17),
            Variant.deployed("JDK 17, AppCDS of the build", JDK17, List.of(),
                    List.of("-XX:SharedArchiveFile=" + QUARKUS_APPCDS), QUARKUS_APPCDS),
            Variant.deployed("JDK 17, AppCDS trained", JDK17, List.of("-XX:ArchiveClassesAtExit=" + TRAINED_APPCDS),
                    List.of("-XX:SharedArchiveFile=" + TRAINED_APPCDS), TRAINED_APPCDS),
            Variant.plain("JDK 25", JDK25),
            Variant.deployed("JDK 25, AOT cache trained", JDK25, List.of("-XX:AOTCacheOutput=" + AOT_CACHE),
                    List.of("-XX:AOTCache=" + AOT_CACHE), AOT_CACHE));

    /**
     * -Dstartup.extra="OPTIONS": one more variant, JDK 17 as deployed with these JVM options after the Pod's (a lever
     * tried against the same starts, before deploy/ takes it).
     */
    static final List<String> EXTRA = List.of(System.getProperty("startup.extra", "").trim().split("\\s+")).stream()
            .filter(o -> !o.isEmpty()).toList();

    /** -Dstartup.variants=REGEX: only the variants whose name it finds (e.g. {@code JDK 17$|before}). */
    static final List<Variant> VARIANTS = Stream.concat(ALL_VARIANTS.stream(),
            EXTRA.isEmpty()
                    ? Stream.<Variant>empty()
                    : Stream.of(Variant.deployed("JDK 17, -Dstartup.extra", JDK17, List.of(), EXTRA, null)))
            .filter(v -> Pattern.compile(System.getProperty("startup.variants", "")).matcher(v.name()).find())
            .toList();
    /**
     * -Dstartup.nmt=true: each start also writes the JVM's native memory summary, its loaded classes and its heap to
     * target/startup/{nmt,classes,heap}-*.txt, then the heap's class histogram (a full collection) and the heap after
     * it to {histogram,heap-after-gc}-*.txt, and prints RSS after that collection.
     */
    static final boolean NMT = Boolean.getBoolean("startup.nmt");

    /** What one start showed (seconds, MiB). */
    record Sample(double toReconciled, double cpuToReconciled, double startedIn, double toStarted, double rssMiB,
            double anonMiB, long classes, long archived) {
    }

    /** One start, measured, and its exit code after SIGTERM. */
    record Start(Variant variant, int round, Sample sample, int exitCode) {

        static String header() {
            return String.format("%-28s %5s %9s %6s %10s %10s %5s %5s %7s %8s %4s", "variant", "round", "to reconc",
                    "CPU", "started in", "to started", "RSS", "anon", "classes", "archived", "exit");
        }

        String row() {
            return String.format("%-28s %5d %9.2f %6.2f %10.2f %10.2f %5.0f %5.0f %7d %8d %4d", variant.name(), round,
                    sample.toReconciled(), sample.cpuToReconciled(), sample.startedIn(), sample.toStarted(),
                    sample.rssMiB(), sample.anonMiB(), sample.classes(), sample.archived(), exitCode);
        }
    }

    /** A start, with how long its JVM took to stop after SIGTERM (a training run writes its archive then). */
    record Measured(Start start, Duration stop, Path log) {
    }

    /** A training run and the archive it wrote. */
    record Training(Measured run, Path archive, long bytes) {
    }

    @Test
    void startupTimeAndMemoryWithAndWithoutClassArchives() throws IOException {
        if (!ControllerProcess.NATIVE.isBlank()) {
            throw new IllegalStateException("the startup benchmark compares JVMs: run it on the JVM build");
        }
        for (Path jdk : List.of(JDK17, JDK25)) {
            if (!Files.isExecutable(jdk.resolve("bin").resolve("java"))) {
                throw new IllegalStateException("no JDK at " + jdk + ": set -Dstartup.jdk17 and -Dstartup.jdk25");
            }
        }
        if (VARIANTS.isEmpty()) {
            throw new IllegalStateException("-Dstartup.variants matches none of " + ALL_VARIANTS.stream()
                    .map(Variant::name).toList());
        }
        if (VARIANTS.stream().anyMatch(v -> QUARKUS_APPCDS.equals(v.archive())) && !Files.exists(QUARKUS_APPCDS)) {
            throw new IllegalStateException(QUARKUS_APPCDS + " is missing: build with -Pbench-startup, which sets "
                    + "quarkus.package.jar.appcds.enabled");
        }
        Files.createDirectories(DIR);
        try (ProcessCluster cluster = ProcessCluster.start()) {
            List<Training> trainings = new ArrayList<>();
            for (Variant v : VARIANTS) {
                if (!v.training().isEmpty()) {
                    trainings.add(train(cluster, v));
                }
            }
            System.out.println(Start.header());
            List<Start> starts = new ArrayList<>();
            for (int round = 1; round <= STARTS; round++) {
                // a different variant first in each round: none always follows the same one
                for (int i = 0; i < VARIANTS.size(); i++) {
                    Variant v = VARIANTS.get((i + round - 1) % VARIANTS.size());
                    Start s = measure(cluster, v, round, v.options(), "startup-" + (starts.size() + 1),
                            Duration.ofSeconds(30)).start();
                    System.out.println(s.row());
                    starts.add(s);
                }
            }
            String report = report(trainings, starts);
            System.out.println(report);
            Files.writeString(DIR.resolve("report.txt"), report);
            assertArchivesUsed(starts);
        }
    }

    Training train(ProcessCluster cluster, Variant v) throws IOException {
        Files.deleteIfExists(v.archive());
        Measured run = measure(cluster, v, 0, v.training(), "startup-training-" + (VARIANTS.indexOf(v) + 1),
                TRAINING_STOP_TIMEOUT);
        if (!Files.exists(v.archive())) {
            throw new AssertionError("the training run wrote no " + v.archive() + " (exit code "
                    + run.start().exitCode() + "), log " + run.log() + ":\n" + tail(run.log()));
        }
        System.out.printf("%s: training run %s, its archive written in %.1f s at exit%n", v.name(),
                run.start().row(), run.stop().toMillis() / 1000.0);
        return new Training(run, v.archive(), Files.size(v.archive()));
    }

    /** Starts the controller with one new Canary waiting, measures, stops it (SIGTERM) and clears the Canary away. */
    Measured measure(ProcessCluster cluster, Variant v, int round, List<String> options, String name,
            Duration stopTimeout) {
        KubernetesClient client = cluster.client();
        Fixtures fx = new Fixtures(client, "startup");
        fx.applyShippedTemplates();
        fx.deployment(NAME, "v1", 2);
        fx.canary(NAME, NAME, spec -> {
        });
        FirstStatus reconciled = new FirstStatus();
        List<String> jvm = Stream
                .of(v.pod(), options, NMT ? List.of("-XX:NativeMemoryTracking=summary") : List.<String>of())
                .flatMap(List::stream).toList();
        try (Watch watch = client.resources(Canary.class).inNamespace(fx.ns).withName(NAME).watch(reconciled)) {
            long launchedAt = System.currentTimeMillis();
            long launched = System.nanoTime();
            ControllerProcess controller = ControllerProcess.start(name, cluster, SETTINGS, v.app(), v.javaHome(), jvm,
                    v.env());
            reconciled.process = ProcessHandle.of(controller.pid()).orElse(null);
            try {
                Sample sample = sample(controller, v, launchedAt, launched, reconciled.seen);
                long stopping = System.nanoTime();
                int exit = controller.stop(stopTimeout);
                return new Measured(new Start(v, round, sample, exit), Duration.ofNanos(System.nanoTime() - stopping),
                        controller.log);
            } finally {
                controller.close();
            }
        } finally {
            clearAway(fx);
        }
    }

    Sample sample(ControllerProcess controller, Variant v, long launchedAt, long launched,
            CompletableFuture<Reconciled> reconciled) {
        await(controller.name + ": first reconcile").atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(50))
                .until(() -> reconciled.isDone() || !controller.alive());
        if (!reconciled.isDone()) {
            throw new AssertionError(controller.name + " exited before it reconciled:\n" + tail(controller.log));
        }
        await(controller.name + ": the started line").atMost(Duration.ofSeconds(30))
                .until(() -> STARTED.matcher(controller.logText()).find());
        Matcher started = STARTED.matcher(controller.logText());
        started.find();
        // the log's time of day against the launch's: the same clock, in milliseconds
        double toStarted = secondsOfDay(LocalTime.parse(started.group(1)))
                - secondsOfDay(LocalTime.ofInstant(Instant.ofEpochMilli(launchedAt), ZoneId.systemDefault()));
        Reconciled first = reconciled.join();
        try {
            TimeUnit.NANOSECONDS.sleep(first.at() + SETTLE.toNanos() - System.nanoTime());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        // memory first: jcmd's attaching costs the controller a thread and some classes
        String status = SoakBenchmark.Probe.read(Path.of("/proc", Long.toString(controller.pid()), "status"));
        Map<String, Long> classes = classCounters(v.javaHome(), controller.pid());
        if (NMT) {
            jcmdInto(DIR.resolve("nmt-" + controller.name + ".txt"), v.javaHome(), controller.pid(),
                    "VM.native_memory", "summary", "scale=KB");
            jcmdInto(DIR.resolve("classes-" + controller.name + ".txt"), v.javaHome(), controller.pid(),
                    "VM.class_hierarchy");
            jcmdInto(DIR.resolve("heap-" + controller.name + ".txt"), v.javaHome(), controller.pid(),
                    "GC.heap_info");
            // a full collection last (it changes what it measures): what of the heap is live, and RSS without the rest
            jcmdInto(DIR.resolve("histogram-" + controller.name + ".txt"), v.javaHome(), controller.pid(),
                    "GC.class_histogram");
            jcmdInto(DIR.resolve("heap-after-gc-" + controller.name + ".txt"), v.javaHome(), controller.pid(),
                    "GC.heap_info");
            String after = SoakBenchmark.Probe.read(Path.of("/proc", Long.toString(controller.pid()), "status"));
            System.out.printf("%s: after a full collection RSS %.0f MiB, anon %.0f MiB%n", controller.name,
                    SoakBenchmark.Probe.kib(after, "VmRSS:") / MIB, SoakBenchmark.Probe.kib(after, "RssAnon:") / MIB);
        }
        return new Sample((first.at() - launched) / 1e9, first.cpu().toMillis() / 1000.0,
                Double.parseDouble(started.group(2)), toStarted < 0 ? toStarted + 86_400 : toStarted,
                SoakBenchmark.Probe.kib(status, "VmRSS:") / MIB, SoakBenchmark.Probe.kib(status, "RssAnon:") / MIB,
                classes.get("loadedClasses") + classes.get("sharedLoadedClasses"), classes.get("sharedLoadedClasses"));
    }

    /**
     * @param at System.nanoTime() then
     * @param cpu the controller's CPU time by then, all its threads (the JIT compilers' and the collector's too): less
     *     sensitive than the time to other load on the machine
     */
    record Reconciled(long at, Duration cpu) {
    }

    /** Completes when the Canary's status is first written: the controller's first reconcile is done. */
    static final class FirstStatus implements Watcher<Canary> {

        final CompletableFuture<Reconciled> seen = new CompletableFuture<>();
        /** The controller, once launched (the watch is opened before, not to miss the write). */
        volatile ProcessHandle process;

        @Override
        public void eventReceived(Action action, Canary canary) {
            if (canary.getStatus() != null && !seen.isDone()) {
                long at = System.nanoTime();
                seen.complete(new Reconciled(at, process.info().totalCpuDuration().orElseThrow()));
            }
        }

        @Override
        public void onClose(WatcherException cause) {
            seen.completeExceptionally(cause);
        }
    }

    /**
     * The classes loaded so far: java.cls.loadedClasses (those not from an archive) and
     * java.cls.sharedLoadedClasses (from the JDK's CDS archive, an AppCDS archive or the AOT cache).
     */
    static Map<String, Long> classCounters(Path javaHome, long pid) {
        String out = SoakBenchmark.Probe.jcmd(javaHome, pid, "PerfCounter.print");
        Map<String, Long> counters = new HashMap<>();
        Matcher m = PERF.matcher(out);
        while (m.find()) {
            counters.put(m.group(1), Long.parseLong(m.group(2)));
        }
        if (counters.size() != 2) {
            throw new IllegalStateException("no class counters in jcmd's output:\n" + out);
        }
        return counters;
    }

    /** A jcmd of the process, its output into a file (see {@link #NMT}). */
    static void jcmdInto(Path file, Path javaHome, long pid, String... command) {
        try {
            Files.writeString(file, SoakBenchmark.Probe.jcmd(javaHome, pid, command));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Takes away what the start was given and made, and the Lease, so that every start finds the same cluster. */
    static void clearAway(Fixtures fx) {
        KubernetesClient client = fx.client;
        for (Canary c : client.resources(Canary.class).inNamespace(fx.ns).list().getItems()) {
            // its controller is gone: nothing else would remove the finalizer
            client.resources(Canary.class).inNamespace(fx.ns).withName(c.getMetadata().getName()).edit(x -> {
                x.getMetadata().setFinalizers(List.of());
                return x;
            });
            client.resources(Canary.class).inNamespace(fx.ns).withName(c.getMetadata().getName()).delete();
        }
        client.apps().deployments().inNamespace(fx.ns).list().getItems().forEach(d -> client.resource(d).delete());
        client.services().inNamespace(fx.ns).list().getItems().forEach(s -> client.resource(s).delete());
        client.resources(AnalysisTemplate.class).inNamespace(fx.ns).list().getItems()
                .forEach(t -> client.resource(t).delete());
        client.resources(Lease.class).inNamespace(ProcessCluster.CONTROLLER_NAMESPACE).withName(LEASE).delete();
    }

    /** The archives must have been read: a JVM that cannot use one says so only in a warning, and runs without. */
    static void assertArchivesUsed(List<Start> starts) {
        for (Variant v : VARIANTS) {
            if (v.archive() == null) {
                continue;
            }
            Variant plain = VARIANTS.stream().filter(p -> p.archive() == null && p.javaHome().equals(v.javaHome())
                    && p.pod().equals(v.pod())).findFirst().orElse(null);
            if (plain == null) {
                continue; // -Dstartup.variants left out what it compares with
            }
            double with = median(starts, v, s -> s.archived());
            double without = median(starts, plain, s -> s.archived());
            if (with < 2 * without) {
                throw new AssertionError(String.format("%s loaded %.0f classes from archives, %s %.0f: was %s used? "
                        + "An archive serves only the JDK that wrote it (the build's: the JDK running Maven); the logs in "
                        + "target/controllers/ have the JVM's warning, -Xlog:cds tells more", v.name(),
                        with, plain.name(), without, v.archive()));
            }
        }
    }

    static String report(List<Training> trainings, List<Start> starts) {
        StringBuilder out = new StringBuilder(String.format("%nstartup: %d starts per variant, in rounds; JDK 17 %s, "
                + "JDK 25 %s%n  JVM options (a Pod of deploy/ now): %s, environment %s%n  before: %s%n", STARTS,
                version(JDK17), version(JDK25), String.join(" ", POD_OPTIONS), POD_ENV,
                String.join(" ", DeployedJvm.BEFORE)));
        try {
            out.append(String.format("  AppCDS of the build: %s, %.1f MiB, made by the build (the application's "
                    + "static init)%n", QUARKUS_APPCDS.getFileName(), Files.size(QUARKUS_APPCDS) / MIB / MIB));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Training t : trainings) {
            out.append(String.format("  %s: %s, %.1f MiB, written in %.1f s at the exit of a training run (start, "
                    + "first reconcile, %d s idle, SIGTERM)%n", t.run().start().variant().name(),
                    t.archive().getFileName(), t.bytes() / MIB / MIB, t.run().stop().toMillis() / 1000.0,
                    SETTLE.toSeconds()));
        }
        out.append("  median (min-max) of the starts. to reconciled: seconds from launch until the first status write "
                + "to a Canary that\n  was waiting; CPU: the controller's CPU seconds by then; started in: Quarkus's "
                + "own figure; to started: from launch until\n  that log line; RSS, anon: VmRSS, RssAnon in MiB "
                + SETTLE.toSeconds() + " s after the first reconcile; classes: loaded by then, of them from an\n  "
                + "archive (the JDK's own CDS archive included)\n\n");
        out.append(String.format("%-28s %-20s %-20s %-20s %-20s %-15s %-15s %7s %8s%n", "variant", "to reconciled s",
                "CPU s", "started in s", "to started s", "RSS MiB", "anon MiB", "classes", "archived"));
        for (Variant v : VARIANTS) {
            out.append(String.format("%-28s %-20s %-20s %-20s %-20s %-15s %-15s %7.0f %8.0f%n", v.name(),
                    spread(starts, v, Sample::toReconciled, "%.2f"), spread(starts, v, Sample::cpuToReconciled, "%.2f"),
                    spread(starts, v, Sample::startedIn, "%.2f"), spread(starts, v, Sample::toStarted, "%.2f"),
                    spread(starts, v, Sample::rssMiB, "%.0f"), spread(starts, v, Sample::anonMiB, "%.0f"),
                    median(starts, v, s -> s.classes()), median(starts, v, s -> s.archived())));
        }
        out.append("\nevery start, in order (seconds, MiB; exit: its code after SIGTERM, 143 when the JVM ended "
                + "normally):\n").append(Start.header()).append('\n');
        starts.forEach(s -> out.append(s.row()).append('\n'));
        return out.toString();
    }

    static String spread(List<Start> starts, Variant v, ToDoubleFunction<Sample> figure, String format) {
        double[] values = values(starts, v, figure);
        return String.format(format + " (" + format + "-" + format + ")", median(values), values[0],
                values[values.length - 1]);
    }

    static double median(List<Start> starts, Variant v, ToDoubleFunction<Sample> figure) {
        return median(values(starts, v, figure));
    }

    static double[] values(List<Start> starts, Variant v, ToDoubleFunction<Sample> figure) {
        return starts.stream().filter(s -> s.variant().equals(v)).mapToDouble(s -> figure.applyAsDouble(s.sample()))
                .sorted().toArray();
    }

    static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    static double secondsOfDay(LocalTime t) {
        return t.toNanoOfDay() / 1e9;
    }

    /** The JDK's full version, from its release file. */
    static String version(Path javaHome) {
        String release = SoakBenchmark.Probe.read(javaHome.resolve("release"));
        Matcher m = Pattern.compile("^JAVA_RUNTIME_VERSION=\"(.*)\"$", Pattern.MULTILINE).matcher(release);
        return m.find() ? m.group(1) : javaHome.getFileName().toString();
    }

    static String tail(Path log) {
        List<String> lines = SoakBenchmark.Probe.read(log).lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }
}
