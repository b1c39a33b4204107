package dev.aegis.canary.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

class QueryTemplateTest {

    private static final Map<String, String> VARS = Map.of(
            "namespace", "edge",
            "canaryPods", "^(river-proxy-7b6c4d2a-)[a-z0-9]{5}$",
            "interval", "1m",
            "service", "river-proxy");

    @Test
    void rendersVariablesInsideAndOutsideStrings() {
        String q = QueryTemplate.render(
                "sum(rate(http_requests_total{namespace=\"{{namespace}}\",pod=~\"{{ canaryPods }}\"}[{{interval}}]))",
                VARS);
        assertThat(q).isEqualTo(
                "sum(rate(http_requests_total{namespace=\"edge\",pod=~\"^(river-proxy-7b6c4d2a-)[a-z0-9]{5}$\"}[1m]))");
    }

    @Test
    void argsCanBeWrittenWithTheArgsPrefix() {
        assertThat(QueryTemplate.render("up{service=\"{{args.service}}\"}", VARS))
                .isEqualTo("up{service=\"river-proxy\"}");
    }

    @Test
    void escapesBackslashesAndQuotesSoAValueNeverLeavesItsString() {
        Map<String, String> vars = Map.of("v", "a\\.b\"} or vector(1) # \n");
        assertThat(QueryTemplate.render("x{l=\"{{v}}\"}", vars))
                .isEqualTo("x{l=\"a\\\\.b\\\"} or vector(1) # \\n\"}");
        assertThat(QueryTemplate.render("x{l='{{v}}'}", Map.of("v", "it's")))
                .isEqualTo("x{l='it\\'s'}");
    }

    @Test
    void aRegexValueKeepsItsMeaningInsideADoubleQuotedString() {
        // PromQL unescapes "\\." to "\." before the regex engine sees it
        assertThat(QueryTemplate.render("x{pod=~\"{{p}}\"}", Map.of("p", "^a\\.b$")))
                .isEqualTo("x{pod=~\"^a\\\\.b$\"}");
    }

    @Test
    void tracksEscapedQuotesInTheTemplateItself() {
        assertThat(QueryTemplate.render("x{a=\"q\\\"{{v}}\"}", Map.of("v", "1")))
                .isEqualTo("x{a=\"q\\\"1\"}");
    }

    @Test
    void aPlaceholderRightAfterABackslashIsRefusedSinceItsValueCouldEndTheString() {
        assertThatThrownBy(() -> QueryTemplate.render("up{job=\"x\\{{a}}\"}", Map.of("a", "\"}) or vector(100) #")))
                .isInstanceOf(QueryTemplate.TemplateException.class)
                .hasMessageContaining("{{a}} follows a backslash");
        assertThat(QueryTemplate.render("up{job=\"x\\\\{{a}}\"}", Map.of("a", "y")))
                .as("an escaped backslash is fine").isEqualTo("up{job=\"x\\\\y\"}");
    }

    @Test
    void aValueOutsideAStringMayOnlyBeANameNumberOrDuration() {
        assertThat(QueryTemplate.render("rate(x[{{interval}}]) > {{n}}", Map.of("interval", "5m", "n", "0.5")))
                .isEqualTo("rate(x[5m]) > 0.5");
        assertThatThrownBy(() -> QueryTemplate.render("rate(x[{{interval}}])",
                Map.of("interval", "5m]) or vector(1) #")))
                .isInstanceOf(QueryTemplate.TemplateException.class)
                .hasMessageContaining("{{interval}}")
                .hasMessageContaining("outside a quoted string");
    }

    @Test
    void anUnknownVariableIsAnErrorNamingIt() {
        assertThatThrownBy(() -> QueryTemplate.render("x{a=\"{{nope}}\"}", VARS))
                .isInstanceOf(QueryTemplate.TemplateException.class)
                .hasMessageContaining("unknown variable {{nope}}")
                .hasMessageContaining("canaryPods");
    }

    @Test
    void rawStringsRejectBackquotesAndCommentsCannotBeBrokenOutOf() {
        assertThat(QueryTemplate.render("x{a=`{{v}}`}", Map.of("v", "a\\b"))).isEqualTo("x{a=`a\\b`}");
        assertThatThrownBy(() -> QueryTemplate.render("x{a=`{{v}}`}", Map.of("v", "a`b")))
                .isInstanceOf(QueryTemplate.TemplateException.class).hasMessageContaining("backquote");
        assertThat(QueryTemplate.render("# {{v}}\nup", Map.of("v", "a\nvector(1)"))).isEqualTo("# a vector(1)\nup");
    }

    @Test
    void listsTheVariablesATemplateUses() {
        assertThat(QueryTemplate.variables("a{{namespace}}{{args.service}}{{ namespace }}"))
                .containsExactly("namespace", "service");
    }
}
