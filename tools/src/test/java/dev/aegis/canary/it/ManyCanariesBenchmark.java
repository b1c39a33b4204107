package dev.aegis.canary.it;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.CheckResult;
import dev.aegis.canary.api.MetricResult;
import dev.aegis.canary.api.Phase;
import dev.aegis.canary.rollout.Durations;
import dev.aegis.canary.sim.FleetSimulator;
import dev.aegis.canary.sim.VersionBehaviour;

/**
 * Scale: ONE controller process (the packaged application, leader election on, as deploy/ runs it) driving many
 * Canaries that are all mid-rollout at the same time, against {@link ProcessCluster} (fabric8's API server in CRUD
 * mode and the fleet simulator in the test JVM, a real Prometheus beside it), or with {@code -Dbench.cluster=real}
 * against a real control plane of its own ({@link BenchCluster#real}: the real Deployment and ReplicaSet controllers
 * and scheduler make the pods, kwok runs them, a Prometheus 3.x finds them through the API server; the controller's
 * requests are read from the audit log).
 *
 * <p>
 * {@code bench.canaries} Deployments of one replica, spread over {@code bench.namespaces} namespaces, each with a
 * Canary that checks the shipped templates request-success-rate and request-duration-p99. They are created
 * {@code bench.wave} at a time, each batch once the one before is Ready, as Flux would apply a few repositories' worth
 * at a time. Once every Canary is Ready and the controller has been at rest for
 * {@code bench.idle}, Git "pushes" a new version to every target at once (the worst case: a base image bumped across a
 * whole cluster). Every {@code bench.badEvery}-th version serves 20% errors and must be rolled back at its first check;
 * the others must be promoted. The run ends when every Canary ended, or after {@code bench.timeout}.
 *
 * <p>
 * What it measures, from outside the controller: when each run started, entered each step and ended (test clock, from
 * a watch on the Canaries); how long each step's canary took to be ready and how late each check ran after it was due
 * (the Canary's status times, so the controller's clock); the reconcile durations and queue (the Operator SDK's
 * metrics on /q/metrics, scraped every {@code bench.sampleEvery} as Prometheus would); the CPU time of the controller,
 * of the test JVM and of Prometheus (/proc/PID/stat) and the machine's busy cores (/proc/stat); the controller's heap
 * after a full GC (once a minute, {@link SoakBenchmark.Probe}), RSS and threads; Prometheus' queries per second (its
 * own {@code prometheus_http_requests_total}); the controller's API requests per second and by verb and resource (as
 * the API server recorded them). At the end every Canary must be in the expected phase with the expected image on its
 * primary and one ready pod of it; the report is printed and written to target/bench-canaries/report.txt (the
 * controller's last /q/metrics beside it) before that is asserted.
 *
 * <p>
 * Run: {@code ./mvnw -Pbench-canaries verify}. Options (system properties): {@code -Dbench.canaries=1000},
 * {@code -Dbench.namespaces=20}, {@code -Dbench.wave=100}, {@code -Dbench.steps=1,10,50,100},
 * {@code -Dbench.interval=30s} (analysis), {@code -Dbench.scrape=10s} (Prometheus), {@code -Dbench.badEvery=10} (0:
 * none), {@code -Dbench.pollInterval=5s} (the controller's aegis.reconcile.poll-interval), {@code -Dbench.threads=}
 * (the Operator SDK's reconcile threads; empty: its default, 50), {@code -Dbench.idle=1m}, {@code -Dbench.timeout=10m},
 * {@code -Dbench.sampleEvery=15s}, {@code -Dbench.setupTimeout=10m}, {@code -Dbench.cluster=embedded} (or
 * {@code real}), {@code -Dbench.nodes=} (real: kwok nodes of 110 pods added; default room for 3.2 pods per Canary),
 * {@code -Dbench.settle=} (how long the pods may take to settle after the end: 1m, on a real cluster 15m).
 * The controller's log is target/controllers/bench.log.
 */
class ManyCanariesBenchmark {

    static final int CANARIES = Integer.getInteger("bench.canaries", 1000);
    static final int NAMESPACES = Math.min(CANARIES, Integer.getInteger("bench.namespaces", 20));
    static final List<Integer> STEPS = Arrays.stream(System.getProperty("bench.steps", "1,10,50,100").split(","))
            .map(String::trim).map(Integer::valueOf).toList();
    static final String INTERVAL = System.getProperty("bench.interval", "30s");
    static final Duration SCRAPE = Durations.parse(System.getProperty("bench.scrape", "10s"));
    static final int BAD_EVERY = Integer.getInteger("bench.badEvery", 10);
    static final String POLL_INTERVAL = System.getProperty("bench.pollInterval", "5s");
    static final String THREADS = System.getProperty("bench.threads", "");
    static final Duration IDLE = Durations.parse(System.getProperty("bench.idle", "1m"));
    static final Duration TIMEOUT = Durations.parse(System.getProperty("bench.timeout", "10m"));
    static final Duration SAMPLE_EVERY = Durations.parse(System.getProperty("bench.sampleEvery", "15s"));
    /** Canaries created at a time during set-up, as Flux would apply a few repositories' worth at a time. */
    static final int WAVE = Math.max(1, Integer.getInteger("bench.wave", 100));

    /** The kubelets and workload controllers act within a second, as on a real cluster (the tests use 100 ms). */
    static final Duration FLEET_TICK = Duration.ofSeconds(1);
    /** The controller's name, which is also its API token: the API server counts its requests by it. */
    static final String CONTROLLER = "bench";
    static final String STABLE = "v1";
    static final String GOOD = "v2";
    static final String BAD = "v2-bad";
    /** Set-up gives up after this; first sight of 1,000 takes about 2 minutes on the embedded API server. */
    static final Duration SETUP_TIMEOUT = Durations.parse(System.getProperty("bench.setupTimeout", "10m"));
    /**
     * {@code embedded}: fabric8's API server in CRUD mode and the fleet simulator ({@link ProcessCluster}); {@code real}:
     * a real control plane with kwok nodes ({@link BenchCluster#real}), the real Deployment and ReplicaSet controllers
     * making the pods.
     */
    static final String CLUSTER = System.getProperty("bench.cluster", "embedded");
    /** kwok nodes of 110 pods beside the real cluster's three: room for every primary and canary pod, and a rollout's. */
    static final int NODES = Integer.getInteger("bench.nodes", (int) Math.ceil(3.2 * CANARIES / 110));
    /**
     * After the last run ended, how long each workload may take to be one ready pod of the expected version: the
     * simulator's controllers act within a tick or two; the real ReplicaSet controller works through its backlog.
     */
    static final Duration SETTLE = Durations.parse(System.getProperty("bench.settle", "real".equals(CLUSTER)
            ? "15m"
            : "1m"));
    /** How long after the end the pods had settled, once verified; null when they did not. */
    static volatile Duration settled;
    /** The unit of /proc's CPU times: 100 per second on Linux, whatever the kernel's own tick. */
    static final double USER_HZ = 100;

