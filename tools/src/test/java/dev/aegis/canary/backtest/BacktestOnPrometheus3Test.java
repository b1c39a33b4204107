package dev.aegis.canary.backtest;

import java.io.IOException;

import org.junit.jupiter.api.BeforeAll;

import io.quarkus.test.junit.QuarkusTest;

import dev.aegis.canary.CurrentPrometheus;

/** The backtest's tests again, on Prometheus 3.x: the same incident, the same verdicts as on 2.x. */
@QuarkusTest
class BacktestOnPrometheus3Test extends BacktestCases {

    @BeforeAll
    static void backfill() throws IOException {
        start(CurrentPrometheus.binary());
    }
}
