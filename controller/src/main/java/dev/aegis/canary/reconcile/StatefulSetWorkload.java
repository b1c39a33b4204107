package dev.aegis.canary.reconcile;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;

import dev.aegis.canary.analysis.PodScope;
import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.notify.Notification;
import dev.aegis.canary.rollout.RolloutEvent;
import dev.aegis.canary.rollout.RouteStatus;
import dev.aegis.canary.rollout.SpecValidator;
import dev.aegis.canary.rollout.TrafficIntent;
import dev.aegis.canary.routing.CanaryServices;
import dev.aegis.canary.routing.OrdinalMoves;
import dev.aegis.canary.routing.TrafficWeights;
import dev.aegis.canary.workload.Ownership;
import dev.aegis.canary.workload.Regexes;
import dev.aegis.canary.workload.Revisions;
import dev.aegis.canary.workload.StatefulSetWorkloads;

/**
 * A StatefulSet target, canaried in place: no copy (its pods have identities and volumes), the highest ordinals run
 * the canary through the StatefulSet's own partition. At first sight the controller holds the StatefulSet (partition
 * = replicas, the revision its pods run recorded beside it), so a template Git changes rolls nothing until a step lets
 * it. The "primary" is the pods below the partition; a rollback raises the partition and replaces the canary's pods
 * one at a time, which the StatefulSet controller recreates at the old revision with their volumes.
 */
final class StatefulSetWorkload implements Workload {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(
            StatefulSetWorkload.class);

    /** The beans a StatefulSet workload works with. */
    record Tools(StatefulSetWorkloads ops, CanaryServices services, TrafficWeights gatewayApi, TrafficWeights nginx,
            Ownership ownership) {

        /** The weights of the Canary's weighted router (gateway-api, nginx), or null for the replicas router. */
        TrafficWeights weights(Canary canary) {
            return switch (SpecValidator.routerOf(canary.getSpec())) {
                case GATEWAY_API -> gatewayApi;
                case NGINX -> nginx;
                default -> null;
            };
        }
    }

    private final Canary canary;
    private final StatefulSet target;
    private final List<Pod> pods;
    private final OrdinalMoves.World world;
    private final String targetRevision;
    private final Tools tools;
    private final Function<String, Service> services;
    /** Null for the replicas router. */
    private final TrafficWeights weights;
    /** The router's weight as read once this reconcile (a request each), then as written; null until needed. */
    private Integer weightNow;

    private StatefulSetWorkload(Canary canary, StatefulSet target, Cache cache, Tools tools) {
        this.canary = canary;
        this.target = target;
        this.pods = cache.statefulSetPods(target.getMetadata().getNamespace(), target.getMetadata().getName());
        this.world = tools.ops().world(target, pods, Instant.now());
        this.targetRevision = Revisions.of(target.getSpec().getTemplate());
        this.tools = tools;
        this.services = name -> cache.service(canary.getMetadata().getNamespace(), name);
        this.weights = tools.weights(canary);
    }

    static Workloads.Found find(Canary canary, Cache cache, Tools tools) {
        StatefulSet target = target(canary, cache);
        if (target == null) {
            return Workloads.Found.problem("spec.targetRef: StatefulSet '" + canary.getSpec().getTargetRef().getName()
                    + "' not found in namespace " + canary.getMetadata().getNamespace());
        }
        String problem = StatefulSetWorkloads.strategyProblem(target);
        if (problem != null) {
            return Workloads.Found.problem(problem);
        }
        if (canary.getSpec().getService() != null && (target.getSpec().getSelector() == null
                || target.getSpec().getSelector().getMatchLabels() == null
                || target.getSpec().getSelector().getMatchLabels().isEmpty())) {
            return Workloads.Found.problem("spec.service needs the target's spec.selector.matchLabels "
                    + "(Services select pods by labels only)");
        }
        TrafficWeights weights = tools.weights(canary);
        if (weights != null) {
            String routeProblem = weights.problem(canary);
            if (routeProblem != null) {
                return Workloads.Found.problem(routeProblem);
            }
        }
        return Workloads.Found.of(new StatefulSetWorkload(canary, target, cache, tools));
    }

    private static StatefulSet target(Canary canary, Cache cache) {
        return cache.targetStatefulSet(canary.getMetadata().getNamespace(), canary.getSpec().getTargetRef().getName());
    }

