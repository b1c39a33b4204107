package dev.aegis.canary.analysis;

import java.io.IOException;

import org.junit.jupiter.api.BeforeAll;

import dev.aegis.canary.sim.PrometheusProcess;

/** Every test of the shipped templates on the Prometheus the machine has (Debian's 2.x here). */
class TemplateLibraryTest extends TemplateLibraryCases {

    @BeforeAll
    static void backfill() throws IOException {
        start(PrometheusProcess.locate().orElseThrow(() -> new IllegalStateException(PrometheusProcess.NOT_FOUND)));
    }
}
