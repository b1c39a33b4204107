package dev.aegis.canary.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.NotificationProviderSpec.ProviderType;
import dev.aegis.canary.api.NotificationRef;
import dev.aegis.canary.api.Phase;
import dev.aegis.canary.api.Severity;
import dev.aegis.canary.sim.FleetSimulator;
import dev.aegis.canary.sim.VersionBehaviour;

/**
 * Soak: many sequential rollouts through ONE controller process (the packaged application, leader election on, as
 * deploy/ runs it) against {@link ProcessCluster}, watched from outside the process for growth in what a leak would
 * grow: heap after a full GC, metaspace, threads, file descriptors, sockets and TCP connections by peer, and RSS.
 *
 * <p>
 * Several Canaries in namespaces of their own ({@code soak.canaries}) each run one rollout per round, in parallel;
 * the rounds follow one another, so every Canary sees a long sequence of runs. Every {@code soak.badEvery}-th rollout
 * (rotating over the Canaries) is a version with 20% errors, to be rolled back; the others are healthy, to be
 * promoted. A rollout counts only if it ended as it should (the phase, the primary's image, the fleet back on one
 * version and the webhook told): anything else fails the run at once, since the figures of a controller that went
 * wrong mean nothing. Each Canary notifies a local webhook at info, so the notification path runs on every phase
 * change. Every {@code soak.recreateEvery} rounds each Canary is deleted, with what deleting its namespace would
 * delete, and a new one takes its place in a fresh namespace: state the controller keeps per Canary must go with it.
 *
 * <p>
 * Samples are taken between rounds, every Canary at rest (the run ended and the fleet converged), so they compare
 * like with like: {@code jcmd PID GC.run} twice (a full collection; the second clears what the first only made
 * unreachable through references and cleaners), then {@code GC.heap_info} for the heap in use and metaspace, the
 * {@code java.threads.live} counter, and /proc/PID: Threads (every OS thread, JIT and GC included), VmRSS, the entries
 * of fd/ and which of them are sockets, and those sockets' TCP connections (net/tcp, tcp6) by peer: the API server,
 * Prometheus and the webhook. The verdict compares the first sample after warm-up ({@code soak.warmUp}, 20% of the rollouts: the
 * thread pools' idle threads time out within the first minute or two) with the last,
 * as growth per 100 rollouts. Figures only: it fails on a rollout that ended wrongly, not on growth.
 *
 * <p>
 * Run: {@code ./mvnw -Psoak verify} (builds the jar, skips the other tests). Options (system properties):
 * {@code -Dsoak.rollouts=200} in all, {@code -Dsoak.canaries=5} in parallel, {@code -Dsoak.badEvery=5} (0: none),
 * {@code -Dsoak.samples=10} (samples after the start), {@code -Dsoak.steps=20,60,100},
 * {@code -Dsoak.interval=2s} (analysis interval), {@code -Dsoak.replicas=5} pods per Deployment,
 * {@code -Dsoak.recreateEvery=10} rounds (0: never), {@code -Dsoak.warmUp=0.2}. The table is
 * printed and written to target/soak/report.txt; the controller's log is target/controllers/soak.log.
 */
class SoakBenchmark {

    static final int ROLLOUTS = Integer.getInteger("soak.rollouts", 200);
    static final int CANARIES = Integer.getInteger("soak.canaries", 5);
    static final int BAD_EVERY = Integer.getInteger("soak.badEvery", 5);
    static final int SAMPLES = Integer.getInteger("soak.samples", 10);
    static final List<Integer> STEPS = Arrays.stream(System.getProperty("soak.steps", "20,60,100").split(","))
            .map(String::trim).map(Integer::valueOf).toList();
    static final String INTERVAL = System.getProperty("soak.interval", "2s");
    static final int REPLICAS = Integer.getInteger("soak.replicas", 5);
    static final int RECREATE_EVERY = Integer.getInteger("soak.recreateEvery", 10);
    /** The share of the rollouts before the verdict's first sample: JIT, caches and idle thread pools settle. */
    static final double WARM_UP = Double.parseDouble(System.getProperty("soak.warmUp", "0.2"));

