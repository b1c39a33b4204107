package dev.aegis.canary.it;

import io.quarkus.test.kubernetes.client.KubernetesServerTestResource;

/**
 * The Kubernetes test server (CRUD mode), shared by every integration test: one server and one application start for
 * the whole suite. Each test works in its own namespace.
 */
public class TestCluster extends KubernetesServerTestResource {
}
