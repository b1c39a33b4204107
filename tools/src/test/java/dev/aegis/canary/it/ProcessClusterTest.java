package dev.aegis.canary.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** A test whose controllers are processes of their own: one {@link ProcessCluster} for the class. */
abstract class ProcessClusterTest {

    static ProcessCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = ProcessCluster.start();
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }
}
