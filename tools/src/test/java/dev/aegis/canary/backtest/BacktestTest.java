package dev.aegis.canary.backtest;

import java.io.IOException;

import org.junit.jupiter.api.BeforeAll;

import io.quarkus.test.junit.QuarkusTest;

import dev.aegis.canary.sim.PrometheusProcess;

/** The backtest's cases on the Prometheus the other tests use (Debian's 2.42 on the build machines). */
@QuarkusTest
class BacktestTest extends BacktestCases {

    @BeforeAll
    static void backfill() throws IOException {
        start(PrometheusProcess.locate().orElseThrow(() -> new IllegalStateException(PrometheusProcess.NOT_FOUND)));
    }
}
