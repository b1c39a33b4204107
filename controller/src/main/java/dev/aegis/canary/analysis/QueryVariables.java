package dev.aegis.canary.analysis;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.aegis.canary.api.AnalysisTemplateSpec.TemplateArg;
import dev.aegis.canary.rollout.Durations;

/**
 * The variables a query template gets: the built-ins every query has, plus the metric's args checked against the
 * args the template declares.
 */
public final class QueryVariables {

    /** Names a template can use without declaring them. */
    public static final Set<String> BUILT_INS = Set.of("namespace", "name", "target", "primary", "interval", "window",
            "canaryPods", "primaryPods", "canaryNodes", "primaryNodes");

    private QueryVariables() {
    }

    /**
     * @param podScope the anchored regexes of the canary's and the primary's pods (and nodes, for the nodes router)
     */
    public static Map<String, String> builtIns(String namespace, String canaryName, String target, Duration interval,
            PodScope podScope) {
        return builtIns(namespace, canaryName, target, interval, interval, podScope);
    }

    /**
     * @param window the time the canary has been watched at this step (what counts templates count over); at least
     *        1s
     */
    public static Map<String, String> builtIns(String namespace, String canaryName, String target, Duration interval,
            Duration window, PodScope podScope) {
        Map<String, String> vars = new LinkedHashMap<>();
        vars.put("namespace", namespace);
        vars.put("name", canaryName);
        vars.put("target", target);
        vars.put("primary", target + "-primary");
        vars.put("interval", Durations.format(interval));
        vars.put("window", Math.max(1, window.toSeconds()) + "s");
        vars.put("canaryPods", podScope.canaryPods());
        vars.put("primaryPods", podScope.primaryPods());
        if (podScope.canaryNodes() != null) {
            vars.put("canaryNodes", podScope.canaryNodes());
            vars.put("primaryNodes", podScope.primaryNodes());
        }
        return vars;
    }

    /**
     * Adds the metric's args to the built-ins.
     *
     * @param metric the metric's name, for messages
     * @throws QueryTemplate.TemplateException naming the arg that is missing, undeclared or shadows a built-in
     */
    public static Map<String, String> withArgs(Map<String, String> builtIns, String metric, String template,
            List<TemplateArg> declared, Map<String, String> given) {
        Map<String, String> vars = new LinkedHashMap<>(builtIns);
        Map<String, String> args = given == null ? Map.of() : given;
        Map<String, TemplateArg> byName = new LinkedHashMap<>();
        for (TemplateArg arg : declared == null ? List.<TemplateArg>of() : declared) {
            if (BUILT_INS.contains(arg.getName())) {
                throw new QueryTemplate.TemplateException("template " + template + " declares arg '" + arg.getName()
                        + "', which is a built-in variable; rename it");
            }
            byName.put(arg.getName(), arg);
        }
        for (String name : args.keySet()) {
            if (!byName.containsKey(name)) {
                throw new QueryTemplate.TemplateException("metrics[" + metric + "].args." + name
                        + " is not declared by template " + template + " (declared: "
                        + (byName.isEmpty() ? "none" : String.join(", ", byName.keySet())) + ")");
            }
        }
        for (TemplateArg arg : byName.values()) {
            String value = args.containsKey(arg.getName()) ? args.get(arg.getName()) : arg.getValue();
            if (value == null) {
                throw new QueryTemplate.TemplateException("metrics[" + metric + "].args." + arg.getName()
                        + " is required by template " + template + " and has no default");
            }
            if (!args.containsKey(arg.getName())) {
                try {
                    value = QueryTemplate.fill(value, builtIns); // a default may use the built-ins
                } catch (QueryTemplate.TemplateException e) {
                    throw new QueryTemplate.TemplateException("template " + template + " arg " + arg.getName()
                            + ": " + e.getMessage());
                }
            }
            String refused = ArgRules.refusal(arg.getAccepts(), value);
            if (refused != null) {
                throw new QueryTemplate.TemplateException("metrics[" + metric + "].args." + arg.getName() + ": '"
                        + value + "' " + refused + " (template " + template + ")");
            }
            vars.put(arg.getName(), value);
        }
        return vars;
    }

    /**
     * The built-ins of the same query on the primary: canaryPods, canaryNodes and target stand for the primary's,
     * so a template written for the canary measures the primary unchanged.
     */
    public static Map<String, String> forPrimary(Map<String, String> builtIns) {
        Map<String, String> vars = new LinkedHashMap<>(builtIns);
        vars.put("canaryPods", builtIns.get("primaryPods"));
        vars.put("target", builtIns.get("primary"));
        if (builtIns.containsKey("primaryNodes")) {
            vars.put("canaryNodes", builtIns.get("primaryNodes"));
        }
        return vars;
    }
}