    /** The weighted router's weight now: read from the router once per reconcile. */
    private int weight() {
        if (weightNow == null) {
            weightNow = weights.current(canary);
        }
        return weightNow;
    }

    private int setWeight(int weight) {
        weightNow = weights.set(canary, weight);
        return weightNow;
    }

    @Override
    public String targetRevision() {
        return targetRevision;
    }

    /** Git (or an autoscaler) sets a StatefulSet's replicas, never the controller: the count is always theirs. */
    @Override
    public Integer gitReplicas() {
        return world.replicas();
    }

    /** The revision the pods below the partition run, as the controller recorded it when it last held them. */
    @Override
    public String primaryRevision() {
        return StatefulSetWorkloads.heldRevision(target);
    }

    @Override
    public Notification.Images images() {
        return new Notification.Images(StatefulSetWorkloads.heldImages(target),
                Workload.images(target.getSpec().getTemplate()));
    }

    /** Pods below the partition: the primary's. */
    private int primaryPodCount() {
        return Math.min(world.partition(), world.replicas());
    }

    /** The primary's pods that are ready on the current revision (ordinals are unique: at most one pod each). */
    private long primaryPodsReady() {
        return world.pods().stream().filter(p -> p.ordinal() < primaryPodCount() && p.ready() && !p.terminating()
                && p.revision() != null && p.revision().equals(world.currentRevision())).count();
    }

    @Override
    public String primaryStatus() {
        int below = primaryPodCount();
        String status = primaryPodsReady() + "/" + below + " pods ready";
        return below == world.replicas() ? status : status + ", " + (world.replicas() - below) + " on the canary";
    }

    @Override
    public boolean primaryReady(TrafficIntent intent, RouteStatus route) {
        if (primaryRevision() == null) {
            return false;
        }
        if (intent.kind() == TrafficIntent.Kind.INITIALIZE || intent.kind() == TrafficIntent.Kind.PROMOTE) {
            return route.reached();
        }
        return primaryPodsReady() == primaryPodCount();
    }

    @Override
    public RouteStatus apply(TrafficIntent intent, CanaryStatus status, List<RolloutEvent> told) {
        String held = primaryRevision();
        if (intent.kind() != TrafficIntent.Kind.HOLD && canary.getSpec().getService() != null) {
            ensureServices(told);
        }
        String canaryRevision = status == null || status.getCanaryRevision() == null
                ? targetRevision
                : status.getCanaryRevision();
        if (weights != null && !canaryRevision.equals(targetRevision) && weight() > 0) {
            // Git moved the target on: the canary's pods are being replaced by a revision nobody has checked.
            setWeight(0);
        }
        return switch (intent.kind()) {
            case HOLD -> current("");
            case INITIALIZE -> held == null
                    ? hold(targetRevision, "the StatefulSet to finish rolling out revision "
                            + targetRevision + " before the controller holds it")
                    : stable(held, told);
            case STABLE -> stable(held != null ? held : status == null ? null : status.getStableRevision(), told);
            case SPLIT -> split(intent.weight(), held, told);
            case PROMOTE -> promote(canaryRevision, held, told);
        };
    }

    /**
     * The Services of spec.service: the apex selects every pod (the replicas router's split is the pod counts) or,
     * under a weighted router, the primary's; {@code -primary} the current revision's pods, {@code -canary} the update
     * revision's (by the StatefulSet controller's controller-revision-hash label).
     */
    private void ensureServices(List<RolloutEvent> told) {
        Map<String, String> labels = target.getSpec().getSelector().getMatchLabels();
        Map<String, String> primary = CanaryServices.with(labels, StatefulSetWorkloads.POD_REVISION,
                world.currentRevision());
        Map<String, String> canaryPods = CanaryServices.with(labels, StatefulSetWorkloads.POD_REVISION,
                world.updateRevision());
        for (String name : tools.services().ensure(canary, List.of(weights != null ? primary : labels, primary,
                canaryPods), services)) {
            told.add(RolloutEvent.normal("ServiceExists", "Service " + name + " exists and was not created by the "
                    + "controller; it is left as it is"));
        }
    }

