package dev.aegis.canary.analysis;

import java.io.IOException;

import org.junit.jupiter.api.BeforeAll;

import dev.aegis.canary.CurrentPrometheus;

/**
 * Every test of the shipped templates again, on Prometheus 3.x (which changed range selection, {@code le} label values
 * and name validation): the same series, the same expected values, so the same verdicts as on 2.x.
 */
class TemplateLibraryOnPrometheus3Test extends TemplateLibraryCases {

    @BeforeAll
    static void backfill() throws IOException {
        start(CurrentPrometheus.binary());
    }
}
