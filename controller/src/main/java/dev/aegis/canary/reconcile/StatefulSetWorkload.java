package dev.aegis.canary.reconcile;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;

import dev.aegis.canary.analysis.PodScope;
import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.notify.Notification;
import dev.aegis.canary.rollout.RolloutEvent;
import dev.aegis.canary.rollout.RouteStatus;
import dev.aegis.canary.rollout.TrafficIntent;
import dev.aegis.canary.routing.OrdinalMoves;
import dev.aegis.canary.workload.Labels;
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

    /** The beans a StatefulSet workload works with. */
    record Tools(StatefulSetWorkloads ops) {
    }

    private final StatefulSet target;
    private final List<Pod> pods;
    private final OrdinalMoves.World world;
    private final String targetRevision;
    private final Tools tools;

    private StatefulSetWorkload(StatefulSet target, List<Pod> pods, Tools tools) {
        this.target = target;
        this.pods = pods;
        this.world = tools.ops().world(target, pods, Instant.now());
        this.targetRevision = Revisions.of(target.getSpec().getTemplate());
        this.tools = tools;
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
        return Workloads.Found.of(new StatefulSetWorkload(target, pods(target, cache), tools));
    }

    private static StatefulSet target(Canary canary, Cache cache) {
        return cache.statefulSet(canary.getMetadata().getNamespace(), canary.getSpec().getTargetRef().getName());
    }

    private static List<Pod> pods(StatefulSet target, Cache cache) {
        return cache.statefulSetPods(target.getMetadata().getNamespace(), target.getMetadata().getName());
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
        String held = target.getMetadata().getAnnotations() == null
                ? null
                : target.getMetadata().getAnnotations().get(Labels.IMAGES);
        return new Notification.Images(held, Workload.images(target.getSpec().getTemplate()));
    }

    @Override
    public String primaryStatus() {
        int below = Math.min(world.partition(), world.replicas());
        long ready = world.pods().stream().filter(p -> p.ordinal() < below && p.ready() && !p.terminating()
                && p.revision() != null && p.revision().equals(world.currentRevision())).count();
        String status = ready + "/" + below + " pods ready";
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
        int below = Math.min(world.partition(), world.replicas());
        return IntStream.range(0, below).allMatch(o -> world.pods().stream().anyMatch(p -> p.ordinal() == o
                && p.ready() && !p.terminating() && p.revision() != null
                && p.revision().equals(world.currentRevision())));
    }

    @Override
    public RouteStatus apply(TrafficIntent intent, CanaryStatus status, List<RolloutEvent> told) {
        String held = primaryRevision();
        return switch (intent.kind()) {
            case HOLD -> current("");
            case INITIALIZE -> held == null
                    ? hold(targetRevision, "the StatefulSet to finish rolling out revision "
                            + targetRevision + " before the controller holds it")
                    : route(0, held, told);
            case STABLE -> route(0, held != null ? held : status == null ? null : status.getStableRevision(), told);
            case SPLIT -> route(OrdinalMoves.canaryPods(intent.weight(), world.replicas()), held, told);
            case PROMOTE -> promote(status, held, told);
        };
    }

    private RouteStatus promote(CanaryStatus status, String held, List<RolloutEvent> told) {
        String canaryRevision = status == null || status.getCanaryRevision() == null
                ? targetRevision
                : status.getCanaryRevision();
        if (canaryRevision.equals(held)) {
            return route(0, held, told); // promoted and held again
        }
        if (!canaryRevision.equals(targetRevision)) {
            // Git moved on before the promotion finished: the newer template must not roll out unanalysed.
            if (world.partition() != world.replicas()) {
                tools.ops().apply(target, world.replicas(), held, heldImages(), false);
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
            return current(unsettled).withWorldProgressAt(newest(pods));
        }
        tools.ops().apply(target, world.replicas(), revision, Workload.images(target.getSpec().getTemplate()), true);
        return current("the StatefulSet to be held at revision " + revision).withProgress();
    }

    private String heldImages() {
        return target.getMetadata().getAnnotations() == null
                ? null
                : target.getMetadata().getAnnotations().get(Labels.IMAGES);
    }

    /** One move towards the highest {@code canaryPods} ordinals on the update revision, the rest on the current. */
    private RouteStatus route(int canaryPods, String held, List<RolloutEvent> told) {
        OrdinalMoves.Move move = OrdinalMoves.next(world, canaryPods);
        if (move instanceof OrdinalMoves.SetPartition set) {
            tools.ops().apply(target, set.partition(), held, heldImages(), false);
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
            return current(wait.forWhat()).withWorldProgressAt(newest(pods));
        }
        return RouteStatus.reached(effectiveWeight(), canaryPods, world.replicas(), RouteStatus.Unit.PODS)
                .withCanaryServing(OrdinalMoves.servingCanary(world));
    }

    private int effectiveWeight() {
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
        if (primaryRevision() != null) {
            tools.ops().release(target);
            return current("the partition to be released").withProgress();
        }
        if (StatefulSetWorkloads.partition(target) == 0 && !StatefulSetWorkloads.isSettled(target)) {
            return current("the StatefulSet controller to roll out Git's revision to every pod")
                    .withWorldProgressAt(newest(pods));
        }
        return current("").done();
    }

    /** When the Canary cannot be acted on mid-run: the canary's pods go back to the held revision. */
    static void giveBackToPrimary(Canary canary, CanaryStatus status, Cache cache, Tools tools) {
        if (status == null || status.getStableRevision() == null) {
            return;
        }
        StatefulSet target = target(canary, cache);
        if (target == null || StatefulSetWorkloads.strategyProblem(target) != null) {
            return; // gone, or Git owns what would move it: nothing to move without fighting Git
        }
        new StatefulSetWorkload(target, pods(target, cache), tools).apply(new TrafficIntent(TrafficIntent.Kind.STABLE,
                0), status, new java.util.ArrayList<>());
    }

    private static Instant newest(List<Pod> pods) {
        return pods.stream().map(p -> p.getMetadata().getCreationTimestamp()).filter(t -> t != null)
                .map(Instant::parse).max(Instant::compareTo).orElse(null);
    }
}
