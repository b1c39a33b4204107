package dev.aegis.canary.analysis;

/**
 * Which pods (and nodes) a query measures, as anchored regexes of names. Null node regexes when the router does not
 * work by nodes.
 */
public record PodScope(String canaryPods, String primaryPods, String canaryNodes, String primaryNodes) {

    public static PodScope pods(String canaryPods, String primaryPods) {
        return new PodScope(canaryPods, primaryPods, null, null);
    }
}
