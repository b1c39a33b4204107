package dev.aegis.canary.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * docs/reference.md is the page ReferenceDoc renders from deploy/crds. With -Daegis.docs.write=true (see
 * ReferenceDoc.REGENERATE) the test writes the page instead of comparing it.
 */
class ReferenceDocTest {

    static final Path ROOT = root();
    static final Path CRDS = ROOT.resolve("deploy/crds");
    static final Path PAGE = ROOT.resolve("docs/reference.md");

    /** The repository root: the nearest directory up from the working directory (controller/) with deploy/crds. */
    private static Path root() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("deploy/crds"))) {
                return p;
            }
        }
        throw new IllegalStateException("no deploy/crds above " + Path.of("").toAbsolutePath());
    }

    @Test
    void theCommittedPageIsTheOneTheCrdsRender() throws IOException {
        String rendered = ReferenceDoc.render(ReferenceDoc.read(CRDS));
        if (Boolean.getBoolean("aegis.docs.write")) {
            Files.writeString(PAGE, rendered);
        }
        if (!Files.exists(PAGE)) {
            fail("docs/reference.md is missing; generate it from the repository root with: " + ReferenceDoc.REGENERATE);
        }
        String committed = Files.readString(PAGE).replace("\r\n", "\n");
        if (!committed.equals(rendered)) {
            String[] c = committed.split("\n", -1);
            String[] r = rendered.split("\n", -1);
            int line = 0;
            while (line < c.length && line < r.length && c[line].equals(r[line])) {
                line++;
            }
            fail("docs/reference.md differs from what deploy/crds render, first at line %d:%n  committed: %s%n"
                    + "  rendered:  %s%nRegenerate it from the repository root with: %s", line + 1,
                    line < c.length ? c[line] : "(end of file)", line < r.length ? r[line] : "(end of file)",
                    ReferenceDoc.REGENERATE);
        }
    }

    @Test
    void everyDescribedFieldOfACanaryIsOnThePageWithItsDescriptionAndTheStepsWithTheirRules() throws IOException {
        String page = ReferenceDoc.render(ReferenceDoc.read(CRDS));
        CustomResourceDefinition canary = Serialization.unmarshal(
                Files.readString(CRDS.resolve("canaries.canary.aegis.dev-v1.yml")), CustomResourceDefinition.class);
        JSONSchemaProps schema = canary.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema();
        Map<String, String> described = new LinkedHashMap<>();
        for (String top : new String[]{"spec", "status"}) {
            descriptions(top, schema.getProperties().get(top), described);
        }
        assertThat(described).containsKeys("spec.targetRef", "spec.analysis.metrics[].compare.maxRatio",
                "status.weight");
        described.forEach((path, description) -> assertThat(row(page, path)).as(path)
                .hasValueSatisfying(row -> assertThat(row).contains(ReferenceDoc.cell(description))));

        assertThat(page).contains("## Canary (canary.aegis.dev/v1alpha1)", "short name `cn`",
                "## ClusterAnalysisTemplate (canary.aegis.dev/v1alpha1)\n\nCluster;");
        assertThat(row(page, "spec.steps")).hasValueSatisfying(row -> assertThat(row).contains("[]integer",
                "Rule: every step must be in 1..100", "Rule: steps must be strictly increasing",
                "Rule: the last step must be 100", "1..100 items", "each: 1..100"));
        assertThat(row(page, "spec.targetRef")).hasValueSatisfying(row -> assertThat(row).contains("**required**"));
        assertThat(row(page, "spec.analysis.interval")).hasValueSatisfying(
                row -> assertThat(row).contains("pattern `^([0-9]+(ms\\|s\\|m\\|h))+$`", "Rule: must be at most 24h"));
        assertThat(row(page, "spec.analysis.metrics[].templateRef.kind")).hasValueSatisfying(
                row -> assertThat(row).contains("one of `AnalysisTemplate`, `ClusterAnalysisTemplate`"));
    }

    /** The paths of the described fields at and below a schema, "[]" stepping into a list's items. */
    private static void descriptions(String path, JSONSchemaProps schema, Map<String, String> described) {
        if (schema.getDescription() != null) {
            described.put(path, schema.getDescription());
        }
        if (schema.getItems() != null && schema.getItems().getSchema() != null) {
            descriptions(path + "[]", schema.getItems().getSchema(), described);
        }
        if (schema.getProperties() != null) {
            schema.getProperties().forEach((name, field) -> descriptions(path + "." + name, field, described));
        }
    }

    /** The table row of a field on the page. */
    private static Optional<String> row(String page, String path) {
        return page.lines().filter(l -> l.startsWith("| `" + path + "` |")).findFirst();
    }
}