    /**
     * How the controller's process is run (-Dbench.jvms, in turn, one whole run each, compared at the end):
     * {@code deployed}, the controller's artifact with deploy/'s JVM options and environment ({@link DeployedJvm});
     * {@code before}, the artifact as it was (the whole project: the tools' application) with deploy/'s options then;
     * {@code tests}, the controller's artifact as the other process tests run it (-Xmx256m, C1 only, serial GC).
     */
    static final List<String> JVMS = Arrays.stream(System.getProperty("bench.jvms", "before,deployed").split(","))
            .map(String::trim).filter(j -> !j.isEmpty()).toList();

    /** One run's headline figures, for the comparison at the end. */
    record Headline(String jvm, boolean allRight, double firstSightRss, double restRss, double runRss,
            double runCores, double heapAfterGc, double metaspace, String reconcileP99) {
    }

    static final List<Headline> HEADLINES = new ArrayList<>();

    static List<String> jvms() {
        return JVMS;
    }

    static BenchCluster cluster() {
        return switch (CLUSTER) {
            case "embedded" -> BenchCluster.embedded(SCRAPE, FLEET_TICK, CONTROLLER);
            case "real" -> BenchCluster.real(SCRAPE, FLEET_TICK, NODES);
            default -> throw new IllegalArgumentException("-Dbench.cluster: '" + CLUSTER + "' is neither embedded "
                    + "nor real");
        };
    }

