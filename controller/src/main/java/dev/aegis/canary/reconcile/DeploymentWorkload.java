package dev.aegis.canary.reconcile;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;

import dev.aegis.canary.analysis.PodScope;
import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.RouterType;
import dev.aegis.canary.notify.Notification;
import dev.aegis.canary.rollout.RolloutEvent;
import dev.aegis.canary.rollout.RouteStatus;
import dev.aegis.canary.rollout.SpecValidator;
import dev.aegis.canary.rollout.TrafficIntent;
import dev.aegis.canary.routing.CanaryServices;
import dev.aegis.canary.routing.DeploymentRollout;
import dev.aegis.canary.routing.ReplicaTrafficRouter;
import dev.aegis.canary.routing.TrafficRouter;
import dev.aegis.canary.routing.WeightedTrafficRouter;
import dev.aegis.canary.workload.DeploymentWorkloads;
import dev.aegis.canary.workload.Ownership;
import dev.aegis.canary.workload.PodNames;
import dev.aegis.canary.workload.PrimaryAutoscalers;
import dev.aegis.canary.workload.ReplicaSetNames;
import dev.aegis.canary.workload.Revisions;
import dev.aegis.canary.workload.Rollouts;

/** A Deployment target: the primary copy, replica routing, and the Services of spec.service. */
final class DeploymentWorkload implements Workload {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(DeploymentWorkload.class);

    /** The beans a Deployment workload works with. */
    record Tools(DeploymentWorkloads ops, ReplicaTrafficRouter replicas, WeightedTrafficRouter gatewayApi,
            WeightedTrafficRouter nginx, RouterType defaultRouter, CanaryServices services,
            PrimaryAutoscalers autoscalers, Ownership ownership, ReplicaSetNames replicaSets) {

        Tools(DeploymentWorkloads ops, ReplicaTrafficRouter replicas, WeightedTrafficRouter gatewayApi,
                WeightedTrafficRouter nginx, RouterType defaultRouter, CanaryServices services,
                PrimaryAutoscalers autoscalers, Ownership ownership) {
            this(ops, replicas, gatewayApi, nginx, defaultRouter, services, autoscalers, ownership,
                    new ReplicaSetNames(ops::replicaSets, System::nanoTime));
        }

        /**
         * The weighted router's object back to the primary alone, best effort: for a Canary that cannot be acted on
         * or is going, whatever else is missing.
         */
        void releaseWeights(Canary canary) {
            if (router(canary) instanceof WeightedTrafficRouter weighted) {
                try {
                    weighted.weights().release(canary);
                } catch (RuntimeException e) {
                    LOG.warnf("%s/%s: could not give the router's traffic back to the primary: %s",
                            canary.getMetadata().getNamespace(), canary.getMetadata().getName(), e.getMessage());
                }
            }
        }

        /** The Canary's router: the one it names, or the controller's default for Deployments. */
        TrafficRouter router(Canary canary) {
            return switch (SpecValidator.routerOf(canary.getSpec(), defaultRouter)) {
                case GATEWAY_API -> gatewayApi;
                case NGINX -> nginx;
                default -> replicas;
            };
        }
    }

    private final Canary canary;
    private final Deployment target;
    private final Deployment primary;
    private final int total;
    private final Integer gitReplicas;
    private final String targetRevision;
    /** The Git autoscaler and the primary's, when spec.autoscalerRef is set; else null. */
    private final PrimaryAutoscalers.Pair autoscalers;
    private final Tools tools;
    private final Cache cache;

    private DeploymentWorkload(Canary canary, Deployment target, Deployment primary, int total, Integer gitReplicas,
            PrimaryAutoscalers.Pair autoscalers, Tools tools, Cache cache) {
        this.canary = canary;
        this.target = target;
        this.primary = primary;
        this.total = total;
        this.gitReplicas = gitReplicas;
        this.autoscalers = autoscalers;
        this.targetRevision = Revisions.of(target.getSpec().getTemplate());
        this.tools = tools;
        this.cache = cache;
    }