    /**
     * A step: the highest ordinals on the update revision; under a weighted router, the weight follows once they are
     * available and the canary Service selects them.
     */
    private RouteStatus split(int weight, String held, List<RolloutEvent> told) {
        int canaryPods = OrdinalMoves.canaryPods(weight, world.replicas());
        RouteStatus moved = route(canaryPods, held, told);
        if (weights == null) {
            return moved;
        }
        boolean served = canary.getSpec().getService() == null || CanaryServices.selects(canary, 2,
                StatefulSetWorkloads.POD_REVISION, world.updateRevision(), services);
        int now = weight();
        if (moved.reached() && served && now != weight) {
            now = setWeight(weight);
        }
        int serving = OrdinalMoves.servingCanary(world);
        if (moved.reached() && served && now == weight) {
            return RouteStatus.reached(now, canaryPods, world.replicas(), RouteStatus.Unit.PODS)
                    .withCanaryServing(serving);
        }
        String waiting = !moved.reached()
                ? moved.waitingFor()
                : !served
                        ? "canary Service: not yet selecting revision " + world.updateRevision()
                        : "router weight " + now + "%";
        return RouteStatus.waiting(now, canaryPods, world.replicas(), RouteStatus.Unit.PODS, waiting)
                .withCanaryServing(now == 0 ? 0 : serving);
    }

    /**
     * Everything on the held revision. Under a weighted router the weight goes to 0 first, once the primary Service
     * selects the current revision (after a promotion, the new one), and pods move only after.
     */
    private RouteStatus stable(String held, List<RolloutEvent> told) {
        if (weights != null && weight() != 0) {
            if (canary.getSpec().getService() != null && !CanaryServices.selects(canary, 1,
                    StatefulSetWorkloads.POD_REVISION, world.currentRevision(), services)) {
                return current("primary Service: not yet selecting revision " + world.currentRevision());
            }
            if (setWeight(0) != 0) {
                return current("router weight back to 0");
            }
        }
        return route(0, held, told);
    }

    private RouteStatus promote(String canaryRevision, String held, List<RolloutEvent> told) {
        if (canaryRevision.equals(held)) {
            return route(0, held, told); // promoted and held again
        }
        if (!canaryRevision.equals(targetRevision)) {
            // Git moved on before the promotion finished: the newer template must not roll out unanalysed.
            if (world.partition() != world.replicas()) {
                tools.ops().apply(target, world.replicas(), held, StatefulSetWorkloads.heldImages(target), false);
            }
            return current("Git to stop changing the template: revision " + targetRevision + " replaced "
                    + canaryRevision + " mid-promotion");
        }
        RouteStatus all = route(world.replicas(), held, told);
        if (!all.reached()) {
            return all;
        }
        return hold(canaryRevision, "the StatefulSet controller to make revision " + canaryRevision
                + " the current one");
    }

    /**
     * Records the revision every pod runs and raises the partition to replicas in one write, once the StatefulSet is
     * settled; the write fails if the StatefulSet changed since it was read.
     */
    private RouteStatus hold(String revision, String unsettled) {
        if (!StatefulSetWorkloads.isSettled(target)) {
            return current(unsettled).withWorldProgressAt(Workload.newest(pods));
        }
        tools.ops().apply(target, world.replicas(), revision, Workload.images(target.getSpec().getTemplate()), true);
        return current("the StatefulSet to be held at revision " + revision).withProgress();
    }

    /** One move towards the highest {@code canaryPods} ordinals on the update revision, the rest on the current. */
    private RouteStatus route(int canaryPods, String held, List<RolloutEvent> told) {
        OrdinalMoves.Move move = OrdinalMoves.next(world, canaryPods);
        if (move instanceof OrdinalMoves.SetPartition set) {
            tools.ops().apply(target, set.partition(), held, StatefulSetWorkloads.heldImages(target), false);
            return current("the StatefulSet controller to see partition " + set.partition()).withProgress();
        }
        if (move instanceof OrdinalMoves.DeletePod delete) {
            String pod = target.getMetadata().getName() + "-" + delete.ordinal();
            tools.ops().deletePod(target, delete.ordinal(), pods.stream()
                    .filter(p -> p.getMetadata().getName().equals(pod)).map(p -> p.getMetadata().getUid())
                    .findFirst().orElse(null));
            told.add(RolloutEvent.normal("PodReplaced", "deleted pod " + pod + ": " + delete.why()
                    + "; its volumes stay"));
            return current("pod " + pod + " to come back at revision " + world.currentRevision()).withProgress();
        }
        if (move instanceof OrdinalMoves.Wait wait) {
            return current(wait.forWhat()).withWorldProgressAt(Workload.newest(pods));
        }
        return RouteStatus.reached(effectiveWeight(), canaryPods, world.replicas(), RouteStatus.Unit.PODS)
                .withCanaryServing(OrdinalMoves.servingCanary(world));
    }