    static final String NAME = "podinfo";
    static final Duration ROLLOUT_TIMEOUT = Duration.ofMinutes(2);
    static final double MIB = 1024 * 1024;

    /** How one rollout ended. */
    record Outcome(int number, String namespace, String revision, Phase phase, Duration took) {
    }

    /** What the controller process held, seen from outside after {@code rollouts} rollouts. */
    record Sample(int rollouts, Duration elapsed, double heapMiB, double committedMiB, double metaspaceMiB,
            int javaThreads,
            int osThreads, int fds, int sockets, int apiConnections, int prometheusConnections,
            int webhookConnections, double rssMiB) {

        String row() {
            return String.format("%8d %8s %9.1f %9.1f %9.1f %7d %7d %5d %7d %5d %5d %5d %8.1f", rollouts,
                    minutes(elapsed), heapMiB, committedMiB, metaspaceMiB, javaThreads, osThreads, fds, sockets,
                    apiConnections,
                    prometheusConnections, webhookConnections, rssMiB);
        }

        static String header() {
            return String.format("%8s %8s %9s %9s %9s %7s %7s %5s %7s %5s %5s %5s %8s", "rollouts", "elapsed",
                    "heap MiB", "committed", "meta MiB", "threads", "os thr", "fds", "sockets", "api", "prom", "hook",
                    "RSS MiB");
        }
    }