    static ControllerProcess start(String jvm, BenchCluster cluster, Map<String, String> settings) {
        Map<String, String> connection = cluster.connection(CONTROLLER);
        Path java = Path.of(System.getProperty("java.home"));
        return switch (jvm) {
            case "tests" -> ControllerProcess.start(CONTROLLER, connection, settings, ControllerProcess.APP, java,
                    List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"), Map.of());
            case "deployed" -> ControllerProcess.start(CONTROLLER, connection, settings, ControllerProcess.APP, java,
                    DeployedJvm.podOptions(), DeployedJvm.environment());
            case "before" -> ControllerProcess.start(CONTROLLER, connection, settings, dev.aegis.canary.Repo.TOOLS_APP,
                    java, DeployedJvm.BEFORE, Map.of());
            default -> throw new IllegalArgumentException("-Dbench.jvms: '" + jvm + "' is none of deployed, before, "
                    + "tests");
        };
    }

    @AfterAll
    static void compare() throws IOException {
        if (HEADLINES.isEmpty()) {
            return;
        }
        StringBuilder out = new StringBuilder(String.format("%nmany canaries, side by side (RSS MiB: largest in the "
                + "phase; cores: the controller's mean during the run; heap: after a full GC at the end):%n"));
        out.append(String.format("%-10s %6s %12s %8s %8s %10s %9s %10s %12s%n", "jvm", "right", "first sight",
                "at rest", "the run", "run cores", "heap MiB", "metaspace", "reconcile p99"));
        for (Headline h : HEADLINES) {
            out.append(String.format("%-10s %6s %12.1f %8.1f %8.1f %10.2f %9.1f %10.1f %12s%n", h.jvm(),
                    h.allRight() ? "yes" : "NO", h.firstSightRss(), h.restRss(), h.runRss(), h.runCores(),
                    h.heapAfterGc(), h.metaspace(), h.reconcileP99()));
        }
        System.out.println(out);
        Path dir = Files.createDirectories(Path.of("target", "bench-canaries"));
        Files.writeString(dir.resolve("side-by-side.txt"), out.toString());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jvms")
    void oneControllerDrivesManyConcurrentRollouts(String jvm) throws Exception {
        if (!ControllerProcess.NATIVE.isBlank()) {
            throw new IllegalStateException("the benchmark samples the controller with jcmd: run it on the JVM build");
        }
        int metricsPort = ControllerProcess.freePort();
        Map<String, String> settings = new TreeMap<>(Map.of(
                "aegis.reconcile.poll-interval", POLL_INTERVAL,
                // a fixed port, so that /q/metrics can be scraped
                "quarkus.http.port", Integer.toString(metricsPort)));
        if (!THREADS.isBlank()) {
            settings.put("quarkus.operator-sdk.concurrent-reconciliation-threads", THREADS);
        }
        String described = String.format("%d Canaries in %d namespaces (Deployments of 1 replica), steps %s, "
                + "interval %s, %s,%n      Prometheus scrape %s, controller poll interval %s, %s reconcile threads",
                CANARIES, NAMESPACES, STEPS, INTERVAL,
                BAD_EVERY > 0 ? "every " + BAD_EVERY + "th new version bad (20% errors)" : "no bad version",
                Durations.format(SCRAPE), POLL_INTERVAL, THREADS.isBlank() ? "default (50)" : THREADS);
        described += String.format(",%n      controller run as '%s', on %s", jvm, CLUSTER);
        System.out.println("many canaries: " + described);

        ExecutorService writers = Executors.newFixedThreadPool(4);
        ScheduledExecutorService sampling = Executors.newSingleThreadScheduledExecutor();
        try (BenchCluster cluster = cluster();
                ControllerProcess controller = start(jvm, cluster, settings);
                Tracker tracker = new Tracker(cluster.client())) {
            Sampler sampler = new Sampler(cluster, controller, metricsPort, tracker);
            await("the controller's metrics endpoint", Duration.ofMinutes(2), controller,
                    () -> sampler.fetch(sampler.controllerMetrics) != null);
            sampling.scheduleAtFixedRate(sampler::sample, 0, SAMPLE_EVERY.toMillis(), TimeUnit.MILLISECONDS);
            System.out.println("many canaries: on " + cluster.describe());

            // Set up what Flux would apply; the controller sees every Canary for the first time.
            List<Fixtures> namespaces = new ArrayList<>();
            for (int n = 0; n < NAMESPACES; n++) {
                Fixtures fx = new Fixtures(cluster.client(), "fleet");
                cluster.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(fx.ns)
                        .endMetadata().build()).create();
                fx.applyShippedTemplates();
                namespaces.add(fx);
            }
            List<Release> releases = new ArrayList<>();
            for (int i = 0; i < CANARIES; i++) {
                boolean bad = BAD_EVERY > 0 && i % BAD_EVERY == BAD_EVERY - 1;
                releases.add(new Release(namespaces.get(i % NAMESPACES), String.format("app-%04d", i), bad));
            }
            sampler.setupAt = System.nanoTime();
            // The first alone: the API server's first request of each kind builds its deserializers, for seconds on
            // a loaded machine, and parallel ones would time out meanwhile.
            releases.get(0).create();
            long deadline = sampler.setupAt + SETUP_TIMEOUT.toNanos();
            boolean ready = true;
            for (int from = 1; from < CANARIES && ready; from += WAVE) {
                int to = Math.min(CANARIES, from + WAVE);
                SoakBenchmark.run(writers, releases.subList(from, to).stream().map(r -> (Callable<Void>) () -> {
                    r.create();
                    return null;
                }).toList());
                ready = awaitQuietly(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())), controller,
                        () -> tracker.count(s -> s != null && s.getPhase() == Phase.Ready) == to);
            }
            sampler.markRest();
            Duration firstSight = Duration.ofNanos(sampler.restAt - sampler.setupAt);
            System.out.printf("set up: %s Ready %.1f s after the first was created%n", ready ? "all" : "NOT all",
                    seconds(firstSight));
            Duration pushed = null;
            boolean ended = false;
            if (ready) {
                Thread.sleep(IDLE.toMillis());
                // The push: a new version on every target at once.
                cluster.fleet().setBehaviour(Fixtures.IMAGE + BAD, VersionBehaviour.healthy().withErrorRatio(0.2));
                sampler.markPush();
                SoakBenchmark.run(writers, releases.stream().map(r -> (Callable<Void>) () -> {
                    tracker.push(r);
                    return null;
                }).toList());
                pushed = since(sampler.pushAt);
                System.out.printf("pushed %d new versions in %.1f s%n", CANARIES, seconds(pushed));
                ended = awaitQuietly(TIMEOUT, controller, () -> tracker.ended() == CANARIES);
            }
            sampling.shutdown();
            sampling.awaitTermination(2, TimeUnit.MINUTES);
            sampler.markEnd();

            List<String> wrong = ended ? verify(cluster, releases, tracker) : List.of();
            String report = report(described, ready, firstSight, pushed, tracker, sampler, ended, wrong);
            System.out.println(report);
            Path dir = Files.createDirectories(Path.of("target", "bench-canaries"));
            Path out = dir.resolve("report-" + jvm + ".txt");
            Files.writeString(out, report);
            HEADLINES.add(headline(jvm, ready && ended && wrong.isEmpty(), sampler, report));
            Files.writeString(dir.resolve("controller-metrics-" + jvm + ".txt"),
                    Objects.toString(sampler.fetch(sampler.controllerMetrics), "(no answer)"));
            if (!controller.alive()) {
                throw new AssertionError("the controller exited:\n" + SoakBenchmark.tail(controller));
            }
            if (!ready || !ended || !wrong.isEmpty()) {
                throw new AssertionError(!ready
                        ? "not every Canary was Ready within " + Durations.format(SETUP_TIMEOUT) + "; see " + out
                        : !ended
                                ? "not every Canary ended within " + Durations.format(TIMEOUT) + "; see " + out
                                : wrong.size() + " Canaries ended wrongly, e.g. " + wrong.subList(0, Math.min(5,
                                        wrong.size())));
            }
        } finally {
            sampling.shutdownNow();
            writers.shutdownNow();
        }
    }

    static Headline headline(String jvm, boolean allRight, Sampler sampler, String report) {
        long[][] bounds = sampler.phases();
        double[] rss = new double[3];
        for (int i = 0; i < 3; i++) {
            long start = bounds[i][0];
            long end = bounds[i][1];
            rss[i] = sampler.samples.stream().filter(x -> x.within(start, end)).mapToDouble(Sample::rssMiB).max()
                    .orElse(Double.NaN);
        }
        double runCores = sampler.samples.stream().filter(x -> x.within(sampler.pushAt, sampler.endAt))
                .mapToDouble(Sample::controllerCores).average().orElse(Double.NaN);
        SoakBenchmark.Sample after = sampler.heapAfter;
        Matcher p99 = Pattern.compile("reconciles: .*?p99 ([^,]+),").matcher(report);
        return new Headline(jvm, allRight, rss[0], rss[1], rss[2], runCores,
                after == null ? Double.NaN : after.heapMiB(), after == null ? Double.NaN : after.metaspaceMiB(),
                p99.find() ? p99.group(1) : "n/a");
    }

    /** One Canary, its Deployment, and whether its new version is bad. */
    record Release(Fixtures fx, String name, boolean bad) {

        String key() {
            return fx.ns + "/" + name;
        }

        String version() {
            return bad ? BAD : GOOD;
        }

        void create() {
            fx.deployment(name, STABLE, 1);
            fx.canary(name, name, spec -> {
                spec.setSteps(STEPS);
                spec.getAnalysis().setInterval(INTERVAL);
                spec.setProgressDeadline(null); // the controller's default, 10m: not the tests' 1m
            });
        }
    }

    /** What the watch saw of one Canary's run. Times are System.nanoTime(); 0 until seen. */
    static final class Run {

        volatile CanaryStatus last;
        /** The canary revision before the push: a status of the new run names another. */
        volatile String before;
        volatile long pushedAt;
        volatile long startedAt;
        final long[] stepAt = new long[STEPS.size()];
        volatile long endedAt;
        volatile Phase end;

        boolean isNewRun(CanaryStatus s) {
            return pushedAt != 0 && s.getCanaryRevision() != null && !s.getCanaryRevision().equals(before);
        }
    }

    /**
     * Watches every Canary: the state of each, when its run started, entered each step and ended, and how late each
     * check ran after it was due.
     */
    static final class Tracker implements ResourceEventHandler<Canary>, AutoCloseable {

        final Map<String, Run> runs = new ConcurrentHashMap<>();
        /** Per check: how long after it was due it ran (ms, the controller's clock) and its results. */
        final ConcurrentLinkedQueue<Long> checkLateness = new ConcurrentLinkedQueue<>();
        /** How long after a step began its canary was ready (ms, the controller's clock): first step, later ones. */
        final ConcurrentLinkedQueue<Long> firstStepReady = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Long> laterStepReady = new ConcurrentLinkedQueue<>();
        final Map<CheckResult, LongAdder> checkResults = new ConcurrentHashMap<>();
        final Duration interval = Durations.parse(INTERVAL);
        final SharedIndexInformer<Canary> informer;

        Tracker(KubernetesClient client) {
            this.informer = client.resources(Canary.class).inAnyNamespace().inform(this);
        }

        Run run(Canary c) {
            return runs.computeIfAbsent(c.getMetadata().getNamespace() + "/" + c.getMetadata().getName(),
                    k -> new Run());
        }

        /** Git's push of the release's new version: the target's image changes. */
        void push(Release r) {
            Run run = runs.get(r.key());
            run.before = run.last.getCanaryRevision();
            run.pushedAt = System.nanoTime();
            r.fx.setImage(r.name, r.version());
        }

        @Override
        public void onAdd(Canary c) {
            run(c).last = c.getStatus();
        }

        @Override
        public void onUpdate(Canary old, Canary c) {
            long now = System.nanoTime();
            Run run = run(c);
            CanaryStatus was = old.getStatus();
            CanaryStatus s = c.getStatus();
            run.last = s;
            if (s == null || !run.isNewRun(s)) {
                return;
            }
            if (run.startedAt == 0 && s.getPhase() != null) {
                run.startedAt = now;
            }
            if (s.getPhase() == Phase.Progressing && s.getStepIndex() != null && s.getStepIndex() < STEPS.size()
                    && run.stepAt[s.getStepIndex()] == 0) {
                run.stepAt[s.getStepIndex()] = now;
            }
            if (run.endedAt == 0 && (s.getPhase() == Phase.Succeeded || s.getPhase() == Phase.RolledBack
                    || s.getPhase() == Phase.Failed)) {
                run.endedAt = now;
                run.end = s.getPhase();
            }
            if (s.getStepReadyAt() != null && s.getStepStartedAt() != null
                    && (was == null || !s.getStepReadyAt().equals(was.getStepReadyAt()))) {
                (Objects.equals(s.getStepIndex(), 0) ? firstStepReady : laterStepReady).add(Duration.between(
                        Instant.parse(s.getStepStartedAt()), Instant.parse(s.getStepReadyAt())).toMillis());
            }
            if (s.getLastCheckAt() != null && !s.getLastCheckAt().equals(was == null ? null : was.getLastCheckAt())
                    && was != null && was.getStepReadyAt() != null) {
                // As the controller schedules it: an interval after the step's pods were ready or the last check.
                Instant from = Instant.parse(was.getStepReadyAt());
                if (was.getLastCheckAt() != null && Instant.parse(was.getLastCheckAt()).isAfter(from)) {
                    from = Instant.parse(was.getLastCheckAt());
                }
                checkLateness.add(Duration.between(from.plus(interval), Instant.parse(s.getLastCheckAt())).toMillis());
                if (s.getLastAnalysis() != null) {
                    for (MetricResult m : s.getLastAnalysis()) {
                        checkResults.computeIfAbsent(m.getResult(), k -> new LongAdder()).increment();
                    }
                }
            }
        }

        @Override
        public void onDelete(Canary c, boolean unknownFinalStateUnknown) {
            runs.remove(c.getMetadata().getNamespace() + "/" + c.getMetadata().getName());
        }

        long count(Predicate<CanaryStatus> which) {
            return runs.values().stream().filter(r -> which.test(r.last)).count();
        }

        long ended() {
            return runs.values().stream().filter(r -> r.endedAt != 0).count();
        }

        /** Where the Canaries stand now, in the timeline's columns. */
        int[] states() {
            int[] out = new int[STEPS.size() + 5];
            for (Run r : runs.values()) {
                CanaryStatus s = r.last;
                Phase p = s == null ? null : s.getPhase();
                int column;
                if (p == Phase.Ready) {
                    column = 0;
                } else if (p == Phase.Progressing && s.getStepIndex() != null && s.getStepIndex() < STEPS.size()) {
                    column = 1 + s.getStepIndex();
                } else if (p == Phase.Promoting) {
                    column = STEPS.size() + 1;
                } else if (p == Phase.Succeeded) {
                    column = STEPS.size() + 2;
                } else if (p == Phase.RolledBack) {
                    column = STEPS.size() + 3;
                } else {
                    column = STEPS.size() + 4;
                }
                out[column]++;
            }
            return out;
        }

        @Override
        public void close() {
            informer.close();
        }
    }

    /**
     * One look at the machine and the controller, covering the {@code bench.sampleEvery} from {@code from} to
     * {@code at} (System.nanoTime()): cores used in that time, requests and queries per second, and the state at its
     * end.
     */
    record Sample(long from, long at, int[] states, double controllerCores, double testCores,
            double prometheusCores, double busyCores, double queued, double active, double apiPerSecond,
            double othersApiPerSecond, double queriesPerSecond, double longestReconcileSeconds,
            SoakBenchmark.Sample afterGc, double rssMiB, int threads) {

        boolean within(long start, long end) {
            return start != 0 && from >= start && (end == 0 || at <= end);
        }
    }

    /**
     * Samples CPU time (/proc/PID/stat) of the controller, the test JVM and Prometheus, the machine's busy time
     * (/proc/stat), the controller's metrics (/q/metrics, as Prometheus would scrape it), Prometheus' query counter,
     * the API requests, and once a minute the controller's heap after a full GC.
     */
    static final class Sampler {

        static final Pattern SERIES = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? (\\S+)",
                Pattern.MULTILINE);

        final BenchCluster cluster;
        final ControllerProcess controller;
        final long prometheusPid;
        final URI controllerMetrics;
        final URI prometheusMetrics;
        final Tracker tracker;
        final SoakBenchmark.Probe probe;
        final HttpClient http = HttpClient.newHttpClient();
        final List<Sample> samples = new ArrayList<>();
        final int gcEvery = (int) Math.max(1, Math.round(60.0 / Math.max(1, SAMPLE_EVERY.toSeconds())));
        final long startAt = System.nanoTime();
        /** When the Canaries were created, all were Ready, the push began and every run had ended. */
        volatile long setupAt;
        volatile long restAt;
        volatile long pushAt;
        volatile long endAt;
        /** The controller's and Prometheus' metrics at the push and at the end; its heap then. */
        volatile Map<String, Double> controllerAtPush;
        volatile Map<String, Double> controllerAtEnd;
        volatile Map<String, Double> prometheusAtEnd;
        volatile SoakBenchmark.Sample heapAtRest;
        volatile SoakBenchmark.Sample heapAfter;
        /** The controller's API requests, in order, and how many it had made when all were Ready and at the push. */
        volatile List<String> calls = List.of();
        volatile int callsAtRest;
        volatile int callsAtPush;
        private long lastAt;
        private double[] last;

        Sampler(BenchCluster cluster, ControllerProcess controller, int metricsPort, Tracker tracker) {
            this.cluster = cluster;
            this.controller = controller;
            this.tracker = tracker;
            this.controllerMetrics = URI.create("http://127.0.0.1:" + metricsPort + "/q/metrics");
            this.prometheusMetrics = URI.create(cluster.prometheusUrl() + "/metrics");
            this.prometheusPid = ProcessHandle.current().children()
                    .filter(p -> p.info().command().orElse("").endsWith("prometheus")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no Prometheus child process")).pid();
            this.probe = new SoakBenchmark.Probe(controller.pid(), SoakBenchmark.port(cluster.apiUrl()),
                    SoakBenchmark.port(cluster.prometheusUrl()), -1);
        }

        /** The bounds (System.nanoTime()) of first sight, at rest and the run, in that order. */
        long[][] phases() {
            return new long[][]{{setupAt, restAt}, {restAt, pushAt}, {pushAt, endAt}};
        }

        synchronized void markRest() {
            restAt = System.nanoTime();
            callsAtRest = (int) cluster.controllerRequests();
        }

        synchronized void markPush() {
            heapAtRest = probe.sample(0, Duration.ZERO);
            controllerAtPush = scrape(controllerMetrics);
            callsAtPush = (int) cluster.controllerRequests();
            pushAt = System.nanoTime();
        }

        synchronized void markEnd() {
            endAt = System.nanoTime();
            controllerAtEnd = scrape(controllerMetrics);
            prometheusAtEnd = scrape(prometheusMetrics);
            calls = cluster.controllerCalls();
            heapAfter = probe.sample(0, Duration.ZERO);
        }

        synchronized void sample() {
            try {
                if (!controller.alive()) {
                    return;
                }
                long at = System.nanoTime();
                Map<String, Double> prometheus = scrape(prometheusMetrics);
                Map<String, Double> metrics = scrape(controllerMetrics);
                double[] now = {cpuSeconds(controller.pid()), cpuSeconds(ProcessHandle.current().pid()),
                        cpuSeconds(prometheusPid), busySeconds(), cluster.controllerRequests(),
                        cluster.otherRequests(), sum(prometheus, "prometheus_http_requests_total",
                                l -> l.contains("handler=\"/api/v1/query\""))};
                SoakBenchmark.Sample afterGc = samples.size() % gcEvery == 0 ? probe.sample(0, Duration.ZERO) : null;
                String status = SoakBenchmark.Probe.read(Path.of("/proc", Long.toString(controller.pid()),
                        "status"));
                if (last != null) {
                    double dt = (at - lastAt) / 1e9;
                    double[] rate = new double[now.length];
                    for (int i = 0; i < now.length; i++) {
                        rate[i] = (now[i] - last[i]) / dt;
                    }
                    samples.add(new Sample(lastAt, at, tracker.states(), rate[0], rate[1], rate[2], rate[3],
                            sum(metrics, "reconciliations_queue", l -> true),
                            sum(metrics, "reconciliations_active", l -> true), rate[4], rate[5], rate[6],
                            sum(metrics, "reconciliations_execution_duration_seconds_max", l -> true), afterGc,
                            SoakBenchmark.Probe.kib(status, "VmRSS:") / 1024.0,
                            SoakBenchmark.Probe.kib(status, "Threads:")));
                    System.out.println(row(samples.get(samples.size() - 1), startAt));
                }
                lastAt = at;
                last = now;
            } catch (RuntimeException e) {
                System.out.println("sample failed: " + e);
            }
        }

        /** The series of a Prometheus text exposition, by name and labels; null when it does not answer. */
        Map<String, Double> scrape(URI uri) {
            String text = fetch(uri);
            if (text == null) {
                return null;
            }
            Map<String, Double> series = new LinkedHashMap<>();
            Matcher m = SERIES.matcher(text);
            while (m.find()) {
                series.put(m.group(1) + Objects.toString(m.group(2), ""), Double.parseDouble(m.group(3)));
            }
            return series;
        }

        String fetch(URI uri) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                        .build(), HttpResponse.BodyHandlers.ofString());
                return r.statusCode() == 200 ? r.body() : null;
            } catch (IOException e) {
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }

    /** Sums the series of one metric whose labels match; NaN when the scrape had no answer. */
    static double sum(Map<String, Double> series, String name, Predicate<String> labels) {
        if (series == null) {
            return Double.NaN;
        }
        double total = 0;
        for (Map.Entry<String, Double> e : series.entrySet()) {
            String key = e.getKey();
            int brace = key.indexOf('{');
            String metric = brace < 0 ? key : key.substring(0, brace);
            if (metric.equals(name) && labels.test(brace < 0 ? "" : key.substring(brace))) {
                total += e.getValue();
            }
        }
        return total;
    }

    /** The process's CPU time so far, user and system, in seconds. */
    static double cpuSeconds(long pid) {
        String stat = SoakBenchmark.Probe.read(Path.of("/proc", Long.toString(pid), "stat"));
        // the fields after the command name, which may hold spaces: state is the 3rd field, utime the 14th
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / USER_HZ;
    }

    /** Busy CPU time of the whole machine so far (every core; neither idle nor waiting for I/O), in seconds. */
    static double busySeconds() {
        String[] f = SoakBenchmark.Probe.read(Path.of("/proc/stat")).lines().findFirst().orElseThrow().trim()
                .split("\\s+");
        long total = 0;
        for (int i = 1; i < Math.min(f.length, 9); i++) { // user .. steal; guest time is counted in user
            total += Long.parseLong(f[i]);
        }
        return (total - Long.parseLong(f[4]) - Long.parseLong(f[5])) / USER_HZ;
    }

    /** After the end: each Canary's phase and primary image as expected, its fleet back on one version. */
    static List<String> verify(BenchCluster cluster, List<Release> releases, Tracker tracker) {
        FleetSimulator fleet = cluster.fleet();
        List<String> wrong = new ArrayList<>();
        List<Release> right = new ArrayList<>();
        Map<String, Map<String, Deployment>> byNamespace = new TreeMap<>();
        for (Release r : releases) {
            Map<String, Deployment> deployments = byNamespace.computeIfAbsent(r.fx.ns, ns -> {
                Map<String, Deployment> m = new TreeMap<>();
                cluster.client().apps().deployments().inNamespace(ns).list().getItems()
                        .forEach(d -> m.put(d.getMetadata().getName(), d));
                return m;
            });
            Run run = tracker.runs.get(r.key());
            Phase want = r.bad ? Phase.RolledBack : Phase.Succeeded;
            String image = Fixtures.IMAGE + (r.bad ? STABLE : GOOD);
            Deployment primary = deployments.get(r.name + "-primary");
            String primaryImage = primary == null ? null : Fixtures.image(primary);
            if (run.end != want || !image.equals(primaryImage)) {
                wrong.add(String.format("%s ended %s (%s) with the primary on %s; expected %s on %s", r.key(),
                        run.end, run.last.getMessage(), primaryImage, want, image));
            } else {
                right.add(r);
            }
        }
        long start = System.nanoTime();
        long deadline = start + SETTLE.toNanos();
        List<String> mixed;
        do {
            mixed = new ArrayList<>();
            for (Release r : right) {
                String image = Fixtures.IMAGE + (r.bad ? STABLE : GOOD);
                List<FleetSimulator.RunningPod> pods = fleet.pods(r.fx.ns).stream()
                        .filter(p -> p.name().startsWith(r.name + "-")).toList();
                if (pods.size() != 1 || !pods.get(0).ready() || !pods.get(0).image().equals(image)) {
                    mixed.add(r.key() + ": pods " + pods);
                }
            }
        } while (!mixed.isEmpty() && System.nanoTime() < deadline && sleep(Duration.ofSeconds(1)));
        settled = mixed.isEmpty() ? since(start) : null;
        wrong.addAll(mixed);
        return wrong;
    }

    static String report(String described, boolean ready, Duration firstSight, Duration pushed, Tracker tracker,
            Sampler sampler, boolean ended, List<String> wrong) {
        StringBuilder out = new StringBuilder("\nmany canaries: " + described + "\n");
        String created = WAVE < CANARIES ? WAVE + " at a time, each batch once the one before was Ready" : "at once";
        out.append(ready
                ? String.format("set up: %d Canaries created %s; every one Ready (first sight) %.1f s after the first "
                        + "was created%n", CANARIES, created, seconds(firstSight))
                : String.format("set up: %d Canaries created %s; NOT every one Ready (first sight) within %s: %d "
                        + "Ready (time 0:00: the first created)%n", CANARIES, created,
                        Durations.format(SETUP_TIMEOUT), tracker.count(x -> x != null && x.getPhase() == Phase.Ready)));
        if (pushed != null) {
            out.append(String.format("push: a new version on all %d targets within %.1f s (time 0:00)%n", CANARIES,
                    seconds(pushed)));
        }
        out.append('\n');
        long origin = pushed == null ? sampler.setupAt : sampler.pushAt;
        out.append(header()).append('\n');
        sampler.samples.forEach(s -> out.append(row(s, origin)).append('\n'));
        out.append(String.format("  Canaries by phase (Progressing by step weight); cores used by the controller, "
                + "the test JVM (API server,%n  fleet simulator, watch), Prometheus, the whole machine; the Operator "
                + "SDK's queue and busy threads; the%n  controller's API requests and Prometheus' queries per second; "
                + "the controller's heap after a full GC (once a minute)%n%n"));

        out.append(String.format("the runs, from the push (test clock, as a watch saw them):%n  %-26s %6s %8s %8s "
                + "%8s%n", "", "count", "p50", "p99", "max"));
        out.append(times("run started", tracker, r -> r.startedAt));
        for (int k = 1; k < STEPS.size(); k++) {
            int step = k;
            out.append(times(String.format("entered step %d (%d%%)", k + 1, STEPS.get(k)), tracker,
                    r -> r.stepAt[step]));
        }
        out.append(times("Succeeded", tracker, r -> r.end == Phase.Succeeded ? r.endedAt : 0));
        out.append(times("RolledBack", tracker, r -> r.end == Phase.RolledBack ? r.endedAt : 0));
        out.append(distribution("the canary ready after step 1 began", tracker.firstStepReady));
        out.append(distribution("the canary ready after a later step began", tracker.laterStepReady));
        out.append(distribution(String.format("a check ran after it was due (%d checks)",
                tracker.checkLateness.size()), tracker.checkLateness));
        Map<CheckResult, Long> results = new EnumMap<>(CheckResult.class);
        tracker.checkResults.forEach((k, v) -> results.put(k, v.sum()));
        out.append(String.format("  (times of the Canaries' status: the controller's clock); metric results %s%n",
                results));
        out.append(reconciles(sampler)).append('\n');
        out.append(phases(sampler)).append('\n');
        out.append(requestMix(sampler)).append('\n');
        out.append(prometheus(sampler.prometheusAtEnd));
        out.append(ended
                ? String.format("ended: %d Succeeded, %d RolledBack; %s%n",
                        tracker.runs.values().stream().filter(r -> r.end == Phase.Succeeded).count(),
                        tracker.runs.values().stream().filter(r -> r.end == Phase.RolledBack).count(),
                        wrong.isEmpty()
                                ? String.format("each as expected (phase, primary image, one ready pod of that image; "
                                        + "the pods settled %.0f s after the last run ended)", seconds(settled))
                                : wrong.size() + " NOT as expected within " + Durations.format(SETTLE) + ":\n    "
                                        + String.join("\n    ", wrong.subList(0, Math.min(10, wrong.size()))))
                : pushed == null
                        ? "no push: not every Canary was Ready\n"
                        : String.format("NOT ENDED within %s: %d of %d ended%n", Durations.format(TIMEOUT),
                                tracker.ended(), CANARIES));
        return out.toString();
    }

    /**
     * Reconciles from the push to the end, from the Operator SDK's timer (a histogram with buckets from 10 ms to 30
     * s: quantiles are interpolated in them as histogram_quantile does), and the Operator SDK's queue.
     */
    static String reconciles(Sampler sampler) {
        Map<String, Double> before = sampler.controllerAtPush;
        Map<String, Double> after = sampler.controllerAtEnd;
        String timer = "reconciliations_execution_duration_seconds";
        if (before == null || after == null) {
            return "reconciles: no push, no figures\n";
        }
        if (sum(after, timer + "_count", l -> true) == 0) {
            return "reconciles: no figures (the controller exports no reconciliations_* metrics of the Operator SDK; "
                    + "see OperatorMetricsFix)\n";
        }
        TreeMap<Double, Double> cumulative = new TreeMap<>();
        Pattern le = Pattern.compile("le=\"([^\"]+)\"");
        for (Map.Entry<String, Double> e : after.entrySet()) {
            Matcher m = le.matcher(e.getKey());
            if (e.getKey().startsWith(timer + "_bucket{") && m.find()) {
                double bound = m.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(1));
                cumulative.merge(bound, e.getValue() - before.getOrDefault(e.getKey(), 0.0), Double::sum);
            }
        }
        double count = sum(after, timer + "_count", l -> true) - sum(before, timer + "_count", l -> true);
        double total = sum(after, timer + "_sum", l -> true) - sum(before, timer + "_sum", l -> true);
        List<Sample> run = sampler.samples.stream().filter(s -> s.within(sampler.pushAt, sampler.endAt)).toList();
        return String.format("reconciles: %.0f from the push to the end (%.1f/s): p50 %s, p99 %s, mean %.0f ms, "
                + "longest %.0f ms; queue up to %.0f waiting, %.0f threads busy%n", count,
                count / ((sampler.endAt - sampler.pushAt) / 1e9), quantile(cumulative, 0.5),
                quantile(cumulative, 0.99), total / count * 1000,
                1000 * run.stream().mapToDouble(Sample::longestReconcileSeconds).max().orElse(Double.NaN),
                run.stream().mapToDouble(Sample::queued).max().orElse(Double.NaN),
                run.stream().mapToDouble(Sample::active).max().orElse(Double.NaN));
    }

    /** As histogram_quantile does: linear inside the bucket that holds the quantile. */
    static String quantile(TreeMap<Double, Double> cumulative, double q) {
        double rank = q * cumulative.lastEntry().getValue();
        double lower = 0;
        double below = 0;
        for (Map.Entry<Double, Double> e : cumulative.entrySet()) {
            if (e.getValue() >= rank) {
                if (e.getKey().isInfinite()) {
                    return String.format("> %.0f ms", lower * 1000);
                }
                double in = e.getValue() - below;
                double at = in == 0 ? e.getKey() : lower + (e.getKey() - lower) * (rank - below) / in;
                return String.format("%.0f ms", at * 1000);
            }
            lower = e.getKey();
            below = e.getValue();
        }
        return "n/a";
    }

    /** CPU, requests, queries and memory in each phase: first sight, at rest, the run. */
    static String phases(Sampler sampler) {
        StringBuilder out = new StringBuilder(String.format("%-12s %5s | %15s %5s %5s %5s | %6s %6s %7s | %8s %7s "
                + "%7s%n", "phase", "time", "controller", "test", "prom", "all", "api/s", "others", "query/s",
                "heap MiB", "RSS MiB", "threads"));
        long[][] bounds = sampler.phases();
        String[] names = {"first sight", "at rest", "the run"};
        SoakBenchmark.Sample[] heaps = {null, sampler.heapAtRest, null};
        for (int i = 0; i < names.length; i++) {
            long start = bounds[i][0];
            long end = bounds[i][1];
            List<Sample> s = sampler.samples.stream().filter(x -> x.within(start, end)).toList();
            if (s.isEmpty()) {
                continue;
            }
            double controller = mean(s, Sample::controllerCores);
            String cores = String.format("%4.2f (%4.1f s/m) %5.2f %5.2f %5.2f", controller, 60 * controller,
                    mean(s, Sample::testCores), mean(s, Sample::prometheusCores), mean(s, Sample::busyCores));
            String requests = String.format("%6.1f %6.1f %7.1f", mean(s, Sample::apiPerSecond),
                    mean(s, Sample::othersApiPerSecond), mean(s, Sample::queriesPerSecond));
            String heap = Stream.concat(s.stream().map(Sample::afterGc), Stream.of(heaps[i]))
                    .filter(Objects::nonNull).mapToDouble(SoakBenchmark.Sample::heapMiB).max()
                    .stream().mapToObj(h -> String.format("%.1f", h)).findFirst().orElse("-");
            out.append(String.format("%-12s %5s | %s | %s | %8s %7.1f %7d%n", names[i], clock(end - start), cores,
                    requests, heap, s.stream().mapToDouble(Sample::rssMiB).max().orElse(0),
                    s.stream().mapToInt(Sample::threads).max().orElse(0)));
        }
        out.append(String.format("  means over the phase's samples (cores; s/m: CPU seconds per minute), except heap "
                + "(largest after a full GC), RSS and threads (largest);%n  others: the API requests of the fleet "
                + "simulator and the test%n"));
        SoakBenchmark.Sample after = sampler.heapAfter;
        if (after != null) {
            out.append(String.format("after the run: heap after GC %.1f MiB (committed %.1f), metaspace %.1f MiB, "
                    + "RSS %.1f MiB, %d threads; TCP connections to the API server %d, to Prometheus %d%n",
                    after.heapMiB(), after.committedMiB(), after.metaspaceMiB(), after.rssMiB(), after.javaThreads(),
                    after.apiConnections(), after.prometheusConnections()));
        }
        return out.toString();
    }

    /** The controller's API requests by verb and resource, per Canary: during first sight and during the run. */
    static String requestMix(Sampler sampler) {
        List<String> calls = sampler.calls;
        List<List<String>> phases = List.of(calls.subList(0, Math.min(sampler.callsAtRest, calls.size())),
                sampler.pushAt == 0
                        ? List.of()
                        : calls.subList(Math.min(sampler.callsAtPush, calls.size()),
                                calls.size()));
        Map<String, long[]> byKind = new TreeMap<>();
        for (int i = 0; i < phases.size(); i++) {
            for (String kind : phases.get(i)) {
                byKind.computeIfAbsent(kind, k -> new long[2])[i]++;
            }
        }
        StringBuilder out = new StringBuilder(String.format("the controller's API requests per Canary:%n  %-34s "
                + "%11s %9s%n", "", "first sight", "the run"));
        long[] rest = new long[2];
        byKind.entrySet().stream().sorted((x, y) -> Long.compare(y.getValue()[0] + y.getValue()[1],
                x.getValue()[0] + x.getValue()[1])).forEach(e -> {
                    long[] n = e.getValue();
                    if (n[0] + n[1] < CANARIES / 10) {
                        rest[0] += n[0];
                        rest[1] += n[1];
                    } else {
                        out.append(String.format("  %-34s %11.2f %9.2f%n", e.getKey(), n[0] / (double) CANARIES,
                                n[1] / (double) CANARIES));
                    }
                });
        out.append(String.format("  %-34s %11.2f %9.2f%n", "others (under 0.1 each)",
                rest[0] / (double) CANARIES, rest[1] / (double) CANARIES));
        out.append(String.format("  %-34s %11.2f %9.2f%n", "all", phases.get(0).size() / (double) CANARIES,
                phases.get(1).size() / (double) CANARIES));
        return out.toString();
    }

    /** Prometheus' own view: its targets, whether it kept the scrape interval, how long queries took. */
    static String prometheus(Map<String, Double> metrics) {
        if (metrics == null) {
            return "";
        }
        return String.format("Prometheus: %.0f targets; scrape interval p99 %.1f s (set %s); query evaluation p50 %.1f "
                + "ms, p99 %.1f ms (its own summary, last 10 min)%n",
                sum(metrics, "prometheus_sd_discovered_targets", l -> true),
                sum(metrics, "prometheus_target_interval_length_seconds", l -> l.contains("quantile=\"0.99\"")),
                Durations.format(SCRAPE),
                1000 * sum(metrics, "prometheus_engine_query_duration_seconds",
                        l -> l.contains("slice=\"inner_eval\"") && l.contains("quantile=\"0.5\"")),
                1000 * sum(metrics, "prometheus_engine_query_duration_seconds",
                        l -> l.contains("slice=\"inner_eval\"") && l.contains("quantile=\"0.99\"")));
    }

    static double mean(List<Sample> samples, ToDoubleFunction<Sample> f) {
        return samples.stream().mapToDouble(f).average().orElse(Double.NaN);
    }

    /** When the runs reached a point, from their push. */
    static String times(String what, Tracker tracker, ToLongFunction<Run> at) {
        List<Long> ms = new ArrayList<>();
        for (Run run : tracker.runs.values()) {
            long t = at.applyAsLong(run);
            if (t != 0) {
                ms.add((t - run.pushedAt) / 1_000_000);
            }
        }
        ms.sort(null);
        return String.format("  %-26s %6d %8s %8s %8s%n", what, ms.size(), millis(percentile(ms, 0.5)),
                millis(percentile(ms, 0.99)), millis(ms.isEmpty() ? null : ms.get(ms.size() - 1)));
    }

    static String distribution(String what, Collection<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        return String.format("%s: p50 %s, p99 %s, max %s%n", what, millis(percentile(sorted, 0.5)),
                millis(percentile(sorted, 0.99)), millis(sorted.isEmpty() ? null : sorted.get(sorted.size() - 1)));
    }

    /** The nearest-rank percentile of sorted values; null when there are none. */
    static Long percentile(List<Long> sorted, double p) {
        return sorted.isEmpty() ? null : sorted.get((int) Math.ceil(p * sorted.size()) - 1);
    }

    static String millis(Long ms) {
        return ms == null ? "-" : String.format("%.1f s", ms / 1000.0);
    }

    /** A time span as m:ss, with a sign when negative. */
    static String clock(long nanos) {
        long s = Math.round(nanos / 1e9);
        return (s < 0 ? "-" : "") + String.format("%d:%02d", Math.abs(s) / 60, Math.abs(s) % 60);
    }

    static String header() {
        StringBuilder states = new StringBuilder(String.format("%6s", "Ready"));
        STEPS.forEach(w -> states.append(String.format(" %5s", w + "%")));
        states.append(String.format(" %5s %5s %5s %5s", "promo", "Succ", "RB", "other"));
        return String.format("%6s %s | %5s %5s %5s %5s | %5s %6s | %6s %7s | %8s %7s %7s", "time", states,
                "ctl", "test", "prom", "all", "queue", "active", "api/s", "query/s", "heap MiB", "RSS MiB",
                "threads");
    }

    /** One line of the timeline; the time is from {@code from} (System.nanoTime()). */
    static String row(Sample s, long from) {
        StringBuilder states = new StringBuilder(String.format("%6d", s.states()[0]));
        for (int i = 1; i < s.states().length; i++) {
            states.append(String.format(" %5d", s.states()[i]));
        }
        return String.format("%6s %s | %5.2f %5.2f %5.2f %5.2f | %5.0f %6.0f | %6.1f %7.1f | %8s %7.1f %7d",
                clock(s.at() - from), states, s.controllerCores(), s.testCores(), s.prometheusCores(), s.busyCores(),
                s.queued(),
                s.active(), s.apiPerSecond(), s.queriesPerSecond(),
                s.afterGc() == null ? "" : String.format("%.1f", s.afterGc().heapMiB()), s.rssMiB(), s.threads());
    }

    static void await(String what, Duration timeout, ControllerProcess controller, BooleanSupplier until) {
        if (!awaitQuietly(timeout, controller, until)) {
            throw new AssertionError(what + " not within " + Durations.format(timeout) + "\n"
                    + SoakBenchmark.tail(controller));
        }
    }

    /** Waits until the condition holds (true), the timeout passes or the controller exits (false). */
    static boolean awaitQuietly(Duration timeout, ControllerProcess controller, BooleanSupplier until) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!until.getAsBoolean()) {
            if (System.nanoTime() > deadline || !controller.alive() || !sleep(Duration.ofMillis(500))) {
                return false;
            }
        }
        return true;
    }

    static boolean sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static Duration since(long nanos) {
        return Duration.ofNanos(System.nanoTime() - nanos);
    }

    static double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }
}