    /** The workload, or why the Canary cannot act on it. */
    static Workloads.Found find(Canary canary, CanaryStatus status, Cache cache, Tools tools) {
        String namespace = canary.getMetadata().getNamespace();
        String targetName = canary.getSpec().getTargetRef().getName();
        Deployment target = cache.targetDeployment(namespace, targetName);
        if (target == null) {
            return Workloads.Found.problem("spec.targetRef: Deployment '" + targetName + "' not found in namespace "
                    + namespace);
        }
        if (canary.getSpec().getService() != null && (target.getSpec().getSelector() == null
                || target.getSpec().getSelector().getMatchLabels() == null
                || target.getSpec().getSelector().getMatchLabels().isEmpty())) {
            return Workloads.Found.problem("spec.service needs the target's spec.selector.matchLabels "
                    + "(Services select pods by labels only)");
        }
        Deployment primary = cache.deployment(namespace, DeploymentWorkloads.primaryName(targetName));
        if (primary != null && !Ownership.isOwnedBy(primary, canary)) {
            return Workloads.Found.problem("Deployment '" + primary.getMetadata().getName()
                    + "' exists and was not created for this Canary; the primary copy needs that name");
        }
        if (tools.router(canary) instanceof WeightedTrafficRouter weighted) {
            String problem = weighted.weights().problem(canary);
            if (problem != null) {
                return Workloads.Found.problem(problem);
            }
        }
        if (canary.getSpec().getAutoscalerRef() != null) {
            PrimaryAutoscalers.Pair autoscalers = tools.autoscalers().get(canary);
            String problem = PrimaryAutoscalers.problem(canary, autoscalers);
            if (problem != null) {
                return Workloads.Found.problem(problem);
            }
            // Autoscalers set the counts, not Git: the workload's size is what the primary's autoscaler chose (at
            // first sight, what the Git autoscaler chose for the target).
            int total = autoscaledTotal(primary != null ? primary : target);
            return Workloads.Found.of(new DeploymentWorkload(canary, target, primary, total, null, autoscalers,
                    tools, cache));
        }
        Integer gitReplicas = DeploymentWorkloads.gitReplicas(target);
        // The workload's size: what Git set on the target; else what the controller recorded; else, for a primary
        // adopted from a deleted Canary (the target then holds the count the controller set), the primary's.
        int total = gitReplicas != null
                ? gitReplicas
                : status != null && status.getTotalReplicas() != null
                        ? status.getTotalReplicas()
                        : primary != null ? Rollouts.desired(primary) : Rollouts.desired(target);
        return Workloads.Found.of(new DeploymentWorkload(canary, target, primary, total, gitReplicas, null, tools,
                cache));
    }

    /** The workload's size under autoscalers: what the one scaling the Deployment chose, never below 1. */
    private static int autoscaledTotal(Deployment scaled) {
        return Math.max(1, Rollouts.desired(scaled));
    }

    @Override
    public String targetRevision() {
        return targetRevision;
    }

    @Override
    public Integer gitReplicas() {
        return gitReplicas;
    }

    @Override
    public String primaryRevision() {
        return primary == null ? null : DeploymentWorkloads.primaryRevision(primary);
    }

    @Override
    public Notification.Images images() {
        return new Notification.Images(primary == null ? null : Workload.images(primary.getSpec().getTemplate()),
                Workload.images(target.getSpec().getTemplate()));
    }

    @Override
    public String primaryStatus() {
        return primary == null ? "0/" + total + " pods ready" : Rollouts.describe(primary);
    }

    @Override
    public boolean primaryReady(TrafficIntent intent, RouteStatus route) {
        return primary != null && Rollouts.isComplete(primary);
    }

