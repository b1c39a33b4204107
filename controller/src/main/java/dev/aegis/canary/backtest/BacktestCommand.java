package dev.aegis.canary.backtest;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import jakarta.enterprise.context.ApplicationScoped;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;

import dev.aegis.canary.analysis.Analysis;
import dev.aegis.canary.analysis.Analysis.Resolution;
import dev.aegis.canary.analysis.PodScope;
import dev.aegis.canary.api.AnalysisTemplate;
import dev.aegis.canary.api.AnalysisTemplateSpec;
import dev.aegis.canary.api.AnalysisTemplateSpec.PrometheusSpec;
import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.ClusterAnalysisTemplate;
import dev.aegis.canary.api.MetricResult;
import dev.aegis.canary.api.RouterType;
import dev.aegis.canary.api.TemplateRef.TemplateKind;
import dev.aegis.canary.api.WorkloadKind;
import dev.aegis.canary.config.AegisConfig;
import dev.aegis.canary.rollout.Durations;
import dev.aegis.canary.rollout.MetricText;
import dev.aegis.canary.rollout.RolloutPolicy;
import dev.aegis.canary.rollout.SpecValidator;
import dev.aegis.canary.workload.DaemonSetWorkloads;
import dev.aegis.canary.workload.PodNames;
import dev.aegis.canary.workload.Regexes;

/**
 * {@code aegis-canary backtest}: a Canary's checks over a past window of a real Prometheus, run through the
 * controller's own analysis and state machine, printing the verdict of every check and how the run would have
 * ended. A team tunes thresholds on last week's releases before trusting them.
 */
@ApplicationScoped
public class BacktestCommand {

    /** Exit codes: the run would have been promoted (or the window ended first), rolled back, or bad input. */
    public static final int PASSED = 0;
    public static final int ROLLED_BACK = 1;
    public static final int USAGE = 2;

    static final String USAGE_TEXT = """
            usage: aegis-canary backtest --canary FILE --from TIME --to TIME [options]
              --canary FILE        the Canary, as in Git (YAML)
              --templates PATH     AnalysisTemplate / ClusterAnalysisTemplate YAML: a file or a directory
                                   (every *.yaml below it); repeatable
              --prometheus URL     for templates without spec.prometheus.address (default: aegis.prometheus.url)
              --from, --to TIME    the window, RFC 3339 (2026-11-20T10:00:00Z); the run starts at --from
              --canary-pods RE     the pods the canary ran in (default: the target's, by name)
              --primary-pods RE    the pods the primary ran in (default: <target>-primary's)
              --canary-nodes RE, --primary-nodes RE   for the nodes router (default: any node)
            exit status: 0 promoted or the window ended first, 1 rolled back, 2 bad input""";

    private final Analysis analysis;
    private final AegisConfig config;

    public BacktestCommand(Analysis analysis, AegisConfig config) {
        this.analysis = analysis;
        this.config = config;
    }

    /** What the command line asks for. */
    record Options(Path canary, List<Path> templates, String prometheus, Instant from, Instant to,
            String canaryPods, String primaryPods, String canaryNodes, String primaryNodes) {

        static Options parse(List<String> args) {
            Map<String, String> single = new HashMap<>();
            List<Path> templates = new ArrayList<>();
            for (int i = 0; i < args.size(); i++) {
                String flag = args.get(i);
                if (!List.of("--canary", "--templates", "--prometheus", "--from", "--to", "--canary-pods",
                        "--primary-pods", "--canary-nodes", "--primary-nodes").contains(flag)) {
                    throw new IllegalArgumentException("unknown option '" + flag + "'");
                }
                if (i + 1 >= args.size()) {
                    throw new IllegalArgumentException(flag + " needs a value");
                }
                String value = args.get(++i);
                if (flag.equals("--templates")) {
                    templates.add(Path.of(value));
                } else {
                    single.put(flag, value);
                }
            }
            for (String required : List.of("--canary", "--from", "--to")) {
                if (!single.containsKey(required)) {
                    throw new IllegalArgumentException(required + " is required");
                }
            }
            Instant from = time("--from", single.get("--from"));
            Instant to = time("--to", single.get("--to"));
            if (!to.isAfter(from)) {
                throw new IllegalArgumentException("--to must be after --from");
            }
            String prometheus = single.get("--prometheus");
            if (prometheus != null && !prometheus.matches("^https?://.+")) {
                throw new IllegalArgumentException("--prometheus must be an http(s) URL, got '" + prometheus + "'");
            }
            return new Options(Path.of(single.get("--canary")), templates, prometheus, from, to,
                    single.get("--canary-pods"), single.get("--primary-pods"), single.get("--canary-nodes"),
                    single.get("--primary-nodes"));
        }

        private static Instant time(String flag, String value) {
            try {
                return Instant.parse(value);
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException(
                        flag + " must be an RFC 3339 time such as 2026-11-20T10:00:00Z, got '"
                                + value + "'");
            }
        }
    }

