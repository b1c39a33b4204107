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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
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
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;

import dev.aegis.canary.analysis.Analysis;
import dev.aegis.canary.analysis.Analysis.Resolution;
import dev.aegis.canary.analysis.Judge;
import dev.aegis.canary.analysis.SequentialJudge;
import dev.aegis.canary.api.AnalysisTemplate;
import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanarySpec;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.ClusterAnalysisTemplate;
import dev.aegis.canary.api.HookType;
import dev.aegis.canary.api.MetricSpec;
import dev.aegis.canary.api.Phase;
import dev.aegis.canary.api.RouterType;
import dev.aegis.canary.api.TemplateRef.TemplateKind;
import dev.aegis.canary.api.WorkloadKind;
import dev.aegis.canary.config.AegisConfig;
import dev.aegis.canary.hooks.LifecycleHooks;
import dev.aegis.canary.notify.KubernetesEvents;
import dev.aegis.canary.notify.Notification;
import dev.aegis.canary.notify.Notifier;
import dev.aegis.canary.rollout.CheckOutcome;
import dev.aegis.canary.rollout.Decision;
import dev.aegis.canary.rollout.Durations;
import dev.aegis.canary.rollout.ManualRequest;
import dev.aegis.canary.rollout.RolloutEvent;
import dev.aegis.canary.rollout.RolloutPolicy;
import dev.aegis.canary.rollout.RolloutStateMachine;
import dev.aegis.canary.rollout.RouteStatus;
import dev.aegis.canary.rollout.SequentialPolicy;
import dev.aegis.canary.rollout.SpecValidator;
import dev.aegis.canary.rollout.TargetClaims;
import dev.aegis.canary.rollout.TrafficIntent;
import dev.aegis.canary.rollout.WorldView;
import dev.aegis.canary.workload.DaemonSetWorkloads;
import dev.aegis.canary.workload.Labels;
import dev.aegis.canary.workload.StatefulSetWorkloads;

/**
 * The thin part: reads the world, asks the state machine, applies its intent, patches status, reschedules. It never
 * waits; every reconcile takes one step.
 *
 * <p>
 * Each reconcile first applies the intent of the status it read ({@link TrafficIntent#of}), then decides, then
 * patches the status, and only then records Events and metrics. A new intent is thus recorded before anything acts
 * on it, and a controller restarted at any point carries on from the status.
 */
// Not generation-aware: a person's request is an annotation, which changes no generation (see CanaryUpdateFilter).
// The Canaries are listed in pages too (LIST_PAGE): a thousand of them, each with its status, are megabytes.
@ControllerConfiguration(name = CanaryReconciler.NAME, generationAwareEventProcessing = false, informer = @Informer(onUpdateFilter = CanaryUpdateFilter.class, informerListLimit = CanaryReconciler.LIST_PAGE), maxReconciliationInterval = @MaxReconciliationInterval(interval = 10, timeUnit = TimeUnit.MINUTES))
public class CanaryReconciler implements Reconciler<Canary>, Cleaner<Canary> {

    public static final String NAME = "canary";

    private static final Logger LOG = Logger.getLogger(CanaryReconciler.class);
    static final String TARGET_INDEX = "target";
    /**
     * The informers list in pages of this many objects, as client-go's reflectors do. In one piece, the first list of
     * 10,000 nodes is one response held whole before the store prunes any node: on a real API server with 10,000
     * kwok nodes it ran the controller's 256 MiB heap out of memory at startup.
     */
    static final long LIST_PAGE = 500;
    private static final String TEMPLATE_INDEX = "template";
    private static final String KIND_INDEX = "kind";
    private static final String CLUSTER_SCOPE = "<cluster>";

    private final Workloads workloads;
    private final Analysis analysis;
    private final KubernetesEvents events;
    private final Notifier notifier;
    private final LifecycleHooks hooks;
    private final CanaryMetrics metrics;
    private final AegisConfig config;
    private final RolloutStateMachine machine;
    private final Clock clock = Clock.systemUTC();
    /** The last write the API server refused, per Canary, so the same refusal is reported once. */
    private final Map<String, String> applyFailures = new ConcurrentHashMap<>();
    /** When each Canary being deleted last made progress giving back to the primary. */
    private final Map<String, Instant> releaseProgress = new ConcurrentHashMap<>();
    /** When this controller last wrote each Canary's status, by uid (StatusWrites). */
    private final Map<String, Instant> lastStatusWrites = new ConcurrentHashMap<>();