    @Override
    public RouteStatus apply(TrafficIntent intent, CanaryStatus status, List<RolloutEvent> told) {
        RouteStatus route = RouteStatus.waiting(0, 0, total, RouteStatus.Unit.PODS, "");
        String canaryRevision = status != null && status.getCanaryRevision() != null
                ? status.getCanaryRevision()
                : targetRevision;
        boolean canaryServed = true;
        if (canary.getSpec().getService() != null) {
            // Before any weight moves: traffic sent to the canary Service must find the revision under test. It goes
            // up once the cache shows the Service selecting it, a reconcile after the selector was written.
            String hash = canaryPodHash(canaryRevision).orElse(null);
            Function<String, Service> cached = svc -> cache.service(canary.getMetadata().getNamespace(), svc);
            canaryServed = CanaryServices.selectsRevision(canary, hash, cached);
            // Under a weighted router the apex selects only the primary's pods, once the primary serves in full:
            // before (first sight, a promotion rolling out) it selects both versions, so it never has no endpoints.
            boolean apexOnPrimary = tools.router(canary) instanceof WeightedTrafficRouter && primary != null
                    && Rollouts.isComplete(primary);
            for (String name : tools.services().ensure(canary, target.getSpec().getSelector().getMatchLabels(),
                    apexOnPrimary, hash, cached)) {
                told.add(RolloutEvent.normal("ServiceExists", "Service " + name + " exists and was not created by "
                        + "the controller; it is left as it is"));
            }
        }
        switch (intent.kind()) {
            case INITIALIZE -> {
                if (primary == null) {
                    tools.ops().createPrimary(canary, target, targetRevision, total);
                } else {
                    tools.ownership().adopt(canary, primary);
                }
            }
            case PROMOTE -> {
                if (targetRevision.equals(canaryRevision)) {
                    tools.ops().promote(primary, target, targetRevision, total);
                }
                route = tools.router(canary).apply(rollout(canaryRevision, canaryServed), intent);
            }
            case STABLE, SPLIT -> route = tools.router(canary).apply(rollout(canaryRevision, canaryServed), intent);
            case HOLD -> {
            }
        }
        if (autoscalers != null) {
            // The Git autoscaler's settings reach the primary with the revision they came with: at first sight, at
            // promotion, and whenever no other revision is pending (a change to the autoscaler alone). That last
            // case is confirmed on a fresh read of the target: the autoscaler was read fresh, and the cached target
            // may not show yet the new version Git applied with it.
            boolean promoting = intent.kind() == TrafficIntent.Kind.INITIALIZE
                    || intent.kind() == TrafficIntent.Kind.PROMOTE && targetRevision.equals(canaryRevision);
            tools.autoscalers().ensure(canary, autoscalers, DeploymentWorkloads.primaryName(
                    target.getMetadata().getName()),
                    () -> promoting || targetRevision.equals(primaryRevision())
                            && tools.ops().freshRevision(target).map(targetRevision::equals).orElse(false));
        }
        return route;
    }

    private DeploymentRollout rollout(String canaryRevision, boolean canaryServed) {
        return new DeploymentRollout(canary, target, primary, total, canaryRevision, targetRevision, canaryServed,
                autoscalers != null);
    }

    /** The canary's ReplicaSet for the revision under test, and the primary's. */
    @Override
    public PodScope podScope(String canaryRevision) {
        List<String> canarySets = tools.replicaSets().canary(key(), target, canaryRevision)
                .map(ReplicaSetNames.CanarySet::name).map(List::of).orElse(List.of());
        List<String> primarySets = primary == null ? List.of() : tools.replicaSets().primary(key(), primary);
        return PodScope.pods(PodNames.regexFor(canarySets), PodNames.regexFor(primarySets));
    }

    /** The pod-template-hash of the revision under test, once its ReplicaSet exists. */
    private Optional<String> canaryPodHash(String revision) {
        return tools.replicaSets().canary(key(), target, revision).map(ReplicaSetNames.CanarySet::podHash);
    }

    private String key() {
        return key(canary);
    }

