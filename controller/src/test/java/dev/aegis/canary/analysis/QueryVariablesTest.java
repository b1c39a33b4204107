package dev.aegis.canary.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.aegis.canary.api.AnalysisTemplateSpec.ArgAccepts;
import dev.aegis.canary.api.AnalysisTemplateSpec.TemplateArg;

class QueryVariablesTest {

    private final Map<String, String> builtIns = QueryVariables.builtIns("edge", "river", "river-proxy",
            Duration.ofSeconds(90), PodScope.pods("^(c)$", "^(p)$"));

    @Test
    void everyQueryGetsTheBuiltIns() {
        assertThat(builtIns).containsEntry("namespace", "edge").containsEntry("name", "river")
                .containsEntry("target", "river-proxy").containsEntry("primary", "river-proxy-primary")
                .containsEntry("interval", "1m30s").containsEntry("canaryPods", "^(c)$")
                .containsEntry("primaryPods", "^(p)$").doesNotContainKey("canaryNodes");
    }

    @Test
    void argsFillDeclaredNamesAndDefaultsApply() {
        Map<String, String> vars = QueryVariables.withArgs(builtIns, "success-rate", "AnalysisTemplate t",
                List.of(new TemplateArg("service", null), new TemplateArg("code", "5..")), Map.of("service", "svc"));
        assertThat(vars).containsEntry("service", "svc").containsEntry("code", "5..");
    }

    @Test
    void aMissingArgIsNamed() {
        assertThatThrownBy(() -> QueryVariables.withArgs(builtIns, "success-rate", "AnalysisTemplate t",
                List.of(new TemplateArg("service", null)), Map.of()))
                .hasMessage("metrics[success-rate].args.service is required by template AnalysisTemplate t and "
                        + "has no default");
    }

    @Test
    void anUndeclaredArgIsNamedWithWhatIsDeclared() {
        assertThatThrownBy(() -> QueryVariables.withArgs(builtIns, "success-rate", "AnalysisTemplate t",
                List.of(new TemplateArg("service", null)), Map.of("service", "a", "servce", "b")))
                .hasMessage("metrics[success-rate].args.servce is not declared by template AnalysisTemplate t "
                        + "(declared: service)");
    }

    @Test
    void aTemplateArgCannotShadowABuiltIn() {
        assertThatThrownBy(() -> QueryVariables.withArgs(builtIns, "m", "AnalysisTemplate t",
                List.of(new TemplateArg("namespace", "x")), Map.of()))
                .hasMessageContaining("declares arg 'namespace', which is a built-in variable");
    }

    static TemplateArg accepting(String name, String value, ArgAccepts accepts) {
        TemplateArg arg = new TemplateArg(name, value);
        arg.setAccepts(accepts);
        return arg;
    }

    @Test
    void anArgOutsideWhatItsTemplateAcceptsIsNamedWithWhatIsAllowed() {
        ArgAccepts number = new ArgAccepts();
        number.setType(ArgAccepts.ArgType.number);
        assertThatThrownBy(() -> QueryVariables.withArgs(builtIns, "slow-requests", "AnalysisTemplate t",
                List.of(accepting("bound", "0.5", number)), Map.of("bound", "half a second")))
                .hasMessage("metrics[slow-requests].args.bound: 'half a second' is not a number; the arg takes a "
                        + "decimal such as 0.5 or 100 (template AnalysisTemplate t)");
        assertThat(QueryVariables.withArgs(builtIns, "slow-requests", "AnalysisTemplate t", List.of(accepting(
                "bound", "0.5", number)), Map.of("bound", "0.25"))).containsEntry("bound", "0.25");

        ArgAccepts labels = new ArgAccepts();
        labels.setValues(List.of("deployment", "daemonset"));
        assertThatThrownBy(() -> QueryVariables.withArgs(builtIns, "m", "AnalysisTemplate t", List.of(accepting(
                "workloadLabel", "deployment", labels)), Map.of("workloadLabel", "deploy")))
                .hasMessage("metrics[m].args.workloadLabel: 'deploy' is not one of deployment, daemonset (template "
                        + "AnalysisTemplate t)");

        ArgAccepts duration = new ArgAccepts();
        duration.setType(ArgAccepts.ArgType.duration);
        duration.setPattern("[0-9]+m");
        assertThatThrownBy(() -> QueryVariables.withArgs(builtIns, "m", "AnalysisTemplate t", List.of(accepting(
                "range", null, duration)), Map.of("range", "5 minutes")))
                .hasMessageContaining("args.range: '5 minutes' is not a duration");
        assertThatThrownBy(() -> QueryVariables.withArgs(builtIns, "m", "AnalysisTemplate t", List.of(accepting(
                "range", null, duration)), Map.of("range", "30s")))
                .hasMessageContaining("args.range: '30s' does not match the pattern [0-9]+m");
        assertThatThrownBy(() -> QueryVariables.withArgs(builtIns, "m", "AnalysisTemplate t", List.of(accepting(
                "bound", "x", number)), Map.of()))
                .as("a template's own default is held to its rule too")
                .hasMessageContaining("args.bound: 'x' is not a number");
    }

    @Test
    void aLabelValueArgIsOneOfThoseLabelsPrometheusHas() {
        assertThat(ArgRules.labelRefusal("le", "h_bucket", List.of("0.1", "0.5", "+Inf"), "0.5")).isNull();
        assertThat(ArgRules.labelRefusal("le", "h_bucket", List.of("0.1", "0.5", "+Inf"), "0.50"))
                .isEqualTo("is not a value Prometheus has for label le of h_bucket; it has 0.1, 0.5, +Inf");
    }
}
