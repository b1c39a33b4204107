package dev.aegis.canary.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.MetricResult;
import dev.aegis.canary.api.RequestStatus;
import dev.aegis.canary.rollout.ManualRequest;
import dev.aegis.canary.rollout.MetricText;

/**
 * {@code aegis-canary status|pause|resume|promote|abort|retry NAME}: what kubectl does with the request annotation,
 * for people who would rather not remember it. Uses the kubeconfig; the controller does the work and answers in
 * status.lastRequest, which this command waits for and prints.
 */
public final class ControlCommand {

    public static final Set<String> COMMANDS = Set.of("status", "get", "list", "pause", "resume", "promote", "abort",
            "retry");
    public static final int OK = 0;
    public static final int NOT_DONE = 1;
    public static final int USAGE = 2;

    static final String USAGE_TEXT = """
            usage: aegis-canary COMMAND NAME [-n NAMESPACE] [--by WHO] [--wait DURATION]
                   aegis-canary list [-n NAMESPACE | -A]
              get      the Canary, its steps (passed, now, to come) and its last checks; -w, --watch: again at
                       every change, until interrupted or the Canary is deleted
              status   where the Canary's rollout stands
              list     the Canaries of the namespace, or of all (-A): phase, weight, message
              pause    hold: no step advances and no run starts (checks go on; a failing one still rolls back)
              resume   lift a pause
              promote  skip the remaining steps of the run in progress and promote now
              abort    roll the run in progress back now
              retry    run a rolled-back revision again from the first step
              -n, --namespace  the Canary's namespace (default: the kubeconfig's)
              --by WHO         recorded as who asked (default: the kubeconfig user, else $USER)
              --wait DURATION  how long to wait for the controller's answer (default 30s; 0 to not wait)
            """;

    private final KubernetesClient client;
    private final PrintStream out;
    private final PrintStream err;

    public ControlCommand(KubernetesClient client, PrintStream out, PrintStream err) {
        this.client = client;
        this.out = out;
        this.err = err;
    }

    public int run(List<String> args) {
        if (args.isEmpty() || !COMMANDS.contains(args.get(0))) {
            err.print(USAGE_TEXT);
            return USAGE;
        }
        String command = args.get(0);
        String name = null;
        String namespace = client.getNamespace() == null ? "default" : client.getNamespace();
        String by = defaultUser();
        Duration wait = Duration.ofSeconds(30);
        boolean watch = false;
        boolean allNamespaces = false;
        for (int i = 1; i < args.size(); i++) {
            String a = args.get(i);
            boolean hasValue = i + 1 < args.size();
            switch (a) {
                case "-n", "--namespace" -> {
                    if (!hasValue) {
                        return usage(a + " needs a namespace");
                    }
                    namespace = args.get(++i);
                }
                case "-w", "--watch" -> watch = true;
                case "-A", "--all-namespaces" -> allNamespaces = true;
                case "--by" -> {
                    if (!hasValue) {
                        return usage("--by needs a name");
                    }
                    by = args.get(++i);
                }
                case "--wait" -> {
                    if (!hasValue) {
                        return usage("--wait needs a duration such as 30s");
                    }
                    try {
                        wait = dev.aegis.canary.rollout.Durations.parse(args.get(++i));
                    } catch (IllegalArgumentException e) {
                        return usage("--wait: " + e.getMessage());
                    }
                }
                default -> {
                    if (a.startsWith("-") || name != null) {
                        return usage("unexpected argument '" + a + "'");
                    }
                    name = a;
                }
            }
        }
        if (command.equals("list")) {
            if (name != null) {
                return usage("list takes no name");
            }
            try {
                return list(allNamespaces ? null : namespace);
            } catch (KubernetesClientException e) {
                err.println("the API server refused: " + e.getMessage());
                return NOT_DONE;
            }
        }
        if (name == null) {
            return usage(command + " needs the Canary's name");
        }
        try {
            Canary canary = client.resources(Canary.class).inNamespace(namespace).withName(name).get();
            if (canary == null) {
                err.println("Canary " + namespace + "/" + name + " not found");
                return NOT_DONE;
            }
            if (command.equals("get")) {
                out.print(CanaryView.render(canary));
                return watch ? watch(canary) : OK;
            }
            return command.equals("status") ? status(canary) : request(canary, command, by, wait);
        } catch (KubernetesClientException e) {
            err.println("the API server refused: " + e.getMessage());
            return NOT_DONE;
        }
    }

    private int usage(String problem) {
        err.println(problem);
        err.print(USAGE_TEXT);
        return USAGE;
    }

    private String defaultUser() {
        try {
            var context = client.getConfiguration().getCurrentContext();
            if (context != null && context.getContext() != null && context.getContext().getUser() != null) {
                return context.getContext().getUser();
            }
        } catch (RuntimeException e) {
            // no kubeconfig context: fall back to the login name
        }
        return System.getProperty("user.name", "unknown");
    }