    @Test
    void manySequentialRolloutsInOneControllerShowNoGrowth() throws Exception {
        if (!ControllerProcess.NATIVE.isBlank()) {
            throw new IllegalStateException("the soak samples the controller with jcmd: run it on the JVM build");
        }
        int rounds = (ROLLOUTS + CANARIES - 1) / CANARIES;
        int sampleEvery = Math.max(1, rounds / Math.max(1, SAMPLES));
        String settings = String.format("%d rollouts on %d Canaries (%d rounds), every %s rolled back, steps %s, "
                + "interval %s, %d replicas, Canaries recreated %s", ROLLOUTS, CANARIES, rounds,
                BAD_EVERY > 0 ? BAD_EVERY + "th" : "none", STEPS, INTERVAL, REPLICAS,
                RECREATE_EVERY > 0 ? "every " + RECREATE_EVERY + " rounds" : "never");
        System.out.println("soak: " + settings);

        ExecutorService pool = Executors.newFixedThreadPool(CANARIES);
        try (ProcessCluster cluster = ProcessCluster.start();
                Receiver webhook = new Receiver();
                ControllerProcess controller = ControllerProcess.start("soak", cluster, Map.of())) {
            Probe probe = new Probe(controller.pid(), port(cluster.url()), port(cluster.prometheus().url()),
                    port(webhook.address()));
            Callable<Lane> newLane = () -> {
                Lane l = new Lane(cluster, webhook);
                l.awaitReady(controller);
                return l;
            };
            List<Lane> lanes = run(pool, java.util.Collections.nCopies(CANARIES, newLane));
            List<Lane> retired = new ArrayList<>();

            List<Outcome> outcomes = new ArrayList<>();
            List<Sample> samples = new ArrayList<>();
            long start = System.nanoTime();
            samples.add(probe.sample(0, Duration.ZERO));
            System.out.println(Sample.header());
            System.out.println(samples.get(0).row());
            for (int round = 0; round < rounds; round++) {
                if (RECREATE_EVERY > 0 && round > 0 && round % RECREATE_EVERY == 0) {
                    retired.addAll(lanes);
                    lanes = run(pool, lanes.stream().map(l -> (Callable<Lane>) () -> {
                        l.delete(controller);
                        return newLane.call();
                    }).toList());
                }
                List<Callable<Outcome>> work = new ArrayList<>();
                for (int lane = 0; lane < CANARIES; lane++) {
                    int number = round * CANARIES + lane + 1;
                    if (number > ROLLOUTS) {
                        break;
                    }
                    // one bad version per BAD_EVERY rollouts, on a different Canary each round
                    boolean bad = BAD_EVERY > 0 && (round + lane) % BAD_EVERY == BAD_EVERY - 1;
                    Lane l = lanes.get(lane);
                    work.add(() -> l.rollout(number, bad, controller));
                }
                outcomes.addAll(run(pool, work));
                if ((round + 1) % sampleEvery == 0 || round == rounds - 1) {
                    Sample s = probe.sample(outcomes.size(), Duration.ofNanos(System.nanoTime() - start));
                    samples.add(s);
                    System.out.println(s.row());
                }
            }
            retired.addAll(lanes);
            for (Lane l : retired) {
                l.assertEveryEndWasNotified(outcomes);
            }
            if (!controller.alive()) {
                throw new AssertionError("the controller exited:\n" + tail(controller));
            }
            String report = report(settings, outcomes, samples);
            System.out.println(report);
            Path out = Files.createDirectories(Path.of("target", "soak")).resolve("report.txt");
            Files.writeString(out, report);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Runs the tasks in parallel and returns their results in order; the first failure fails the soak. */
    static <T> List<T> run(ExecutorService pool, List<Callable<T>> tasks) throws InterruptedException {
        List<T> out = new ArrayList<>();
        for (Future<T> f : pool.invokeAll(tasks)) {
            try {
                out.add(f.get());
            } catch (ExecutionException e) {
                if (e.getCause() instanceof Error error) {
                    throw error;
                }
                throw new IllegalStateException(e.getCause());
            }
        }
        return out;
    }

    /** One Canary in a namespace of its own, with its Deployment, templates and webhook. */
    static final class Lane {

        final ProcessCluster cluster;
        final FleetSimulator fleet;
        final Fixtures fx;
        final Receiver webhook;
        String stableImage;

        Lane(ProcessCluster cluster, Receiver webhook) {
            this.cluster = cluster;
            this.fleet = cluster.fleet();
            this.webhook = webhook;
            this.fx = new Fixtures(cluster.client(), "soak");
            fx.provider("audit", ProviderType.webhook, Map.of("address", webhook.address()), p -> {
            });
            fx.applyShippedTemplates();
            fx.deployment(NAME, "soak-0", REPLICAS);
            stableImage = Fixtures.IMAGE + "soak-0";
            fx.canary(NAME, NAME, spec -> {
                spec.setSteps(STEPS);
                spec.getAnalysis().setInterval(INTERVAL);
                spec.setNotifications(List.of(new NotificationRef("audit", Severity.info)));
            });
        }

        /**
         * Deletes the Canary and waits for the controller to let it go, then deletes what deleting the namespace
         * would (the test API server has no garbage collector and never deletes a namespace's objects).
         */
        void delete(ControllerProcess controller) {
            var client = cluster.client();
            client.resources(dev.aegis.canary.api.Canary.class).inNamespace(fx.ns).withName(NAME).delete();
            try {
                await(fx.ns + ": the Canary let go").atMost(Duration.ofMinutes(1))
                        .pollInterval(Duration.ofMillis(200)).until(() -> fx.canaryNow(NAME) == null);
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError(e.getMessage() + ": " + fx.canaryNow(NAME) + "\n" + tail(controller));
            }
            client.apps().deployments().inNamespace(fx.ns).list().getItems()
                    .forEach(d -> client.resource(d).delete());
            client.services().inNamespace(fx.ns).list().getItems().forEach(x -> client.resource(x).delete());
            client.resources(dev.aegis.canary.api.AnalysisTemplate.class).inNamespace(fx.ns).list().getItems()
                    .forEach(x -> client.resource(x).delete());
            client.resources(dev.aegis.canary.api.NotificationProvider.class).inNamespace(fx.ns).list().getItems()
                    .forEach(x -> client.resource(x).delete());
            client.secrets().inNamespace(fx.ns).list().getItems().forEach(x -> client.resource(x).delete());
        }

        void awaitReady(ControllerProcess controller) {
            awaitStatus(controller, "first sight of " + fx.ns, Duration.ofMinutes(2),
                    s -> s.getPhase() == Phase.Ready);
        }

        /** Pushes version {@code number} and waits until its run ended and the fleet is back on one version. */
        Outcome rollout(int number, boolean bad, ControllerProcess controller) {
            String version = "soak-" + number;
            String image = Fixtures.IMAGE + version;
            fleet.setBehaviour(image,
                    bad ? VersionBehaviour.healthy().withErrorRatio(0.2) : VersionBehaviour.healthy());
            String before = fx.canaryNow(NAME).getStatus().getCanaryRevision();
            long start = System.nanoTime();
            fx.setImage(NAME, version);
            CanaryStatus end = awaitStatus(controller, fx.ns + " rollout " + number, ROLLOUT_TIMEOUT,
                    s -> s.getPhase() == Phase.Failed || s.getPhase() == Phase.Invalid
                            || ((s.getPhase() == Phase.Succeeded || s.getPhase() == Phase.RolledBack)
                                    && s.getCanaryRevision() != null && !s.getCanaryRevision().equals(before)));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            Phase want = bad ? Phase.RolledBack : Phase.Succeeded;
            String wantImage = bad ? stableImage : image;
            String primary = Fixtures.image(fx.deploymentNow(NAME + "-primary"));
            if (end.getPhase() != want || !primary.equals(wantImage)) {
                throw new AssertionError(String.format(
                        "%s rollout %d of %s (%s) ended %s (%s) with the primary on %s; expected %s on %s%n%s",
                        fx.ns, number, version, bad ? "bad" : "healthy", end.getPhase(), end.getMessage(), primary,
                        want, wantImage, tail(controller)));
            }
            try {
                await(fx.ns + " rollout " + number + ": the fleet back on " + wantImage).atMost(Duration.ofMinutes(1))
                        .pollInterval(Duration.ofMillis(200)).until(() -> {
                            List<FleetSimulator.RunningPod> pods = fleet.pods(fx.ns);
                            return fx.deploymentNow(NAME).getSpec().getReplicas() == 0 && pods.size() == REPLICAS
                                    && pods.stream().allMatch(p -> p.ready() && p.image().equals(wantImage));
                        });
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError(e.getMessage() + ": pods " + fleet.pods(fx.ns) + "\n" + tail(controller));
            }
            if (!bad) {
                stableImage = image;
            }
            return new Outcome(number, fx.ns, end.getCanaryRevision(), end.getPhase(), took);
        }

        CanaryStatus awaitStatus(ControllerProcess controller, String what, Duration timeout,
                java.util.function.Predicate<CanaryStatus> until) {
            try {
                await(what).atMost(timeout).pollInterval(Duration.ofMillis(100)).until(() -> {
                    CanaryStatus s = fx.canaryNow(NAME).getStatus();
                    return s != null && until.test(s);
                });
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError(e.getMessage() + ": status " + fx.canaryNow(NAME).getStatus() + "\n"
                        + tail(controller));
            }
            return fx.canaryNow(NAME).getStatus();
        }

        /** The webhook heard the end of every run of this Canary, as it ended. */
        void assertEveryEndWasNotified(List<Outcome> outcomes) {
            Set<String> want = new TreeSet<>();
            outcomes.stream().filter(o -> o.namespace().equals(fx.ns))
                    .forEach(o -> want.add(o.revision() + " " + o.phase()));
            Set<String> heard = new TreeSet<>();
            try {
                await(fx.ns + ": the webhook told of every run's end").atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(200)).until(() -> {
                            heard.clear();
                            for (Receiver.Request r : webhook.requests()) {
                                JsonNode body = r.json();
                                String phase = body.get("phase").asText();
                                if (body.get("namespace").asText().equals(fx.ns)
                                        && (phase.equals("Succeeded") || phase.equals("RolledBack"))) {
                                    heard.add(body.at("/revisions/canary").asText() + " " + phase);
                                }
                            }
                            return heard.equals(want);
                        });
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                Set<String> missing = new TreeSet<>(want);
                missing.removeAll(heard);
                Set<String> extra = new TreeSet<>(heard);
                extra.removeAll(want);
                throw new AssertionError(fx.ns + ": run ends not told " + missing + ", told but not seen " + extra);
            }
        }
    }

    /** Looks at the controller process from outside: jcmd and /proc. */
    record Probe(long pid, int apiPort, int prometheusPort, int webhookPort) {

        static final Pattern USED = Pattern.compile("^ (\\S.*?)\\s+total (\\d+)K, used (\\d+)K", Pattern.MULTILINE);
        static final Pattern METASPACE = Pattern.compile("^ Metaspace\\s+used (\\d+)K", Pattern.MULTILINE);
        static final Pattern LIVE = Pattern.compile("^java\\.threads\\.live=(\\d+)$", Pattern.MULTILINE);

        Sample sample(int rollouts, Duration elapsed) {
            jcmd("GC.run");
            jcmd("GC.run");
            String heap = jcmd("GC.heap_info");
            long usedKiB = 0;
            long committedKiB = 0;
            Matcher m = USED.matcher(heap);
            while (m.find()) { // one line for G1, young and old generation for the others
                committedKiB += Long.parseLong(m.group(2));
                usedKiB += Long.parseLong(m.group(3));
            }
            Matcher meta = METASPACE.matcher(heap);
            Matcher live = LIVE.matcher(jcmd("PerfCounter.print"));
            if (usedKiB == 0 || !meta.find() || !live.find()) {
                throw new IllegalStateException("unexpected jcmd output:\n" + heap);
            }
            Path proc = Path.of("/proc", Long.toString(pid));
            String status = read(proc.resolve("status"));
            Set<String> sockets = new HashSet<>();
            int fds = 0;
            try (Stream<Path> entries = Files.list(proc.resolve("fd"))) {
                for (Path fd : entries.toList()) {
                    fds++;
                    try {
                        String target = Files.readSymbolicLink(fd).toString();
                        if (target.startsWith("socket:[")) {
                            sockets.add(target.substring(8, target.length() - 1));
                        }
                    } catch (IOException e) {
                        // closed while listing
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            int[] byPeer = new int[3];
            for (String table : List.of("tcp", "tcp6")) {
                for (String line : read(proc.resolve("net").resolve(table)).lines().skip(1).toList()) {
                    String[] f = line.trim().split("\\s+");
                    // f[2] remote address:port (hex), f[3] state (01 established), f[9] inode
                    if (f.length > 9 && f[3].equals("01") && sockets.contains(f[9])) {
                        int port = Integer.parseInt(f[2].substring(f[2].indexOf(':') + 1), 16);
                        if (port == apiPort) {
                            byPeer[0]++;
                        } else if (port == prometheusPort) {
                            byPeer[1]++;
                        } else if (port == webhookPort) {
                            byPeer[2]++;
                        }
                    }
                }
            }
            return new Sample(rollouts, elapsed, usedKiB / 1024.0, committedKiB / 1024.0,
                    Long.parseLong(meta.group(1)) / 1024.0,
                    Integer.parseInt(live.group(1)), kib(status, "Threads:"), fds, sockets.size(), byPeer[0],
                    byPeer[1], byPeer[2], kib(status, "VmRSS:") / 1024.0);
        }

        String jcmd(String command) {
            return jcmd(Path.of(System.getProperty("java.home")), pid, command);
        }

        /**
         * What jcmd of the JDK at javaHome (the one the process runs on; else the jcmd on the PATH) prints for the
         * process; fails with that output unless it ends well within 60 s.
         */
        static String jcmd(Path javaHome, long pid, String... command) {
            Path jcmd = javaHome.resolve("bin").resolve("jcmd");
            List<String> line = new ArrayList<>(List.of(Files.exists(jcmd) ? jcmd.toString() : "jcmd",
                    Long.toString(pid)));
            line.addAll(List.of(command));
            try {
                Process p = new ProcessBuilder(line).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes());
                if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    throw new IllegalStateException("jcmd " + pid + " " + String.join(" ", command) + " failed:\n"
                            + out);
                }
                return out;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        /** The number after a key of /proc/PID/status ("Threads:", "VmRSS:" in kB). */
        static int kib(String status, String key) {
            return status.lines().filter(l -> l.startsWith(key)).findFirst()
                    .map(l -> Integer.parseInt(l.substring(key.length()).trim().split("\\s+")[0]))
                    .orElseThrow(() -> new IllegalStateException(key + " missing in /proc status"));
        }

        static String read(Path file) {
            try {
                return Files.readString(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The table, the rollouts' figures and the growth from the first sample after warm-up to the last. */
    static String report(String settings, List<Outcome> outcomes, List<Sample> samples) {
        StringBuilder out = new StringBuilder("\nsoak: " + settings + "\n");
        for (Phase phase : List.of(Phase.Succeeded, Phase.RolledBack)) {
            List<Duration> took = outcomes.stream().filter(o -> o.phase() == phase).map(Outcome::took).sorted()
                    .toList();
            if (!took.isEmpty()) {
                out.append(String.format("  %-10s %4d rollouts, each %.1f s median (%.1f–%.1f s)%n", phase,
                        took.size(), seconds(took.get(took.size() / 2)), seconds(took.get(0)),
                        seconds(took.get(took.size() - 1))));
            }
        }
        out.append("  heap: in use after two full GCs (jcmd GC.run; GC.heap_info), committed: the heap's size then; "
                + "threads: java.threads.live; os thr: /proc Threads\n  fds, sockets: /proc/PID/fd; api, prom, hook: established TCP "
                + "connections to the API server, Prometheus, the webhook\n\n");
        out.append(Sample.header()).append('\n');
        samples.forEach(s -> out.append(s.row()).append('\n'));
        int warmUp = (int) Math.ceil(ROLLOUTS * WARM_UP);
        Sample first = samples.stream().filter(s -> s.rollouts() >= warmUp).findFirst().orElseThrow();
        Sample last = samples.get(samples.size() - 1);
        if (last.rollouts() == first.rollouts()) {
            return out.append("too few samples after warm-up for a verdict\n").toString();
        }
        double per100 = 100.0 / (last.rollouts() - first.rollouts());
        out.append(String.format("growth per 100 rollouts from %d to %d rollouts: heap %+.1f MiB, metaspace "
                + "%+.1f MiB, threads %+.1f (os %+.1f), fds %+.1f, sockets %+.1f, TCP api %+.1f prom %+.1f hook "
                + "%+.1f, RSS %+.1f MiB%n", first.rollouts(), last.rollouts(),
                (last.heapMiB() - first.heapMiB()) * per100, (last.metaspaceMiB() - first.metaspaceMiB()) * per100,
                (last.javaThreads() - first.javaThreads()) * per100, (last.osThreads() - first.osThreads()) * per100,
                (last.fds() - first.fds()) * per100, (last.sockets() - first.sockets()) * per100,
                (last.apiConnections() - first.apiConnections()) * per100,
                (last.prometheusConnections() - first.prometheusConnections()) * per100,
                (last.webhookConnections() - first.webhookConnections()) * per100,
                (last.rssMiB() - first.rssMiB()) * per100));
        double heapMin = samples.stream().filter(s -> s.rollouts() >= warmUp).mapToDouble(Sample::heapMiB).min()
                .orElseThrow();
        double heapMax = samples.stream().filter(s -> s.rollouts() >= warmUp).mapToDouble(Sample::heapMiB).max()
                .orElseThrow();
        out.append(String.format("heap after warm-up between %.1f and %.1f MiB%n", heapMin, heapMax));
        return out.toString();
    }

    static String tail(ControllerProcess controller) {
        List<String> lines = controller.logText().lines().toList();
        return "controller log (" + controller.log + "), last lines:\n"
                + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    static int port(String url) {
        return URI.create(url).getPort();
    }

    static double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }

    static String minutes(Duration d) {
        long s = d.toSeconds();
        return String.format("%d:%02d", s / 60, s % 60);
    }
}