    public CanaryReconciler(Workloads workloads, Analysis analysis, KubernetesEvents events, Notifier notifier,
            LifecycleHooks hooks, CanaryMetrics metrics, AegisConfig config) {
        this.hooks = hooks;
        this.workloads = workloads;
        this.analysis = analysis;
        this.events = events;
        this.notifier = notifier;
        this.metrics = metrics;
        this.config = config;
        this.machine = new RolloutStateMachine(config.reconcile().pollInterval(), config.reconcile().idleResync());
    }

    @Override
    public List<EventSource<?, Canary>> prepareEventSources(EventSourceContext<Canary> context) {
        context.getPrimaryCache().addIndexer(TARGET_INDEX, c -> c.getSpec() == null
                || c.getSpec().getTargetRef() == null
                        ? List.of()
                        : List.of(key(c.getMetadata().getNamespace(), c.getSpec().getTargetRef().getName())));
        context.getPrimaryCache().addIndexer(TEMPLATE_INDEX, CanaryReconciler::templateKeys);
        context.getPrimaryCache().addIndexer(KIND_INDEX, c -> c.getSpec() == null || c.getSpec().getTargetRef() == null
                || c.getSpec().getTargetRef().getKind() == null
                        ? List.of()
                        : List.of(c.getSpec().getTargetRef().getKind().name()));

        // the namespaced informers' stores of ours only where the SDK runs one informer per kind (see ifOneInformer)
        Set<String> watched = context.getControllerConfiguration().getInformerConfig().getNamespaces();
        var deployments = InformerEventSourceConfiguration.from(Deployment.class, Canary.class)
                .withName(Cache.DEPLOYMENTS)
                .withItemStore(PrunedStore.ifOneInformer(watched, PrunedStore::withoutManagedFields))
                .withSecondaryToPrimaryMapper(ownerOrTarget(context))
                .withInformerListLimit(LIST_PAGE)
                .build();
        var daemonSets = InformerEventSourceConfiguration.from(DaemonSet.class, Canary.class)
                .withName(Cache.DAEMONSETS)
                .withItemStore(PrunedStore.ifOneInformer(watched, PrunedStore::withoutManagedFields))
                .withSecondaryToPrimaryMapper(ownerOrTarget(context))
                .withInformerListLimit(LIST_PAGE)
                .build();
        var statefulSets = InformerEventSourceConfiguration.from(StatefulSet.class, Canary.class)
                .withName(Cache.STATEFULSETS)
                .withSecondaryToPrimaryMapper(ownerOrTarget(context))
                .withInformerListLimit(LIST_PAGE)
                .build();
        // A node that joins, leaves, changes labels or taints, or goes NotReady concerns every DaemonSet Canary.
        var nodes = InformerEventSourceConfiguration.from(Node.class, Canary.class)
                .withName(Cache.NODES)
                .withWatchAllNamespaces()
                .withItemStore(PrunedStore.nodes())
                .withOnUpdateFilter((now, before) -> !Objects.equals(now.getMetadata().getLabels(),
                        before.getMetadata().getLabels())
                        || !Objects.equals(now.getSpec(), before.getSpec())
                        || DaemonSetWorkloads.isReady(now) != DaemonSetWorkloads.isReady(before))
                .withSecondaryToPrimaryMapper(n -> context.getPrimaryCache().byIndex(KIND_INDEX,
                        WorkloadKind.DaemonSet.name()).stream().map(ResourceID::fromResource)
                        .collect(Collectors.toSet()))
                .withInformerListLimit(LIST_PAGE)
                .build();
        // The pods of node-by-node rollouts (both DaemonSets' templates carry the label): which version runs, and is
        // ready, on which node. A pod concerns the Canary of the DaemonSet that owns it.
        var pods = InformerEventSourceConfiguration.from(Pod.class, Canary.class)
                .withName(Cache.PODS)
                .withLabelSelector(Labels.NODE_ROLLOUT + "=" + Labels.NODE_ROLLOUT_VALUE)
                .withItemStore(PrunedStore.ifOneInformer(watched, PrunedStore::pods))
                .withOnUpdateFilter(CanaryReconciler::podChanged)
                .withSecondaryToPrimaryMapper(p -> {
                    Set<ResourceID> ids = new HashSet<>();
                    for (String owner : Cache.podOwnerKeys(p)) {
                        String target = owner.endsWith(DaemonSetWorkloads.PRIMARY_SUFFIX)
                                ? owner.substring(0, owner.length() - DaemonSetWorkloads.PRIMARY_SUFFIX.length())
                                : owner;
                        context.getPrimaryCache().byIndex(TARGET_INDEX, target)
                                .forEach(c -> ids.add(ResourceID.fromResource(c)));
                    }
                    return ids;
                })
                .withInformerListLimit(LIST_PAGE)
                .build();
        // The pods of StatefulSets: which revision each ordinal runs, and whether it is ready. A pod concerns the
        // Canary that targets its StatefulSet.
        var statefulSetPods = InformerEventSourceConfiguration.from(Pod.class, Canary.class)
                .withName(Cache.STATEFULSET_PODS)
                .withLabelSelector(StatefulSetWorkloads.POD_NAME)
                .withItemStore(PrunedStore.ifOneInformer(watched, PrunedStore::pods))
                .withOnUpdateFilter(CanaryReconciler::podChanged)
                .withSecondaryToPrimaryMapper(p -> Cache.podOwnerKeys(p).stream()
                        .flatMap(owner -> context.getPrimaryCache().byIndex(TARGET_INDEX, owner).stream())
                        .map(ResourceID::fromResource).collect(Collectors.toSet()))
                .withInformerListLimit(LIST_PAGE)
                .build();
        var ownedServices = InformerEventSourceConfiguration.from(Service.class, Canary.class)
                .withName(Cache.SERVICES)
                .withLabelSelector(Labels.MANAGED_BY + "=" + Labels.MANAGED_BY_VALUE)
                .withItemStore(PrunedStore.ifOneInformer(watched, PrunedStore::withoutManagedFields))
                .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(Canary.class))
                .withInformerListLimit(LIST_PAGE)
                .build();
        var templates = InformerEventSourceConfiguration.from(AnalysisTemplate.class, Canary.class)
                .withName(Cache.TEMPLATES)
                .withItemStore(PrunedStore.ifOneInformer(watched, PrunedStore::withoutManagedFields))
                .withSecondaryToPrimaryMapper(t -> context.getPrimaryCache()
                        .byIndex(TEMPLATE_INDEX, key(t.getMetadata().getNamespace(), t.getMetadata().getName()))
                        .stream().map(ResourceID::fromResource).collect(Collectors.toSet()))
                .withInformerListLimit(LIST_PAGE)
                .build();
        var clusterTemplates = InformerEventSourceConfiguration.from(ClusterAnalysisTemplate.class, Canary.class)
                .withName(Cache.CLUSTER_TEMPLATES)
                .withWatchAllNamespaces()
                .withItemStore(PrunedStore.withoutManagedFields())
                .withSecondaryToPrimaryMapper(t -> context.getPrimaryCache()
                        .byIndex(TEMPLATE_INDEX, key(CLUSTER_SCOPE, t.getMetadata().getName()))
                        .stream().map(ResourceID::fromResource).collect(Collectors.toSet()))
                .withInformerListLimit(LIST_PAGE)
                .build();
        var podSource = new InformerEventSource<>(pods, context);
        podSource.addIndexers(Map.of(Cache.POD_OWNER_INDEX, Cache::podOwnerKeys));
        var statefulSetPodSource = new InformerEventSource<>(statefulSetPods, context);
        statefulSetPodSource.addIndexers(Map.of(Cache.POD_OWNER_INDEX, Cache::podOwnerKeys));
        return List.of(new InformerEventSource<>(deployments, context),
                new InformerEventSource<>(daemonSets, context),
                new InformerEventSource<>(statefulSets, context),
                statefulSetPodSource,
                new InformerEventSource<>(nodes, context),
                podSource,
                new InformerEventSource<>(ownedServices, context),
                new InformerEventSource<>(templates, context),
                new InformerEventSource<>(clusterTemplates, context));
    }

    /** What a rollout reads of a pod changed: its deletion, labels (revision), or conditions (readiness). */
    private static boolean podChanged(Pod now, Pod before) {
        return !Objects.equals(now.getMetadata().getDeletionTimestamp(), before.getMetadata().getDeletionTimestamp())
                || !Objects.equals(now.getMetadata().getLabels(), before.getMetadata().getLabels())
                || !Objects.equals(now.getStatus() == null ? null : now.getStatus().getConditions(),
                        before.getStatus() == null ? null : before.getStatus().getConditions());
    }

    /** A workload event concerns the Canary that owns it (a primary) and every Canary that targets it. */
    private static <R extends HasMetadata> SecondaryToPrimaryMapper<R> ownerOrTarget(
            EventSourceContext<Canary> context) {
        return r -> {
            Set<ResourceID> ids = new HashSet<>(Mappers.<R>fromOwnerReferences(Canary.class).toPrimaryResourceIDs(r));
            context.getPrimaryCache()
                    .byIndex(TARGET_INDEX, key(r.getMetadata().getNamespace(), r.getMetadata().getName()))
                    .forEach(c -> ids.add(ResourceID.fromResource(c)));
            return ids;
        };
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
            Step step = decide(canary, new Cache(context));
            Decision decision = step.decision();
            String uid = canary.getMetadata().getUid();
            Duration due = StatusWrites.due(before, decision.status(), lastStatusWrites.get(uid), started,
                    progressDeadline(canary), !step.events().isEmpty());
            if (due != null && due.isZero()) {
                writeStatus(canary, decision.status(), context);
                lastStatusWrites.put(uid, started);
            }
            // Only once the status is stored: a refused patch is retried, and nothing is told twice.
            step.events().forEach(e -> events.record(canary, e));
            Notification.between(subject(canary, step.steps()), before, decision.status(), step.images(),
                    clock.instant()).ifPresent(n -> notifier.send(canary, n));
            if (endsRun(before, decision.status())) {
                hooks.postRollout(canary, decision.status(), step.steps());
            }
            countOutcomes(namespace, name, before, decision.status());
            metrics.recordStatus(namespace, name, decision.status());
            if (step.check() != null) {
                metrics.recordAnalysis(namespace, name, step.check().results());
            }
            if (step.request() != null) {
                removeRequest(canary, context, step.request());
            }
            Duration requeue = decision.requeueAfter();
            if (!TrafficIntent.of(decision.status()).equals(TrafficIntent.of(before))) {
                requeue = Duration.ZERO; // the new intent is applied by the next reconcile, at once
            } else if (!step.route().reached() && requeue.compareTo(config.reconcile().pollInterval()) > 0) {
                requeue = config.reconcile().pollInterval(); // the world is still moving towards the intent
            }
            if (due != null && !due.isZero() && due.compareTo(requeue) < 0) {
                requeue = due; // progress held back is written once its gap has passed
            }
            return UpdateControl.<Canary>noUpdate().rescheduleAfter(requeue);
        } finally {
            metrics.recordReconcile(namespace, name, Duration.between(started, clock.instant()));
        }
    }

    /**
     * One reconcile's outcome: the decision, everything to tell, what the world looked like, and for notifications
     * the number of steps and the images (0 and null when the spec or the target could not be read).
     */
    private record Step(Decision decision, List<RolloutEvent> events, RouteStatus route, CheckOutcome check,
            int steps, Notification.Images images, ManualRequest request) {

        static Step of(Decision decision) {
            return new Step(decision, decision.events(), RouteStatus.reached(0, 0, 0, RouteStatus.Unit.PODS), null,
                    0, null, null);
        }
    }

    /** A run ended in this reconcile: promoted, or rolled back. */
    private static boolean endsRun(CanaryStatus before, CanaryStatus after) {
        Phase was = before == null ? null : before.getPhase();
        return was != after.getPhase() && (was != null && (was.isRunning() || was == Phase.Failed))
                && (after.getPhase() == Phase.Succeeded || after.getPhase() == Phase.RolledBack);
    }

    /**
     * The request is done once its outcome is in the status; the annotation goes, unless someone wrote another one
     * since (the patch tests the value it removes). Through the primary's cache, so the next reconcile sees it gone.
     */
    private static void removeRequest(Canary canary, Context<Canary> context, ManualRequest request) {
        // Who asked goes with the request, so a later request without it is not credited to them.
        String by = canary.getMetadata().getAnnotations().get(ManualRequest.BY_ANNOTATION);
        String id = canary.getMetadata().getAnnotations().get(ManualRequest.ID_ANNOTATION);
        String patch = "[" + testAndRemove(ManualRequest.ANNOTATION, request.raw())
                + (by == null ? "" : "," + testAndRemove(ManualRequest.BY_ANNOTATION, by))
                + (id == null ? "" : "," + testAndRemove(ManualRequest.ID_ANNOTATION, id)) + "]";
        try {
            context.resourceOperations().resourcePatch(canary, c -> context.getClient().resources(Canary.class)
                    .inNamespace(c.getMetadata().getNamespace()).withName(c.getMetadata().getName())
                    .patch(PatchContext.of(PatchType.JSON), patch),
                    context.eventSourceRetriever().getControllerEventSource());
        } catch (KubernetesClientException e) {
            if (e.getCode() != 422) {
                throw e; // retried with backoff; the request is not acted on twice (see RolloutStateMachine#request)
            }
            // 422: the value changed (a new request) or it is gone already; either way nothing to remove.
            LOG.debugf("%s/%s: request annotation not removed: %s", canary.getMetadata().getNamespace(),
                    canary.getMetadata().getName(), e.getMessage());
        }
    }

    private static String testAndRemove(String annotation, String value) {
        String path = "/metadata/annotations/" + annotation.replace("~", "~0").replace("/", "~1");
        return "{\"op\":\"test\",\"path\":\"" + path + "\",\"value\":" + Serialization.asJson(value)
                + "},{\"op\":\"remove\",\"path\":\"" + path + "\"}";
    }

    private static Notification.Subject subject(Canary canary, int steps) {
        CanarySpec spec = spec(canary);
        return new Notification.Subject(canary.getMetadata().getUid(), canary.getMetadata().getNamespace(),
                canary.getMetadata().getName(),
                spec.getTargetRef() == null || spec.getTargetRef().getKind() == null
                        ? null
                        : spec.getTargetRef().getKind().name(),
                spec.getTargetRef() == null ? null : spec.getTargetRef().getName(), steps);
    }

    private Step decide(Canary canary, Cache cache) {
        Instant now = clock.instant();
        CanarySpec spec = canary.getSpec();
        long generation = Optional.ofNullable(canary.getMetadata().getGeneration()).orElse(0L);
        CanaryStatus status = canary.getStatus();
        if (spec != null && spec.isSuspend()) {
            return Step.of(machine.suspended(generation, status, now));
        }

        // 1. Validate: the spec alone, then against the templates and the target.
        String namespace = canary.getMetadata().getNamespace();
        SpecValidator.Result validation = SpecValidator.validate(spec, namespace, AegisConfig.rolloutDefaults(
                config));
        if (!validation.valid()) {
            return invalid(canary, cache, generation, status, validation.message(), now);
        }
        Optional<String> taken = takenBy(canary, cache);
        if (taken.isPresent()) {
            return invalid(canary, cache, generation, status, taken.get(), now);
        }
        RolloutPolicy policy = validation.policy();
        Resolution resolution = analysis.resolve(canary, policy.interval(), ref -> cache.template(namespace, ref),
                SpecValidator.routerOf(spec) == RouterType.NODES);
        if (!resolution.errors().isEmpty()) {
            return invalid(canary, cache, generation, status, String.join("; ", resolution.errors()), now);
        }
        if (!resolution.metrics().isEmpty()) {
            // Queries look over at least a few scrapes, however short the interval between looks.
            policy = policy.withScrapeInterval(analysis.scrapeInterval(canary, resolution.metrics()));
        }
        Workloads.Found found = workloads.find(canary, status, cache);
        if (found.problem() != null) {
            return invalid(canary, cache, generation, status, found.problem(), now);
        }
        Workload workload = found.workload();

        // 2. Apply the intent of the status as read.
        List<RolloutEvent> told = new ArrayList<>();
        TrafficIntent intent = TrafficIntent.of(status);
        if (workload.primaryRevision() == null && intent.kind() != TrafficIntent.Kind.INITIALIZE) {
            told.add(RolloutEvent.warning("PrimaryMissing", primaryMissing(workload, status)));
            status = null;
            intent = TrafficIntent.of(null);
        }
        RouteStatus route = apply(canary, workload, intent, status, told);

        // 3. Observe, check when due, decide.
        WorldView world = new WorldView(workload.targetRevision(), workload.gitReplicas(), workload.primaryRevision(),
                workload.primaryReady(intent, route), workload.primaryStatus(), route);
        if (LifecycleHooks.has(canary, HookType.CONFIRM_ROLLOUT)
                && RolloutStateMachine.wouldStartRun(status, workload.targetRevision(), workload.primaryRevision())) {
            world = world.withConfirmRollout(hooks.confirm(canary, HookType.CONFIRM_ROLLOUT, status,
                    workload.targetRevision(), policy.stepCount()));
        }
        Optional<ManualRequest> request = ManualRequest.from(canary.getMetadata().getAnnotations());
        if (request.isPresent() && status != null && status.getPhase() != null
                && !RolloutStateMachine.isRepeat(status, request.get(), now)) {
            // A person's request takes this reconcile; a check due now runs in the next one.
            Decision decision = machine.request(generation, policy, status, world, request.get(), now);
            told.addAll(decision.events());
            return new Step(decision, told, route, null, policy.stepCount(), workload.images(), request.get());
        }
        CheckOutcome check = null;
        if (machine.isCheckDue(policy, status, world, now)) {
            String revision = status.getCanaryRevision();
            check = analysis.run(canary, policy.window(), resolution.metrics(), workload.podScope(revision),
                    Analysis.lastBaselines(status), look(policy, status, resolution, now), now);
            check = hooks.around(canary, policy, status, check, now);
        }
        Decision decision = machine.next(generation, policy, status, world, check, now);
        told.addAll(decision.events());
        // A repeat of the request just acted on: its annotation is removed again.
        CanaryStatus read = status;
        return new Step(decision, told, route, check, policy.stepCount(), workload.images(), request
                .filter(r -> read != null && RolloutStateMachine.isRepeat(read, r, now)).orElse(null));
    }

    /** Why this Canary may not act on its target: another Canary, created first, holds it. */
    private static Optional<String> takenBy(Canary canary, Cache cache) {
        String namespace = canary.getMetadata().getNamespace();
        TargetClaims.Claim mine = claim(canary);
        List<TargetClaims.Claim> claims = cache.canariesNaming(namespace, mine.target()).stream()
                // One being deleted still holds its target until it has given it back.
                .filter(c -> c.getSpec() != null && c.getSpec().getTargetRef() != null
                        && c.getSpec().getTargetRef().getKind() != null)
                .map(CanaryReconciler::claim)
                .toList();
        return TargetClaims.heldBy(mine, claims).map(holder -> TargetClaims.problem(mine, holder));
    }

    private static TargetClaims.Claim claim(Canary c) {
        String created = c.getMetadata().getCreationTimestamp();
        return new TargetClaims.Claim(c.getMetadata().getName(), created == null ? null : Instant.parse(created),
                c.getSpec().getTargetRef().getKind(), c.getSpec().getTargetRef().getName());
    }

    /** What the sequential judge needs at this check; null with the threshold judge. */
    private static Judge.Look look(RolloutPolicy policy, CanaryStatus status, Analysis.Resolution resolution,
            Instant now) {
        SequentialPolicy p = policy.sequential();
        if (p == null) {
            return null;
        }
        int compared = (int) resolution.metrics().stream().filter(Analysis.ResolvedMetric::counts).count();
        Duration watched = Duration.between(Instant.parse(status.getStepReadyAt()), now);
        return new Judge.Look(new SequentialJudge.Settings(p.marginPoints() / 100, p.alphaPerTest(
                status.getStepIndex() == null ? 0 : status.getStepIndex(), policy.stepCount(), compared),
                p.minSamples()), p.confidence(), watched, p.maxDwell());
    }

    /**
     * Applies the intent; a write the API server refuses holds the step (deadlines keep running) and is told once. A
     * conflict (409) is told to nobody: the next look, within the poll interval, reads the world again.
     */
    private RouteStatus apply(Canary canary, Workload workload, TrafficIntent intent, CanaryStatus status,
            List<RolloutEvent> told) {
        String key = key(canary.getMetadata().getNamespace(), canary.getMetadata().getName());
        try {
            RouteStatus route = workload.apply(intent, status, told);
            applyFailures.remove(key);
            return route;
        } catch (KubernetesClientException e) {
            String reason = "the API server refused a write (HTTP " + e.getCode() + "): " + e.getMessage();
            if (e.getCode() == 409) {
                // Another writer changed the object since it was read: not a failure; the next look reads it again.
                LOG.debugf("%s: apply of %s met a conflict; read again at the next look: %s", key, intent,
                        e.getMessage());
                return workload.current("another writer changed an object; reading it again");
            }
            if (!reason.equals(applyFailures.put(key, reason))) {
                told.add(RolloutEvent.warning("ApplyFailed", reason));
            }
            LOG.debugf(e, "%s: apply of %s failed", key, intent);
            return workload.current("a write the API server refused: " + e.getMessage());
        }
    }

    private static String primaryMissing(Workload workload, CanaryStatus status) {
        String was = status == null ? null : status.getStableRevision();
        String from = "the primary is missing; re-initializing it from the target (revision "
                + workload.targetRevision() + ")";
        if (was == null || was.equals(workload.targetRevision())) {
            return from;
        }
        return from + ", which is not the stable revision " + was + " and was not promoted: the stable template "
                + "was lost with the primary";
    }

    /**
     * The Canary cannot be acted on: phase Invalid with the reason. Nothing is created or changed, except that a
     * run in progress gives its traffic back to the primary: a split nobody can analyse must not stay.
     */
    private Step invalid(Canary canary, Cache cache, long generation, CanaryStatus status, String message,
            Instant now) {
        Decision decision = machine.invalid(generation, status, message, now);
        if (TrafficIntent.of(decision.status()).kind() == TrafficIntent.Kind.STABLE
                && spec(canary).getTargetRef() != null && spec(canary).getTargetRef().getKind() != null) {
            try {
                workloads.giveBackToPrimary(canary, status, cache);
            } catch (RuntimeException e) {
                LOG.warnf("%s/%s: could not give traffic back to the primary: %s", canary.getMetadata()
                        .getNamespace(), canary.getMetadata().getName(), e.getMessage());
            }
        }
        return Step.of(decision);
    }

    private static CanarySpec spec(Canary canary) {
        return canary.getSpec() == null ? new CanarySpec() : canary.getSpec();
    }

    /**
     * Writes the status on the version of the Canary read. Refused (409) because another writer changed only metadata
     * the decision did not read ({@link StatusWrites#writesThrough}), it is written on the version read now, at most
     * {@value #STATUS_WRITE_ATTEMPTS} times in all; otherwise the conflict goes to the Operator SDK's retry, and the
     * next reconcile decides again.
     */
    private void writeStatus(Canary canary, CanaryStatus status, Context<Canary> context) {
        Canary version = canary;
        for (int attempt = 1;; attempt++) {
            try {
                context.resourceOperations().jsonPatchPrimaryStatus(version, c -> {
                    c.setStatus(status);
                    return c;
                });
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == STATUS_WRITE_ATTEMPTS) {
                    throw e;
                }
                Canary now = context.getClient().resources(Canary.class)
                        .inNamespace(canary.getMetadata().getNamespace()).withName(canary.getMetadata().getName())
                        .get();
                if (!StatusWrites.writesThrough(canary, now)) {
                    throw e;
                }
                LOG.debugf("%s/%s: status write met a conflict on metadata only; written on version %s",
                        canary.getMetadata().getNamespace(), canary.getMetadata().getName(),
                        now.getMetadata().getResourceVersion());
                version = now;
            }
        }
    }

    static final int STATUS_WRITE_ATTEMPTS = 3;

    /** A reconcile that keeps failing (the API server refuses a status patch, say) is reported once it gives up. */
    @Override
    public ErrorStatusUpdateControl<Canary> updateErrorStatus(Canary canary, Context<Canary> context, Exception e) {
        if (context.getRetryInfo().map(RetryInfo::isLastAttempt).orElse(false)) {
            events.record(canary, RolloutEvent.warning("ReconcileFailed", "the controller could not act on this "
                    + "Canary and will try again later: " + e.getMessage()));
        }
        return ErrorStatusUpdateControl.defaultErrorProcessing();
    }

    /**
     * Canary deletion: the world goes back to one version, then the finalizer goes. A release that makes no progress
     * for progressDeadline (a pod that never becomes ready, a write always refused) is abandoned: the primary is
     * released rather than left to the garbage collector, the rest stays as it is, and people are told what is left.
     */
    @Override
    public DeleteControl cleanup(Canary canary, Context<Canary> context) {
        String namespace = canary.getMetadata().getNamespace();
        String name = canary.getMetadata().getName();
        String key = key(namespace, name);
        Cache cache = new Cache(context);
        RouteStatus release;
        try {
            release = workloads.release(canary, canary.getStatus(), cache);
        } catch (KubernetesClientException e) {
            release = RouteStatus.waiting(0, 0, 0, RouteStatus.Unit.PODS, "a write the API server refused: "
                    + e.getMessage());
        }
        if (!release.reached()) {
            Instant now = clock.instant();
            Instant deleted = Instant.parse(canary.getMetadata().getDeletionTimestamp());
            Instant since = release.progressed() ? now : releaseProgress.getOrDefault(key, deleted);
            releaseProgress.put(key, since);
            if (now.isBefore(since.plus(progressDeadline(canary)))) {
                return DeleteControl.noFinalizerRemoval().rescheduleAfter(config.reconcile().pollInterval());
            }
            String left = workloads.abandon(canary, cache);
            events.record(canary, RolloutEvent.warning("DeletedUnfinished", "Canary deleted; giving back to the "
                    + "primary made no progress for " + Durations.format(progressDeadline(canary)) + " ("
                    + release.waitingFor() + "). " + left));
        } else {
            boolean initialized = canary.getStatus() != null && canary.getStatus().getStableRevision() != null;
            events.record(canary, RolloutEvent.normal("Deleted", initialized
                    ? "Canary deleted; the primary serves alone and is no longer managed"
                    : "Canary deleted before its first initialization; the target serves as before"));
        }
        releaseProgress.remove(key);
        lastStatusWrites.remove(canary.getMetadata().getUid());
        metrics.forget(namespace, name);
        workloads.forget(canary);
        applyFailures.remove(key);
        return DeleteControl.defaultDelete();
    }

    private Duration progressDeadline(Canary canary) {
        try {
            return canary.getSpec() != null && canary.getSpec().getProgressDeadline() != null
                    ? Durations.parse(canary.getSpec().getProgressDeadline())
                    : config.analysis().defaultProgressDeadline();
        } catch (IllegalArgumentException e) {
            return config.analysis().defaultProgressDeadline();
        }
    }

    private void countOutcomes(String namespace, String name, CanaryStatus before, CanaryStatus after) {
        Phase was = before == null ? null : before.getPhase();
        if (after.getPhase() == was || Notification.isResume(before, after)) {
            return;
        }
        if (after.getPhase() == Phase.Succeeded) {
            metrics.countPromotion(namespace, name);
        } else if (after.getPhase() == Phase.RolledBack) {
            metrics.countRollback(namespace, name);
        }
    }

}
