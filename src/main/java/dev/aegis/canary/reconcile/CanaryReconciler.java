package dev.aegis.canary.reconcile;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;

import dev.aegis.canary.analysis.Analysis;
import dev.aegis.canary.analysis.Analysis.Resolution;
import dev.aegis.canary.analysis.PodScope;
import dev.aegis.canary.api.AnalysisTemplate;
import dev.aegis.canary.api.AnalysisTemplateSpec;
import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanarySpec;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.ClusterAnalysisTemplate;
import dev.aegis.canary.api.MetricSpec;
import dev.aegis.canary.api.Phase;
import dev.aegis.canary.api.TemplateRef;
import dev.aegis.canary.api.TemplateRef.TemplateKind;
import dev.aegis.canary.api.WorkloadKind;
import dev.aegis.canary.config.AegisConfig;
import dev.aegis.canary.notify.KubernetesEvents;
import dev.aegis.canary.rollout.CheckOutcome;
import dev.aegis.canary.rollout.Decision;
import dev.aegis.canary.rollout.RolloutEvent;
import dev.aegis.canary.rollout.RolloutPolicy;
import dev.aegis.canary.rollout.RolloutStateMachine;
import dev.aegis.canary.rollout.RouteStatus;
import dev.aegis.canary.rollout.SpecValidator;
import dev.aegis.canary.rollout.TrafficIntent;
import dev.aegis.canary.rollout.WorldView;
import dev.aegis.canary.routing.CanaryServices;
import dev.aegis.canary.routing.DeploymentRollout;
import dev.aegis.canary.routing.ReplicaTrafficRouter;
import dev.aegis.canary.workload.DeploymentWorkloads;
import dev.aegis.canary.workload.Labels;
import dev.aegis.canary.workload.PodNames;
import dev.aegis.canary.workload.Revisions;
import dev.aegis.canary.workload.Rollouts;

/**
 * The thin part: reads the world, asks the state machine, applies its intent, patches status, reschedules. It never
 * waits; every reconcile takes one step.
 *
 * <p>
 * Each reconcile first applies the intent of the status it read ({@link TrafficIntent#of}), then decides. A new
 * intent is thus recorded in status before anything acts on it, and a controller restarted at any point carries on
 * from the status.
 */
@ControllerConfiguration(name = CanaryReconciler.NAME, maxReconciliationInterval = @MaxReconciliationInterval(interval = 10, timeUnit = TimeUnit.MINUTES))
public class CanaryReconciler implements Reconciler<Canary>, Cleaner<Canary> {

    public static final String NAME = "canary";

    private static final Logger LOG = Logger.getLogger(CanaryReconciler.class);
    private static final String TARGET_INDEX = "target";
    private static final String TEMPLATE_INDEX = "template";
    private static final String DEPLOYMENTS = "deployments";
    private static final String SERVICES = "services";
    private static final String TEMPLATES = "analysis-templates";
    private static final String CLUSTER_TEMPLATES = "cluster-analysis-templates";
    private static final String CLUSTER_SCOPE = "<cluster>";

    private final DeploymentWorkloads workloads;
    private final ReplicaTrafficRouter replicaRouter;
    private final CanaryServices services;
    private final Analysis analysis;
    private final KubernetesEvents events;
    private final CanaryMetrics metrics;
    private final AegisConfig config;
    private final RolloutStateMachine machine;
    private final Clock clock;
    /** pod-template-hash of each Canary's revision under test: namespace/name → revision → hash. */
    private final Map<String, Map.Entry<String, String>> canaryPodHashes = new java.util.concurrent.ConcurrentHashMap<>();

    public CanaryReconciler(DeploymentWorkloads workloads, ReplicaTrafficRouter replicaRouter, CanaryServices services,
            Analysis analysis, KubernetesEvents events, CanaryMetrics metrics, AegisConfig config) {
        this.workloads = workloads;
        this.replicaRouter = replicaRouter;
        this.services = services;
        this.analysis = analysis;
        this.events = events;
        this.metrics = metrics;
        this.config = config;
        this.machine = new RolloutStateMachine(config.reconcile().pollInterval(), config.reconcile().idleResync());
        this.clock = Clock.systemUTC();
    }

