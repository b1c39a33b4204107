package dev.aegis.canary.it;

import io.quarkus.test.common.QuarkusTestResource;

/** Declares the suite-wide test resources (not restricted to a class, so started once for every @QuarkusTest). */
@QuarkusTestResource(TestCluster.class)
@QuarkusTestResource(TestFleet.class)
public final class GlobalTestResources {

    private GlobalTestResources() {
    }
}
