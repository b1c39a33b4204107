package dev.aegis.canary.hooks;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.CheckResult;
import dev.aegis.canary.api.HookType;
import dev.aegis.canary.api.MetricResult;
import dev.aegis.canary.api.WebhookSpec;
import dev.aegis.canary.notify.KubernetesEvents;
import dev.aegis.canary.rollout.CheckOutcome;
import dev.aegis.canary.rollout.Durations;
import dev.aegis.canary.rollout.Gate;
import dev.aegis.canary.rollout.RolloutEvent;
import dev.aegis.canary.rollout.RolloutPolicy;

/**
 * Calls a Canary's lifecycle webhooks ({@code spec.webhooks}) and turns their answers into what the state machine
 * decides on: a gate, extra check results, a rollback. Gates and checks are asked within the reconcile, each bounded by
 * its timeout (like a Prometheus query); post-rollout is sent in the background.
 */
@ApplicationScoped
public class LifecycleHooks {

    private static final Logger LOG = Logger.getLogger(LifecycleHooks.class);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    /** The prefix of a webhook's entry in status.lastAnalysis, next to the metrics. */
    public static final String RESULT_PREFIX = "webhook ";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(DEFAULT_TIMEOUT).build();
    private final KubernetesEvents events;

    public LifecycleHooks(KubernetesEvents events) {
        this.events = events;
    }

    /** One call's answer: the HTTP status, or why there was none. */
    record Answer(int status, String problem) {

        boolean ok() {
            return problem == null && status / 100 == 2;
        }

        String describe(WebhookSpec hook) {
            return "webhook '" + hook.getName() + "' " + (problem != null ? problem : "answered HTTP " + status);
        }
    }

    public static boolean has(Canary canary, HookType type) {
        return !of(canary, type).isEmpty();
    }

    private static List<WebhookSpec> of(Canary canary, HookType type) {
        List<WebhookSpec> hooks = canary.getSpec() == null ? null : canary.getSpec().getWebhooks();
        return hooks == null ? List.of() : hooks.stream().filter(h -> h.getType() == type).toList();
    }

    /** Asks every webhook of a gate type, in spec order; the gate is open when all answer 2xx. */
    public Gate confirm(Canary canary, HookType type, CanaryStatus status, String revision, int steps) {
        for (WebhookSpec hook : of(canary, type)) {
            Answer a = call(canary, hook, status, revision, steps);
            if (!a.ok()) {
                return Gate.closed(a.describe(hook));
            }
        }
        return Gate.opened();
    }

    /**
     * A check with the webhooks that go with it: pre-rollout (first step) and rollout hooks as results next to the
     * metrics (anything but 2xx fails the check); a rollback hook's 2xx; and, for a passing check, the gate of the
     * next move.
     */
    public CheckOutcome around(Canary canary, RolloutPolicy policy, CanaryStatus status, CheckOutcome check,
            Instant now) {
        String revision = status.getCanaryRevision();
        int steps = policy.stepCount();
        List<MetricResult> extra = new ArrayList<>();
        Stream<WebhookSpec> checking = status.getStepIndex() == 0
                ? Stream.concat(of(canary, HookType.PRE_ROLLOUT).stream(), of(canary, HookType.ROLLOUT).stream())
                : of(canary, HookType.ROLLOUT).stream();
        checking.forEach(hook -> {
            Answer a = call(canary, hook, status, revision, steps);
            extra.add(new MetricResult(RESULT_PREFIX + hook.getName(), a.problem() == null
                    ? (double) a.status()
                    : null, "2xx", a.ok() ? CheckResult.Pass : CheckResult.Fail, a.ok() ? null : a.problem(),
                    hook.getType().value() + " " + hook.getUrl(), now.truncatedTo(ChronoUnit.SECONDS).toString()));
        });
        CheckOutcome out = check;
        if (!extra.isEmpty()) {
            List<MetricResult> all = new ArrayList<>(check.results());
            all.addAll(extra);
            out = CheckOutcome.of(all);
        }
        for (WebhookSpec hook : of(canary, HookType.ROLLBACK)) {
            Answer a = call(canary, hook, status, revision, steps);
            if (a.ok()) {
                return out.withRollbackBy("rollback webhook '" + hook.getName() + "' answered HTTP " + a.status());
            }
        }
        if (out.verdict() == CheckOutcome.Verdict.PASS) {
            HookType gate = policy.isLastStep(status.getStepIndex())
                    ? HookType.CONFIRM_PROMOTION
                    : HookType.CONFIRM_TRAFFIC_INCREASE;
            if (has(canary, gate)) {
                out = out.withGate(confirm(canary, gate, status, revision, steps));
            }
        }
        return out;
    }

