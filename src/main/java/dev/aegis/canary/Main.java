package dev.aegis.canary;

import jakarta.inject.Inject;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;

import dev.aegis.canary.demo.Demo;
import dev.aegis.canary.demo.DemoEnvironment;

/**
 * The controller's entry point. Without arguments it runs the controller against the cluster of its kubeconfig or
 * service account; {@code demo} runs it against an embedded Kubernetes API, a simulated fleet and a real Prometheus.
 */
@QuarkusMain
public class Main implements QuarkusApplication {

    private static volatile DemoEnvironment demoEnvironment;

    @Inject
    Demo demo;

    public static void main(String... args) {
        if (args.length > 0 && "demo".equals(args[0])) {
            // The embedded API server must be up before the Kubernetes client and the operator start.
            demoEnvironment = DemoEnvironment.start();
        }
        Quarkus.run(Main.class, args);
    }

    @Override
    public int run(String... args) {
        if (demoEnvironment != null) {
            try {
                return demo.run(demoEnvironment);
            } finally {
                demoEnvironment.close();
            }
        }
        if (args.length > 0) {
            System.err.println("unknown command '" + args[0] + "'; commands: (none) to run the controller, demo");
            return 2;
        }
        Quarkus.waitForExit();
        return 0;
    }
}