    private int status(Canary canary) {
        CanaryStatus s = canary.getStatus();
        String ns = canary.getMetadata().getNamespace();
        out.println("Canary " + ns + "/" + canary.getMetadata().getName() + " → " + canary.getSpec().getTargetRef()
                .getKind() + " " + canary.getSpec().getTargetRef().getName());
        if (s == null || s.getPhase() == null) {
            out.println("phase:    (not reconciled yet)");
            return OK;
        }
        Map<String, Object> lines = new LinkedHashMap<>();
        lines.put("phase", s.getPhase() + (s.paused() ? " (paused by " + s.getPausedBy() + ")" : ""));
        lines.put("message", s.getMessage());
        if (s.getWeight() != null && s.getWeight() > 0) {
            lines.put("step", (s.getStepIndex() + 1) + ": " + s.getWeight() + "% (effective " + s
                    .getEffectiveWeight() + "%)");
        }
        if (s.getTotalNodes() != null) {
            lines.put("nodes", s.getCanaryNodes() + "/" + s.getTotalNodes() + " on the canary");
        }
        lines.put("stable", s.getStableRevision());
        lines.put("canary", s.getCanaryRevision());
        lines.put("checks", count(s.getPassedChecks()) + " passed, " + count(s.getFailedChecks()) + " failed");
        RequestStatus r = s.getLastRequest();
        if (r != null) {
            lines.put("request", r.getAction() + " by " + r.getRequestedBy() + " at " + r.getTime() + ": "
                    + r.getOutcome());
        }
        lines.forEach((k, v) -> out.printf("%-9s %s%n", k + ":", v));
        List<MetricResult> analysis = s.getLastAnalysis() == null ? List.of() : s.getLastAnalysis();
        for (MetricResult m : analysis) {
            out.printf("  %-5s %s%n", m.getResult(), MetricText.describe(m));
        }
        return OK;
    }

    /** Prints the Canary again at every change the API server tells of, until it is deleted or this is stopped. */
    private int watch(Canary first) {
        String ns = first.getMetadata().getNamespace();
        String name = first.getMetadata().getName();
        java.util.concurrent.CompletableFuture<Integer> ended = new java.util.concurrent.CompletableFuture<>();
        String[] shown = {CanaryView.render(first)};
        try (var w = client.resources(Canary.class).inNamespace(ns).withName(name).watch(
                new io.fabric8.kubernetes.client.Watcher<Canary>() {

                    @Override
                    public void eventReceived(Action action, Canary canary) {
                        if (action == Action.DELETED) {
                            out.println("Canary " + ns + "/" + name + " deleted");
                            ended.complete(OK);
                            return;
                        }
                        String now = CanaryView.render(canary);
                        if (!now.equals(shown[0])) {
                            shown[0] = now;
                            out.println();
                            out.print(now);
                            out.flush();
                        }
                    }

                    @Override
                    public void onClose(io.fabric8.kubernetes.client.WatcherException cause) {
                        err.println("the watch ended: " + cause.getMessage());
                        ended.complete(NOT_DONE);
                    }
                })) {
            return ended.join();
        }
    }

    private int list(String namespace) {
        var canaries = namespace == null
                ? client.resources(Canary.class).inAnyNamespace().list().getItems()
                : client.resources(Canary.class).inNamespace(namespace).list().getItems();
        if (canaries.isEmpty()) {
            err.println("no Canaries " + (namespace == null ? "in any namespace" : "in namespace " + namespace));
            return OK;
        }
        out.print(CanaryView.list(canaries));
        return OK;
    }

    private static int count(Integer n) {
        return n == null ? 0 : n;
    }

    private int request(Canary canary, String action, String by, Duration wait) {
        String ns = canary.getMetadata().getNamespace();
        String name = canary.getMetadata().getName();
        Map<String, Object> annotations = new LinkedHashMap<>();
        annotations.put(ManualRequest.ANNOTATION, action);
        annotations.put(ManualRequest.BY_ANNOTATION, by);
        String id = java.util.UUID.randomUUID().toString().substring(0, 8);
        annotations.put(ManualRequest.ID_ANNOTATION, id);
        client.resources(Canary.class).inNamespace(ns).withName(name).patch(PatchContext.of(PatchType.JSON_MERGE),
                Serialization.asJson(Map.of("metadata", Map.of("annotations", annotations))));
        out.println("asked the controller to " + action + " " + ns + "/" + name + " (as " + by + ")");
        if (wait.isZero()) {
            return OK;
        }
        Instant deadline = Instant.now().plus(wait);
        while (Instant.now().isBefore(deadline)) {
            Canary now = client.resources(Canary.class).inNamespace(ns).withName(name).get();
            RequestStatus r = now == null || now.getStatus() == null ? null : now.getStatus().getLastRequest();
            if (r != null && id.equals(r.getId())) {
                out.println(r.getOutcome());
                return r.getOutcome() != null && r.getOutcome().startsWith("ignored") ? NOT_DONE : OK;
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        out.println("no answer from the controller within " + dev.aegis.canary.rollout.Durations.format(wait)
                + "; the request stays until it acts (kubectl get canary " + name + " -n " + ns
                + " -o jsonpath='{.status.lastRequest}')");
        return NOT_DONE;
    }
}