    public int run(List<String> args, PrintStream out, PrintStream err) {
        Options options;
        Canary canary;
        Map<String, AnalysisTemplateSpec> templates;
        try {
            options = Options.parse(args);
            canary = Serialization.unmarshal(Files.readString(options.canary()), Canary.class);
            templates = templates(options.templates(), options.prometheus() == null
                    ? config.prometheus().url()
                    : options.prometheus());
        } catch (IllegalArgumentException | IOException e) {
            err.println("backtest: " + e.getMessage());
            err.println(USAGE_TEXT);
            return USAGE;
        }
        SpecValidator.Result validation = SpecValidator.validate(canary.getSpec(), AegisConfig.rolloutDefaults(
                config));
        if (!validation.valid()) {
            err.println("backtest: " + options.canary() + ": " + validation.message());
            return USAGE;
        }
        RolloutPolicy policy = validation.policy();
        boolean nodes = SpecValidator.routerOf(canary.getSpec()) == RouterType.NODES;
        Resolution resolution = analysis.resolve(canary, policy.interval(), ref -> templates.get(key(ref.getKind(),
                ref.getName())), nodes);
        if (!resolution.errors().isEmpty()) {
            err.println("backtest: " + options.canary() + ": " + String.join("; ", resolution.errors()));
            return USAGE;
        }
        PodScope scope = scope(canary, options, nodes);
        out.printf("Backtest of %s/%s (%s %s), %s to %s%n", canary.getMetadata().getNamespace(),
                canary.getMetadata().getName(), canary.getSpec().getTargetRef().getKind(),
                canary.getSpec().getTargetRef().getName(), options.from(), options.to());
        out.printf("steps %s, a check every %s, failureLimit %d, noDataLimit %d, errorLimit %d%n",
                policy.steps().stream().map(w -> w + "%").collect(Collectors.joining(" → ")),
                Durations.format(policy.interval()), policy.failureLimit(), policy.noDataLimit(),
                policy.errorLimit());
        out.printf("canary pods %s, primary pods %s%s%n%n", scope.canaryPods(), scope.primaryPods(), nodes
                ? ", canary nodes " + scope.canaryNodes() + ", primary nodes " + scope.primaryNodes()
                : "");
        Replay.Result result = Replay.run(policy, options.from(), options.to(), (at, status) -> analysis.run(
                canary, policy.interval(), resolution.metrics(), scope, Analysis.lastBaselines(status), at));
        for (Replay.Check c : result.checks()) {
            out.printf("%s  step %d/%d %4d%%  %-8s %s%n", c.at(), c.step() + 1, policy.stepCount(), c.weight(),
                    c.outcome().verdict(), c.outcome().results().stream().map(BacktestCommand::describe)
                            .collect(Collectors.joining("; ")));
        }
        out.println();
        switch (result.ending()) {
            case PROMOTED -> out.printf("would promote at %s: %s%n", result.at(), result.message());
            case ROLLED_BACK -> out.printf("would roll back at %s: %s%n", result.at(), result.message());
            case WINDOW_ENDED -> out.printf("the window ended at %s before the run did: %s%n", result.at(),
                    result.message());
        }
        return result.ending() == Replay.Ending.ROLLED_BACK ? ROLLED_BACK : PASSED;
    }

    private static String describe(MetricResult r) {
        return MetricText.describe(r) + (r.dryRun() ? " [dry-run]" : "");
    }