    /** The end of a run (promoted or rolled back): post-rollout hooks, in the background; a failure is only told. */
    public void postRollout(Canary canary, CanaryStatus status, int steps) {
        for (WebhookSpec hook : of(canary, HookType.POST_ROLLOUT)) {
            HttpRequest request = request(canary, hook, status, status.getCanaryRevision(), steps);
            CompletableFuture<HttpResponse<Void>> exchange = http.sendAsync(request,
                    HttpResponse.BodyHandlers.discarding());
            CompletableFuture.delayedExecutor(timeout(hook).toMillis() + 500, TimeUnit.MILLISECONDS)
                    .execute(() -> exchange.cancel(true));
            exchange.whenComplete((response, error) -> {
                Answer a = error != null
                        ? new Answer(0, problem(error, hook))
                        : new Answer(response.statusCode(),
                                null);
                if (!a.ok()) {
                    events.record(canary, RolloutEvent.warning("WebhookFailed", "post-rollout " + a.describe(hook)));
                }
            });
        }
    }

    private HttpRequest request(Canary canary, WebhookSpec hook, CanaryStatus status, String revision, int steps) {
        return HttpRequest.newBuilder(URI.create(hook.getUrl()))
                .timeout(timeout(hook))
                .header("Content-Type", "application/json")
                .header("User-Agent", "aegis-canary")
                .POST(HttpRequest.BodyPublishers.ofString(HookPayload.render(canary.getMetadata().getNamespace(),
                        canary.getMetadata().getName(), hook, status, revision, steps), StandardCharsets.UTF_8))
                .build();
    }

    /**
     * One call, bounded by the hook's timeout as a whole: the HTTP client's own timeout ends once headers arrive, so a
     * receiver that stalls in its body is cut off here rather than holding the reconcile.
     */
    private Answer call(Canary canary, WebhookSpec hook, CanaryStatus status, String revision, int steps) {
        CompletableFuture<HttpResponse<Void>> exchange = http.sendAsync(request(canary, hook, status, revision,
                steps), HttpResponse.BodyHandlers.discarding());
        try {
            HttpResponse<Void> response = exchange.get(timeout(hook).toMillis() + 500, TimeUnit.MILLISECONDS);
            LOG.debugf("%s/%s: %s webhook %s answered %d", canary.getMetadata().getNamespace(),
                    canary.getMetadata().getName(), hook.getType().value(), hook.getName(), response.statusCode());
            return new Answer(response.statusCode(), null);
        } catch (TimeoutException e) {
            exchange.cancel(true);
            return new Answer(0, "did not answer within " + Durations.format(timeout(hook)));
        } catch (ExecutionException e) {
            return new Answer(0, problem(e.getCause() == null ? e : e.getCause(), hook));
        } catch (InterruptedException e) {
            exchange.cancel(true);
            Thread.currentThread().interrupt();
            return new Answer(0, "was interrupted");
        }
    }

    private static String problem(Throwable error, WebhookSpec hook) {
        Throwable cause = error.getCause() != null && !(error instanceof IOException) ? error.getCause() : error;
        if (cause instanceof HttpTimeoutException || cause instanceof java.util.concurrent.CancellationException) {
            return "did not answer within " + Durations.format(timeout(hook));
        }
        return "could not be reached (" + cause.getClass().getSimpleName()
                + (cause.getMessage() == null ? "" : ": " + cause.getMessage()) + ")";
    }

    private static Duration timeout(WebhookSpec hook) {
        if (hook.getTimeout() == null) {
            return DEFAULT_TIMEOUT;
        }
        try {
            return Durations.parse(hook.getTimeout());
        } catch (IllegalArgumentException e) {
            return DEFAULT_TIMEOUT; // the validator names the field; never reached for a valid Canary
        }
    }
}
