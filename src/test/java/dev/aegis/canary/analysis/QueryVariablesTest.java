package dev.aegis.canary.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

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
}