    /**
     * The pods a run of this Canary measures, by name: a Deployment's pods are {@code <replicaset>-<5>}, whose name
     * is {@code <deployment>-<pod-template-hash>}; the primary's carry {@code -primary-} after the target's name.
     */
    static PodScope scope(Canary canary, Options options, boolean nodes) {
        String canaryPods;
        String primaryPods;
        if (canary.getSpec().getTargetRef().getKind() == WorkloadKind.DaemonSet) {
            String name = canary.getSpec().getTargetRef().getName();
            canaryPods = PodNames.daemonSetRegex(name);
            primaryPods = PodNames.daemonSetRegex(DaemonSetWorkloads.primaryName(name));
        } else if (canary.getSpec().getTargetRef().getKind() == WorkloadKind.StatefulSet) {
            // Canaried in place: which ordinals ran the canary moved with the steps, and history does not say. Both
            // sides measure every pod of the StatefulSet.
            canaryPods = "^" + Regexes.quote(canary.getSpec().getTargetRef().getName()) + "-[0-9]+$";
            primaryPods = canaryPods;
        } else {
            String target = Regexes.quote(canary.getSpec().getTargetRef().getName());
            canaryPods = "^" + target + "-[a-z0-9]{6,10}-[a-z0-9]{5}$";
            primaryPods = "^" + target + "-primary-[a-z0-9]{6,10}-[a-z0-9]{5}$";
        }
        String anyNode = nodes ? "^.+$" : null;
        return new PodScope(or(options.canaryPods(), canaryPods), or(options.primaryPods(), primaryPods),
                or(options.canaryNodes(), anyNode), or(options.primaryNodes(), anyNode));
    }

    private static String or(String given, String otherwise) {
        return given != null ? given : otherwise;
    }

    /**
     * Loads templates from files and directories; a template without its own Prometheus address gets the one this
     * backtest asks.
     */
    static Map<String, AnalysisTemplateSpec> templates(List<Path> paths, String prometheus) throws IOException {
        Map<String, AnalysisTemplateSpec> found = new HashMap<>();
        for (Path path : paths) {
            List<Path> files;
            if (Files.isDirectory(path)) {
                try (Stream<Path> walk = Files.walk(path)) {
                    files = walk.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
                            .sorted().toList();
                }
            } else if (Files.isRegularFile(path)) {
                files = List.of(path);
            } else {
                throw new IllegalArgumentException("--templates " + path + ": no such file or directory");
            }
            for (Path file : files) {
                for (String document : Files.readString(file).split("(?m)^---\\s*$")) {
                    if (document.isBlank()) {
                        continue;
                    }
                    GenericKubernetesResource generic = Serialization.unmarshal(document,
                            GenericKubernetesResource.class);
                    if (generic == null || generic.getKind() == null) {
                        continue;
                    }
                    switch (generic.getKind()) {
                        case "AnalysisTemplate" -> {
                            AnalysisTemplate t = Serialization.unmarshal(document, AnalysisTemplate.class);
                            found.put(key(TemplateKind.AnalysisTemplate, t.getMetadata().getName()),
                                    addressed(t.getSpec(), prometheus));
                        }
                        case "ClusterAnalysisTemplate" -> {
                            ClusterAnalysisTemplate t = Serialization.unmarshal(document,
                                    ClusterAnalysisTemplate.class);
                            found.put(key(TemplateKind.ClusterAnalysisTemplate, t.getMetadata().getName()),
                                    addressed(t.getSpec(), prometheus));
                        }
                        default -> {
                            // other resources in the same files (kustomizations, Canaries) are not templates
                        }
                    }
                }
            }
        }
        return found;
    }

    private static AnalysisTemplateSpec addressed(AnalysisTemplateSpec spec, String prometheus) {
        if (spec.getPrometheus() == null) {
            spec.setPrometheus(new PrometheusSpec());
        }
        if (spec.getPrometheus().getAddress() == null) {
            spec.getPrometheus().setAddress(prometheus);
        }
        return spec;
    }

    private static String key(TemplateKind kind, String name) {
        return (kind == null ? TemplateKind.AnalysisTemplate : kind) + "/" + name;
    }
}