    static String key(Canary canary) {
        return canary.getMetadata().getNamespace() + "/" + canary.getMetadata().getName();
    }

    @Override
    public RouteStatus current(String waitingFor) {
        int canaryPods = Rollouts.desired(target);
        int primaryPods = primary == null ? 0 : Rollouts.desired(primary);
        int all = canaryPods + primaryPods;
        int effective = all == 0 ? 0 : (int) Math.round(100.0 * canaryPods / all);
        return RouteStatus.waiting(primary == null ? 0 : effective, primary == null ? 0 : canaryPods, total,
                RouteStatus.Unit.PODS, waitingFor);
    }

    @Override
    public RouteStatus release(CanaryStatus status) {
        boolean primaryServes = primary != null && Ownership.isOwnedBy(primary, canary);
        if (primary != null && Ownership.isOwnedBy(primary, canary)) {
            boolean initialized = status != null && status.getStableRevision() != null;
            if (!initialized && Rollouts.available(target) > 0) {
                // The primary never served alone and the target still serves: the copy simply goes.
                tools.ownership().delete(primary);
                primaryServes = false;
            } else {
                RouteStatus route = tools.router(canary).apply(rollout(status == null
                        ? targetRevision
                        : status.getCanaryRevision(), false), new TrafficIntent(TrafficIntent.Kind.STABLE, 0));
                if (!route.reached()) {
                    return route;
                }
                tools.ownership().release(primary);
            }
        }
        tools.releaseWeights(canary);
        if (autoscalers != null && autoscalers.primary() != null) {
            // The primary's autoscaler goes with the primary, or stays with it.
            if (primaryServes) {
                tools.ownership().release(autoscalers.primary());
            } else {
                tools.ownership().delete(autoscalers.primary());
            }
        }
        if (canary.getSpec().getService() != null) {
            if (!primaryServes && tools.router(canary) instanceof WeightedTrafficRouter) {
                // No primary serves: the apex Service goes back to the target's pods before it is let go.
                tools.services().ensure(canary, target.getSpec().getSelector().getMatchLabels(), false, null,
                        svc -> cache.service(canary.getMetadata().getNamespace(), svc));
            }
            tools.services().release(canary, tools.ownership());
        }
        tools.replicaSets().forget(key());
        return current("").done();
    }

    /**
     * When the Canary cannot be acted on mid-run: the primary takes every pod back, whether the target still exists
     * or not.
     */
    static void giveBackToPrimary(Canary canary, CanaryStatus status, Cache cache, Tools tools) {
        if (status == null || status.getStableRevision() == null) {
            return;
        }
        if (tools.router(canary) instanceof WeightedTrafficRouter weighted) {
            try {
                weighted.weights().set(canary, 0); // first: the canary may have no pods any more
            } catch (RuntimeException e) {
                LOG.warnf("%s/%s: could not set the canary's weight to 0: %s", canary.getMetadata().getNamespace(),
                        canary.getMetadata().getName(), e.getMessage());
            }
        }
        String namespace = canary.getMetadata().getNamespace();
        String targetName = canary.getSpec().getTargetRef().getName();
        Deployment primary = cache.deployment(namespace, DeploymentWorkloads.primaryName(targetName));
        if (primary == null || !Ownership.isOwnedBy(primary, canary)) {
            return;
        }
        boolean autoscaled = canary.getSpec().getAutoscalerRef() != null;
        if (!autoscaled && status.getTotalReplicas() == null) {
            return;
        }
        int total = autoscaled ? autoscaledTotal(primary) : status.getTotalReplicas();
        Deployment target = cache.deployment(namespace, targetName);
        if (target == null) {
            tools.ops().scalePrimary(primary, total);
        } else {
            tools.router(canary).apply(new DeploymentRollout(canary, target, primary, total,
                    status.getCanaryRevision(), Revisions.of(target.getSpec().getTemplate()), false, autoscaled),
                    new TrafficIntent(TrafficIntent.Kind.STABLE, 0));
        }
    }
}
