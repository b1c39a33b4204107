package dev.aegis.canary.it;

import java.lang.reflect.Field;

import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.DefaultMockServer;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.quarkus.test.kubernetes.client.KubernetesServerTestResource;

import dev.aegis.canary.demo.ServerSideApply;

/**
 * The Kubernetes test server (CRUD mode), shared by every integration test: one server and one application start for
 * the whole suite. Each test works in its own namespace. It also takes server-side applies (the controller's writes
 * of a StatefulSet's partition), which fabric8's CRUD store refuses; the store stays fabric8's own.
 */
public class TestCluster extends KubernetesServerTestResource {

    @Override
    protected void configureServer() {
        super.configureServer();
        try {
            // Neither the store nor the HTTP server's dispatcher is exposed: reached as OtherWriter reaches the store.
            KubernetesMockServer mock = server.getKubernetesMockServer();
            Field store = KubernetesMockServer.class.getDeclaredField("dispatcher");
            store.setAccessible(true);
            Field http = DefaultMockServer.class.getDeclaredField("server");
            http.setAccessible(true);
            ((MockWebServer) http.get(mock)).setDispatcher(ServerSideApply.wrap((Dispatcher) store.get(mock)));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("the test server's dispatcher is not reachable", e);
        }
    }
}
