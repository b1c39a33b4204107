package dev.aegis.canary.cli;

import java.util.ArrayList;
import java.util.List;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.MetricResult;
import dev.aegis.canary.api.Phase;

/**
 * What {@code kubectl aegis get} and {@code list} print: a Canary as a person reads it, its steps as a small table
 * (passed, the one now with what it really achieved, to come) and its last checks with values and thresholds. Pure:
 * the same Canary, the same text.
 */
public final class CanaryView {

    private CanaryView() {
    }

    public static String render(Canary canary) {
        StringBuilder out = new StringBuilder();
        CanaryStatus s = canary.getStatus();
        out.append("Canary ").append(canary.getMetadata().getNamespace()).append('/')
                .append(canary.getMetadata().getName()).append(" → ").append(target(canary, " ")).append('\n');
        if (s == null || s.getPhase() == null) {
            return out.append("Phase:    (not reconciled yet)\n").toString();
        }
        out.append("Phase:    ").append(s.getPhase()).append(s.paused() ? " (paused by " + s.getPausedBy() + ")" : "")
                .append('\n');
        out.append("Message:  ").append(s.getMessage() == null ? "" : s.getMessage()).append('\n');
        out.append("Revision: stable ").append(orDash(s.getStableRevision()));
        if (s.getCanaryRevision() != null && !s.getCanaryRevision().equals(s.getStableRevision())) {
            out.append(", canary ").append(s.getCanaryRevision());
        }
        out.append('\n');
        List<Integer> steps = canary.getSpec().getSteps() == null ? List.of() : canary.getSpec().getSteps();
        if (!steps.isEmpty()) {
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[]{"STEP", "WEIGHT", "STATE"});
            int now = s.getStepIndex() == null ? -1 : s.getStepIndex();
            boolean running = s.getPhase().isRunning();
            for (int i = 0; i < steps.size(); i++) {
                String state;
                if (s.getPhase() == Phase.Succeeded || (running && i < now)) {
                    state = "passed";
                } else if (running && i == now) {
                    state = "now: " + achieved(s);
                } else if (s.getPhase() == Phase.RolledBack && i == now) {
                    state = "rolled back here";
                } else {
                    state = "";
                }
                rows.add(new String[]{String.valueOf(i + 1), steps.get(i) + "%", state});
            }
            out.append(table(rows));
        }
        List<MetricResult> checks = s.getLastAnalysis() == null ? List.of() : s.getLastAnalysis();
        if (!checks.isEmpty()) {
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[]{"CHECK", "VALUE", "WANT", "RESULT"});
            for (MetricResult m : checks) {
                rows.add(new String[]{m.getMetric(), m.getValue() == null ? "-" : number(m.getValue()),
                        orDash(m.getRange()), m.getResult() == null ? "-" : m.getResult().name()});
            }
            out.append("Last checks").append(s.getLastCheckAt() == null ? "" : " (" + s.getLastCheckAt() + ")")
                    .append(":\n").append(table(rows));
        }
        out.append("Checks:   ").append(count(s.getPassedChecks())).append(" passed, ").append(count(s
                .getFailedChecks())).append(" failed, ").append(count(s.getNoDataChecks())).append(" without data\n");
        return out.toString();
    }

    /** One line per Canary: namespace, name, target, phase, weight, message. */
    public static String list(List<Canary> canaries) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[]{"NAMESPACE", "NAME", "TARGET", "PHASE", "WEIGHT", "MESSAGE"});
        for (Canary c : canaries) {
            CanaryStatus s = c.getStatus();
            rows.add(new String[]{c.getMetadata().getNamespace(), c.getMetadata().getName(),
                    target(c, "/"),
                    s == null || s.getPhase() == null ? "-" : s.getPhase().name(),
                    s == null || s.getWeight() == null ? "-" : s.getWeight() + "%",
                    s == null || s.getMessage() == null ? "" : s.getMessage()});
        }
        return table(rows);
    }

    /** "Deployment podinfo" (or with another separator), "?" without a target. */
    private static String target(Canary c, String separator) {
        var ref = c.getSpec().getTargetRef();
        return ref == null ? "?" : ref.getKind() + separator + ref.getName();
    }

    /** "effective 10%, 1/10 pods" or "effective 2%, 3/120 nodes": what the router really achieved. */
    static String achieved(CanaryStatus s) {
        StringBuilder a = new StringBuilder("effective ").append(s.getEffectiveWeight() == null
                ? "-"
                : s.getEffectiveWeight() + "%");
        if (s.getTotalNodes() != null) {
            a.append(", ").append(count(s.getCanaryNodes())).append('/').append(s.getTotalNodes()).append(" nodes");
        } else if (s.getTotalReplicas() != null) {
            a.append(", ").append(count(s.getCanaryReplicas())).append('/').append(s.getTotalReplicas())
                    .append(" pods");
        }
        return a.toString();
    }

    static String table(List<String[]> rows) {
        int[] width = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length - 1; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(i < row.length - 1 ? String.format("%-" + (width[i] + 2) + "s", row[i]) : row[i]);
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        return out.toString();
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15
                ? String.valueOf((long) v)
                : String.valueOf(Math.round(v
                        * 1000) / 1000.0);
    }

    private static String orDash(String s) {
        return s == null ? "-" : s;
    }

    private static int count(Integer n) {
        return n == null ? 0 : n;
    }
}
