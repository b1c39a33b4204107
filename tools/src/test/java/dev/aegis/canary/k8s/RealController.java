package dev.aegis.canary.k8s;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test class's packaged controller on the real control plane with traffic ({@link RealFleet}): deploy/ applied as
 * a user does, the controller started as deploy/'s ServiceAccount before the class's tests, stopped after them, and
 * then the audit check: none of its requests so far was refused. Register it as a static field.
 */
final class RealController implements BeforeAllCallback, AfterAllCallback {

    private final String name;
    RealFleet fleet;
    ControlPlane plane;
    PackagedController controller;

    /** @param name the controller's log, target/controlplane/logs/NAME.log */
    RealController(String name) {
        this.name = name;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        fleet = RealFleet.shared();
        plane = fleet.plane;
        Manifests.applyDeploy(plane);
        controller = PackagedController.start(plane, name, fleet.prometheus.url());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (controller != null) {
            controller.close();
        }
        if (plane != null) {
            Audit.assertNoneRefused(plane, PackagedControllerIT.USER);
        }
    }
}