    /** Under a weighted router, its weight; else the canary's share of the pods that serve. */
    private int effectiveWeight() {
        if (weights != null) {
            return weight();
        }
        return world.replicas() == 0
                ? 0
                : (int) Math.round(100.0 * OrdinalMoves.servingCanary(world) / world.replicas());
    }

    @Override
    public RouteStatus current(String waitingFor) {
        int asked = Math.max(0, world.replicas() - world.partition());
        return RouteStatus.waiting(effectiveWeight(), asked, world.replicas(), RouteStatus.Unit.PODS, waitingFor)
                .withCanaryServing(OrdinalMoves.servingCanary(world));
    }

    /** The canary's pods: the ordinals at or above the partition, and any still on the update revision below it. */
    @Override
    public PodScope podScope(String canaryRevision) {
        Set<Integer> canaryOrdinals = new TreeSet<>();
        IntStream.range(Math.min(world.partition(), world.replicas()), world.replicas()).forEach(canaryOrdinals::add);
        boolean pending = world.updateRevision() != null && !world.updateRevision().equals(world.currentRevision());
        world.pods().stream().filter(p -> pending && world.updateRevision().equals(p.revision())
                && p.ordinal() < world.replicas()).forEach(p -> canaryOrdinals.add(p.ordinal()));
        String name = target.getMetadata().getName();
        List<String> canaryPods = canaryOrdinals.stream().map(o -> name + "-" + o).toList();
        List<String> primaryPods = IntStream.range(0, world.replicas()).filter(o -> !canaryOrdinals.contains(o))
                .mapToObj(o -> name + "-" + o).collect(Collectors.toList());
        return PodScope.pods(Regexes.anyOf(canaryPods), Regexes.anyOf(primaryPods));
    }

    /**
     * Canary deletion: the controller's two fields go, and the StatefulSet rolls out what Git says to every pod.
     * Done when it is settled on that one revision.
     */
    @Override
    public RouteStatus release(CanaryStatus status) {
        if (canary.getSpec().getService() != null) {
            // The Services that stay must keep finding pods whatever revision Git rolls out next: every pod.
            Map<String, String> labels = target.getSpec().getSelector().getMatchLabels();
            tools.services().ensure(canary, List.of(labels, labels, CanaryServices.with(labels,
                    StatefulSetWorkloads.POD_REVISION, world.updateRevision())), services);
        }
        if (weights != null) {
            weights.release(canary);
        }
        if (canary.getSpec().getService() != null) {
            tools.services().release(canary, tools.ownership());
        }
        if (primaryRevision() != null) {
            tools.ops().release(target);
            return current("the partition to be released").withProgress();
        }
        if (StatefulSetWorkloads.partition(target) == 0 && !StatefulSetWorkloads.isSettled(target)) {
            return current("the StatefulSet controller to roll out Git's revision to every pod")
                    .withWorldProgressAt(Workload.newest(pods));
        }
        return current("").done();
    }

    /** When the Canary cannot be acted on mid-run: the canary's pods go back to the held revision. */
    static void giveBackToPrimary(Canary canary, CanaryStatus status, Cache cache, Tools tools) {
        if (status == null || status.getStableRevision() == null) {
            return;
        }
        TrafficWeights weights = tools.weights(canary);
        if (weights != null) {
            try {
                weights.set(canary, 0); // first: the canary's pods are about to go
            } catch (RuntimeException e) {
                // best effort, as for a Deployment: the router object may be what is wrong
                LOG.warnf("%s/%s: could not set the canary's weight to 0: %s", canary.getMetadata().getNamespace(),
                        canary.getMetadata().getName(), e.getMessage());
            }
        }
        StatefulSet target = target(canary, cache);
        if (target == null || StatefulSetWorkloads.strategyProblem(target) != null) {
            return; // gone, or Git owns what would move it: nothing to move without fighting Git
        }
        new StatefulSetWorkload(canary, target, cache, tools).route(0, StatefulSetWorkloads.heldRevision(target),
                new java.util.ArrayList<>());
    }
}