    @Override
    public List<EventSource<?, Canary>> prepareEventSources(EventSourceContext<Canary> context) {
        context.getPrimaryCache().addIndexer(TARGET_INDEX, c -> c.getSpec() == null
                || c.getSpec().getTargetRef() == null
                        ? List.of()
                        : List.of(key(c.getMetadata().getNamespace(), c.getSpec().getTargetRef().getName())));
        context.getPrimaryCache().addIndexer(TEMPLATE_INDEX, CanaryReconciler::templateKeys);

        var deployments = InformerEventSourceConfiguration.from(Deployment.class, Canary.class)
                .withName(DEPLOYMENTS)
                .withSecondaryToPrimaryMapper(d -> {
                    Set<ResourceID> ids = new HashSet<>(Mappers.<Deployment>fromOwnerReferences(Canary.class)
                            .toPrimaryResourceIDs(d));
                    context.getPrimaryCache()
                            .byIndex(TARGET_INDEX, key(d.getMetadata().getNamespace(), d.getMetadata().getName()))
                            .forEach(c -> ids.add(ResourceID.fromResource(c)));
                    return ids;
                })
                .withPrimaryToSecondaryMapper((Canary c) -> c.getSpec().getTargetRef() == null
                        ? Set.of()
                        : Set.of(new ResourceID(c.getSpec().getTargetRef().getName(), c.getMetadata().getNamespace()),
                                new ResourceID(DeploymentWorkloads.primaryName(c.getSpec().getTargetRef().getName()),
                                        c.getMetadata().getNamespace())))
                .build();
        var ownedServices = InformerEventSourceConfiguration.from(Service.class, Canary.class)
                .withName(SERVICES)
                .withLabelSelector(Labels.MANAGED_BY + "=" + Labels.MANAGED_BY_VALUE)
                .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(Canary.class))
                .build();
        var templates = InformerEventSourceConfiguration.from(AnalysisTemplate.class, Canary.class)
                .withName(TEMPLATES)
                .withSecondaryToPrimaryMapper(t -> context.getPrimaryCache()
                        .byIndex(TEMPLATE_INDEX, key(t.getMetadata().getNamespace(), t.getMetadata().getName()))
                        .stream().map(ResourceID::fromResource).collect(Collectors.toSet()))
                .build();
        var clusterTemplates = InformerEventSourceConfiguration.from(ClusterAnalysisTemplate.class, Canary.class)
                .withName(CLUSTER_TEMPLATES)
                .withWatchAllNamespaces()
                .withSecondaryToPrimaryMapper(t -> context.getPrimaryCache()
                        .byIndex(TEMPLATE_INDEX, key(CLUSTER_SCOPE, t.getMetadata().getName()))
                        .stream().map(ResourceID::fromResource).collect(Collectors.toSet()))
                .build();
        return List.of(new InformerEventSource<>(deployments, context),
                new InformerEventSource<>(ownedServices, context),
                new InformerEventSource<>(templates, context),
                new InformerEventSource<>(clusterTemplates, context));
    }

    private static List<String> templateKeys(Canary c) {
        if (c.getSpec() == null || c.getSpec().getAnalysis() == null
                || c.getSpec().getAnalysis().getMetrics() == null) {
            return List.of();
        }
        List<String> keys = new ArrayList<>();
        for (MetricSpec m : c.getSpec().getAnalysis().getMetrics()) {
            if (m.getTemplateRef() != null && m.getTemplateRef().getName() != null) {
                keys.add(m.getTemplateRef().getKind() == TemplateKind.ClusterAnalysisTemplate
                        ? key(CLUSTER_SCOPE, m.getTemplateRef().getName())
                        : key(c.getMetadata().getNamespace(), m.getTemplateRef().getName()));
            }
        }
        return keys;
    }

    private static String key(String namespace, String name) {
        return namespace + "/" + name;
    }

    @Override
    public UpdateControl<Canary> reconcile(Canary canary, Context<Canary> context) {
        Instant started = clock.instant();
        String namespace = canary.getMetadata().getNamespace();
        String name = canary.getMetadata().getName();
        try {
            CanaryStatus before = canary.getStatus();
            Decision decision = decide(canary, context);
            decision.events().forEach(e -> events.record(canary, e));
            countOutcomes(namespace, name, before, decision.status());
            metrics.recordStatus(namespace, name, decision.status());
            Duration requeue = TrafficIntent.of(decision.status()).equals(TrafficIntent.of(before))
                    ? decision
                            .requeueAfter()
                    : Duration.ZERO;
            if (sameStatus(before, decision.status())) {
                return UpdateControl.<Canary>noUpdate().rescheduleAfter(requeue);
            }
            return UpdateControl.patchStatus(withStatus(canary, decision.status())).rescheduleAfter(requeue);
        } finally {
            metrics.recordReconcile(namespace, name, Duration.between(started, clock.instant()));
        }
    }

    private Decision decide(Canary canary, Context<Canary> context) {
        Instant now = clock.instant();
        CanarySpec spec = canary.getSpec();
        long generation = Optional.ofNullable(canary.getMetadata().getGeneration()).orElse(0L);
        CanaryStatus status = canary.getStatus();
        if (spec != null && spec.isSuspend()) {
            return machine.suspended(generation, status, now);
        }
        SpecValidator.Result validation = SpecValidator.validate(spec, defaults());
        if (!validation.valid()) {
            return machine.invalid(generation, status, validation.message(), now);
        }
        RolloutPolicy policy = validation.policy();
        if (spec.getTargetRef().getKind() == WorkloadKind.DaemonSet) {
            return machine.invalid(generation, status, "spec.targetRef.kind DaemonSet is not supported by this "
                    + "version; use a Deployment", now);
        }
        String namespace = canary.getMetadata().getNamespace();
        String targetName = spec.getTargetRef().getName();
        Deployment target = deployment(context, namespace, targetName);
        if (target == null) {
            restorePrimary(canary, context, status);
            return machine.invalid(generation, status, "spec.targetRef: Deployment '" + targetName
                    + "' not found in namespace " + namespace, now);
        }
        if (spec.getService() != null && (target.getSpec().getSelector() == null
                || target.getSpec().getSelector().getMatchLabels() == null
                || target.getSpec().getSelector().getMatchLabels().isEmpty())) {
            return machine.invalid(generation, status, "spec.service needs the target's spec.selector.matchLabels "
                    + "(Services select pods by labels only)", now);
        }
        Resolution resolution = analysis.resolve(canary, policy.interval(), ref -> template(context, namespace, ref),
                false);
        if (!resolution.errors().isEmpty()) {
            return machine.invalid(generation, status, String.join("; ", resolution.errors()), now);
        }
        Deployment primary = deployment(context, namespace, DeploymentWorkloads.primaryName(targetName));
        if (primary != null && !DeploymentWorkloads.isOwnedBy(primary, canary)) {
            return machine.invalid(generation, status, "Deployment '" + primary.getMetadata().getName()
                    + "' exists and was not created for this Canary; the primary copy needs that name", now);
        }

        String targetRevision = Revisions.of(target.getSpec().getTemplate());
        Integer gitReplicas = DeploymentWorkloads.gitReplicas(target);
        // The workload's size: what Git set on the target; else what the controller recorded; else, for a primary
        // adopted from a deleted Canary (the target then holds the count the controller set), the primary's.
        int total = gitReplicas != null
                ? gitReplicas
                : status != null && status.getTotalReplicas() != null
                        ? status.getTotalReplicas()
                        : primary != null ? Rollouts.desired(primary) : Rollouts.desired(target);
        TrafficIntent intent = TrafficIntent.of(status);
        if (primary == null && intent.kind() != TrafficIntent.Kind.INITIALIZE) {
            // The primary is gone (deleted by hand): start over from the target, as on first sight.
            events.record(canary, RolloutEvent.warning("PrimaryMissing", "Deployment "
                    + DeploymentWorkloads.primaryName(targetName) + " is missing; re-initializing from the target"));
            status = null;
            intent = TrafficIntent.of(null);
        }

        RouteStatus route = RouteStatus.waiting(0, 0, "", "");
        switch (intent.kind()) {
            case INITIALIZE -> {
                if (primary == null) {
                    primary = workloads.createPrimary(canary, target, targetRevision, total);
                } else {
                    workloads.adopt(canary, primary);
                }
            }
            case PROMOTE -> {
                if (targetRevision.equals(status.getCanaryRevision())) {
                    workloads.promote(primary, target, targetRevision, total);
                }
                route = replicaRouter.apply(new DeploymentRollout(canary, target, primary, total,
                        status.getCanaryRevision()), intent);
            }
            case STABLE, SPLIT -> route = replicaRouter.apply(new DeploymentRollout(canary, target, primary, total,
                    status.getCanaryRevision()), intent);
            case HOLD -> {
            }
        }
        String canaryRevision = status != null && status.getCanaryRevision() != null
                ? status.getCanaryRevision()
                : targetRevision;
        if (spec.getService() != null) {
            List<String> foreign = services.ensure(canary, target.getSpec().getSelector().getMatchLabels(),
                    canaryPodHash(canary, target, canaryRevision).orElse(null),
                    svc -> service(context, namespace, svc));
            if (!foreign.isEmpty()) {
                LOG.debugf("%s/%s: Services %s exist and are not the controller's; left as they are", namespace,
                        canary.getMetadata().getName(), foreign);
            }
        }

        String primaryRevision = primary == null ? null : DeploymentWorkloads.primaryRevision(primary);
        boolean primaryReady = primary != null && Rollouts.isComplete(primary);
        WorldView world = new WorldView(targetRevision, gitReplicas, primaryRevision, primaryReady,
                primary == null ? "0/" + total + " pods ready" : Rollouts.describe(primary), route);
        CheckOutcome check = null;
        if (machine.isCheckDue(policy, status, world, now)) {
            check = analysis.run(canary, policy.interval(), resolution.metrics(), podScope(canary, target, primary,
                    canaryRevision), now);
            metrics.recordAnalysis(namespace, canary.getMetadata().getName(), check.results());
        }
        return machine.next(generation, policy, status, world, check, now);
    }

    /**
     * The target is gone (deleted, or renamed in Git): traffic goes to what still runs, so a primary that gave pods
     * to the canary takes them back. Nothing else changes until the spec names a target again.
     */
    private void restorePrimary(Canary canary, Context<Canary> context, CanaryStatus status) {
        if (status == null || status.getStableRevision() == null || status.getTotalReplicas() == null) {
            return;
        }
        Deployment primary = deployment(context, canary.getMetadata().getNamespace(),
                DeploymentWorkloads.primaryName(canary.getSpec().getTargetRef().getName()));
        if (primary != null && DeploymentWorkloads.isOwnedBy(primary, canary)) {
            workloads.scalePrimary(primary, status.getTotalReplicas());
        }
    }

    /** The pods a query measures: the canary's ReplicaSet for the revision under test, and the primary's. */
    private PodScope podScope(Canary canary, Deployment target, Deployment primary, String canaryRevision) {
        List<ReplicaSet> canarySets = workloads.replicaSetOf(target, canaryRevision).map(List::of).orElse(List.of());
        List<ReplicaSet> primarySets = primary == null ? List.of() : workloads.replicaSets(primary);
        return PodScope.pods(PodNames.regexFor(canarySets), PodNames.regexFor(primarySets));
    }

    private Optional<String> canaryPodHash(Canary canary, Deployment target, String revision) {
        String key = key(canary.getMetadata().getNamespace(), canary.getMetadata().getName());
        Map.Entry<String, String> known = canaryPodHashes.get(key);
        if (known != null && known.getKey().equals(revision)) {
            return Optional.of(known.getValue());
        }
        Optional<String> hash = workloads.replicaSetOf(target, revision)
                .map(rs -> rs.getMetadata().getLabels() == null
                        ? null
                        : rs.getMetadata().getLabels().get(Labels.POD_TEMPLATE_HASH));
        hash.ifPresent(h -> canaryPodHashes.put(key, Map.entry(revision, h)));
        return hash;
    }

    /** A reconcile that keeps failing (the API server refuses a write, say) is reported once it gives up. */
    @Override
    public ErrorStatusUpdateControl<Canary> updateErrorStatus(Canary canary, Context<Canary> context, Exception e) {
        if (context.getRetryInfo().map(RetryInfo::isLastAttempt).orElse(false)) {
            events.record(canary, RolloutEvent.warning("ReconcileFailed", "the controller could not act on this "
                    + "Canary and will try again later: " + e.getMessage()));
        }
        return ErrorStatusUpdateControl.defaultErrorProcessing();
    }

    @Override
    public DeleteControl cleanup(Canary canary, Context<Canary> context) {
        String namespace = canary.getMetadata().getNamespace();
        String name = canary.getMetadata().getName();
        CanarySpec spec = canary.getSpec();
        CanaryStatus status = canary.getStatus();
        String targetName = spec == null || spec.getTargetRef() == null ? null : spec.getTargetRef().getName();
        Deployment target = targetName == null ? null : deployment(context, namespace, targetName);
        Deployment primary = targetName == null
                ? null
                : deployment(context, namespace, DeploymentWorkloads.primaryName(targetName));
        if (primary != null && DeploymentWorkloads.isOwnedBy(primary, canary)) {
            boolean initialized = status != null && status.getStableRevision() != null;
            if (!initialized) {
                // The primary never served alone: the target still does, so the copy simply goes.
                workloads.delete(primary);
            } else if (target != null) {
                int total = status.getTotalReplicas() != null ? status.getTotalReplicas() : Rollouts.desired(primary);
                RouteStatus route = replicaRouter.apply(new DeploymentRollout(canary, target, primary, total,
                        status.getCanaryRevision()), new TrafficIntent(TrafficIntent.Kind.STABLE, 0));
                Instant deadline = Instant.parse(canary.getMetadata().getDeletionTimestamp())
                        .plus(defaults().progressDeadline());
                if (!route.reached() && clock.instant().isBefore(deadline)) {
                    return DeleteControl.noFinalizerRemoval().rescheduleAfter(config.reconcile().pollInterval());
                }
                workloads.release(primary);
            } else {
                workloads.release(primary);
            }
        }
        if (spec != null && spec.getService() != null) {
            services.release(canary, workloads);
        }
        events.record(canary, RolloutEvent.normal("Deleted", primary == null
                ? "Canary deleted"
                : "Canary deleted; " + primary.getMetadata().getName() + " serves alone and is no longer managed"));
        metrics.forget(namespace, name);
        canaryPodHashes.remove(key(namespace, name));
        return DeleteControl.defaultDelete();
    }

    private SpecValidator.Defaults defaults() {
        return new SpecValidator.Defaults(config.analysis().defaultInterval(),
                config.analysis().defaultProgressDeadline(), config.analysis().inconclusiveLimit());
    }

    private void countOutcomes(String namespace, String name, CanaryStatus before, CanaryStatus after) {
        Phase was = before == null ? null : before.getPhase();
        if (after.getPhase() == was) {
            return;
        }
        if (after.getPhase() == Phase.Succeeded) {
            metrics.countPromotion(namespace, name);
        } else if (after.getPhase() == Phase.RolledBack) {
            metrics.countRollback(namespace, name);
        }
    }

    private static Deployment deployment(Context<Canary> context, String namespace, String name) {
        return source(context, Deployment.class, DEPLOYMENTS).get(new ResourceID(name, namespace)).orElse(null);
    }

    private static Service service(Context<Canary> context, String namespace, String name) {
        return source(context, Service.class, SERVICES).get(new ResourceID(name, namespace)).orElse(null);
    }

    private static AnalysisTemplateSpec template(Context<Canary> context, String namespace, TemplateRef ref) {
        if (ref.getKind() == TemplateKind.ClusterAnalysisTemplate) {
            return source(context, ClusterAnalysisTemplate.class, CLUSTER_TEMPLATES)
                    .get(new ResourceID(ref.getName())).map(ClusterAnalysisTemplate::getSpec).orElse(null);
        }
        return source(context, AnalysisTemplate.class, TEMPLATES).get(new ResourceID(ref.getName(), namespace))
                .map(AnalysisTemplate::getSpec).orElse(null);
    }

    @SuppressWarnings("unchecked")
    private static <R extends io.fabric8.kubernetes.api.model.HasMetadata> InformerEventSource<R, Canary> source(
            Context<Canary> context, Class<R> type, String name) {
        return (InformerEventSource<R, Canary>) context.eventSourceRetriever().getEventSourceFor(type, name);
    }

    /** A fresh object with only what a status patch needs: no stale spec, no resourceVersion. */
    private static Canary withStatus(Canary canary, CanaryStatus status) {
        Canary patch = new Canary();
        patch.setMetadata(new ObjectMetaBuilder().withName(canary.getMetadata().getName())
                .withNamespace(canary.getMetadata().getNamespace()).build());
        patch.setStatus(status);
        return patch;
    }

    private static boolean sameStatus(CanaryStatus a, CanaryStatus b) {
        return a != null && Objects.equals(Serialization.asJson(a), Serialization.asJson(b));
    }
}
