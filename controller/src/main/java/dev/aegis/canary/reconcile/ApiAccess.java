package dev.aegis.canary.reconcile;

import java.util.List;
import java.util.Set;

/**
 * Every Kubernetes API call the controller makes, as RBAC rules: the source of deploy/clusterrole.yaml, kept equal to
 * it by a test. Add a rule here when code starts using a new resource or verb.
 */
public final class ApiAccess {

    /** One RBAC rule: API group, resource, verbs. */
    public record Rule(String apiGroup, String resource, Set<String> verbs) {
    }

    public static final List<Rule> RULES = List.of(
            new Rule("canary.aegis.dev", "canaries", Set.of("get", "list", "watch", "patch")),
            new Rule("canary.aegis.dev", "canaries/status", Set.of("patch")),
            new Rule("canary.aegis.dev", "canaries/finalizers", Set.of("update")),
            new Rule("canary.aegis.dev", "analysistemplates", Set.of("get", "list", "watch")),
            new Rule("canary.aegis.dev", "clusteranalysistemplates", Set.of("get", "list", "watch")),
            new Rule("canary.aegis.dev", "notificationproviders", Set.of("get")),
            new Rule("apps", "deployments", Set.of("get", "list", "watch", "create", "patch", "delete")),
            new Rule("apps", "replicasets", Set.of("list")),
            new Rule("apps", "daemonsets", Set.of("get", "list", "watch", "create", "patch", "delete")),
            new Rule("", "nodes", Set.of("get", "list", "watch", "patch")),
            new Rule("apps", "statefulsets", Set.of("get", "list", "watch", "patch")),
            new Rule("", "pods", Set.of("list", "watch", "delete")),
            new Rule("", "services", Set.of("get", "list", "watch", "create", "patch", "delete")),
            new Rule("gateway.networking.k8s.io", "httproutes", Set.of("get", "patch")),
            new Rule("networking.k8s.io", "ingresses", Set.of("get", "create", "patch", "delete")),
            new Rule("autoscaling", "horizontalpodautoscalers", Set.of("get", "create", "patch", "delete")),
            new Rule("", "events", Set.of("create")),
            new Rule("", "secrets", Set.of("get")));

    /**
     * In the controller's own namespace (deploy/role.yaml): the leader election Lease, which the Kubernetes client
     * patches to renew or take over (a controller process test records it doing so).
     */
    public static final List<Rule> NAMESPACE_RULES = List.of(
            new Rule("coordination.k8s.io", "leases", Set.of("get", "create", "update", "patch")));

    private ApiAccess() {
    }
}
