package dev.aegis.canary.notify;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.NotificationProvider;
import dev.aegis.canary.api.NotificationProviderSpec;
import dev.aegis.canary.api.NotificationProviderSpec.ProviderType;
import dev.aegis.canary.api.NotificationRef;
import dev.aegis.canary.api.Severity;
import dev.aegis.canary.config.AegisConfig;
import dev.aegis.canary.config.Secrets;
import dev.aegis.canary.rollout.Durations;
import dev.aegis.canary.rollout.RolloutEvent;
import dev.aegis.canary.rollout.SpecValidator;

/**
 * Delivers notifications to the providers a Canary subscribes to, in the background: {@link #send} only queues, so a
 * slow or failing receiver never holds a reconcile. Retries with exponential backoff on 429, 5xx and network errors;
 * a message that cannot be delivered is logged and recorded as a Warning Event on the Canary, never anything more.
 */
@ApplicationScoped
public class Notifier {

    private static final Logger LOG = Logger.getLogger(Notifier.class);
    private static final Duration MAX_RETRY_AFTER = Duration.ofMinutes(2);

    private final KubernetesClient client;
    private final KubernetesEvents events;
    private final MeterRegistry registry;
    private final AegisConfig.Notify config;
    private final ScheduledExecutorService scheduler;
    private final HttpClient http;
    private final AtomicInteger pending = new AtomicInteger();
    /** Per receiver and Canary, the last message queued: the next one starts when it is done. */
    private final Map<String, CompletableFuture<Void>> queues = new ConcurrentHashMap<>();

    public Notifier(KubernetesClient client, KubernetesEvents events, MeterRegistry registry, AegisConfig config) {
        this.client = client;
        this.events = events;
        this.registry = registry;
        this.config = config.notifications();
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "aegis-notify");
            t.setDaemon(true);
            return t;
        });
        this.http = HttpClient.newBuilder().connectTimeout(this.config.timeout()).build();
    }

    @PreDestroy
    void stop() {
        scheduler.shutdownNow();
    }

    /** Messages queued or being retried: for tests and the soak benchmark. */
    public int pending() {
        return pending.get();
    }

    /** A provider a Canary subscribes to, and the field that names it (for messages). */
    record Subscription(String namespace, String provider, Severity severity, String field) {
    }

    /** Queues the notification for every provider the Canary subscribes to at its severity. Returns at once. */
    public void send(Canary canary, Notification n) {
        for (Subscription s : subscriptions(canary, config.defaultProvider(), config.defaultSeverity())) {
            if (!n.severity().reaches(s.severity())) {
                continue;
            }
            if (pending.incrementAndGet() > config.maxPending()) {
                pending.decrementAndGet();
                count("aegis.notifications.dropped", s, "unknown");
                LOG.warnf("%s/%s: notification %s to %s dropped: %d already waiting", n.namespace(), n.name(),
                        n.id(), s.provider(), config.maxPending());
                continue;
            }
            // One receiver hears one Canary's news in order: a message waits for the one before it (delivered or
            // given up), so a retried "started" never arrives after "promoted".
            String key = s.namespace() + "/" + s.provider() + "/" + n.namespace() + "/" + n.name();
            CompletableFuture<Void> done = new CompletableFuture<>();
            CompletableFuture<Void> previous = queues.put(key, done);
            Runnable start = () -> {
                try {
                    scheduler.execute(() -> deliver(canary, n, s, done));
                } catch (RejectedExecutionException e) {
                    if (done.complete(null)) {
                        pending.decrementAndGet(); // shutting down
                    }
                }
            };
            if (previous == null) {
                start.run();
            } else {
                previous.whenComplete((ok, error) -> start.run());
            }
            done.whenComplete((ok, error) -> queues.remove(key, done));
        }
    }

    /** The Canary's own providers, or the controller's default provider for a Canary that lists none. */
    static List<Subscription> subscriptions(Canary canary, Optional<String> defaultProvider,
            Severity defaultSeverity) {
        List<NotificationRef> refs = canary.getSpec() == null ? null : canary.getSpec().getNotifications();
        List<Subscription> out = new ArrayList<>();
        if (refs == null || refs.isEmpty()) {
            defaultProvider.filter(ref -> !ref.isBlank()).ifPresent(ref -> {
                int slash = ref.indexOf('/');
                out.add(slash < 0
                        ? new Subscription(canary.getMetadata().getNamespace(), ref.trim(), defaultSeverity,
                                "aegis.notify.default-provider")
                        : new Subscription(ref.substring(0, slash).trim(), ref.substring(slash + 1).trim(),
                                defaultSeverity, "aegis.notify.default-provider"));
            });
            return out;
        }
        for (int i = 0; i < refs.size(); i++) {
            NotificationRef r = refs.get(i);
            if (r.getProviderRef() != null && r.getProviderRef().getName() != null) {
                out.add(new Subscription(canary.getMetadata().getNamespace(), r.getProviderRef().getName(),
                        r.getSeverity() == null ? Severity.info : r.getSeverity(),
                        "spec.notifications[" + i + "].providerRef.name"));
            }
        }
        return out;
    }

    /** What one delivery needs, read from the API server at its first attempt. */
    private record Prepared(ProviderType type, URI address, String body, String signature, Duration timeout) {
    }

    private void deliver(Canary canary, Notification n, Subscription s, CompletableFuture<Void> done) {
        Prepared p;
        try {
            p = prepare(n, s);
        } catch (IllegalArgumentException | KubernetesClientException e) {
            fail(canary, n, s, e.getMessage(), null, done);
            return;
        } catch (RuntimeException e) {
            fail(canary, n, s, "unexpected " + e.getClass().getSimpleName(), null, done);
            return;
        }
        attempt(canary, n, s, p, 1, done);
    }

    /** Every way out completes {@code done}: a message that is lost silently would hold its receiver's queue. */
    private void attempt(Canary canary, Notification n, Subscription s, Prepared p, int attempt,
            CompletableFuture<Void> done) {
        try {
            send(canary, n, s, p, attempt, done);
        } catch (RuntimeException e) {
            fail(canary, n, s, "unexpected " + e.getClass().getSimpleName(), p.type(), done);
        }
    }

    private void send(Canary canary, Notification n, Subscription s, Prepared p, int attempt,
            CompletableFuture<Void> done) {
        HttpRequest.Builder request = HttpRequest.newBuilder(p.address())
                .timeout(p.timeout())
                .header("Content-Type", "application/json")
                .header("User-Agent", "aegis-canary")
                .POST(HttpRequest.BodyPublishers.ofString(p.body(), StandardCharsets.UTF_8));
        if (p.type() == ProviderType.webhook) {
            request.header("X-Aegis-Event-Id", n.id());
        }
        if (p.signature() != null) {
            request.header(Signature.HEADER, p.signature());
        }
        CompletableFuture<HttpResponse<Void>> exchange = http.sendAsync(request.build(),
                HttpResponse.BodyHandlers.discarding());
        // The request timeout ends once headers arrive; a receiver that stalls in its body is cut off here.
        CompletableFuture.delayedExecutor(p.timeout().toMillis() + 1000, TimeUnit.MILLISECONDS)
                .execute(() -> exchange.cancel(true));
        exchange.whenComplete((response, error) -> {
            try {
                answered(canary, n, s, p, attempt, done, response, error);
            } catch (RuntimeException e) {
                fail(canary, n, s, "unexpected " + e.getClass().getSimpleName(), p.type(), done);
            }
        });
    }

    private void answered(Canary canary, Notification n, Subscription s, Prepared p, int attempt,
            CompletableFuture<Void> done, HttpResponse<Void> response, Throwable error) {
        String problem;
        Duration retryAfter = null;
        boolean retry;
        if (error != null) {
            Throwable cause = error instanceof CompletionException && error.getCause() != null
                    ? error.getCause()
                    : error;
            problem = cause instanceof java.util.concurrent.CancellationException
                    ? "no complete answer within " + Durations.format(p.timeout())
                    : cause.getClass().getSimpleName()
                            + (cause.getMessage() == null ? "" : ": " + redact(cause.getMessage(), p.address()));
            retry = true;
        } else if (response.statusCode() / 100 == 2) {
            if (done.complete(null)) {
                pending.decrementAndGet();
                count("aegis.notifications.sent", s, p.type().name());
                LOG.debugf("%s/%s: %s notification %s delivered to %s (attempt %d)", n.namespace(), n.name(),
                        n.phase(), n.id(), s.provider(), attempt);
            }
            return;
        } else {
            problem = "HTTP " + response.statusCode();
            retry = response.statusCode() == 429 || response.statusCode() >= 500;
            retryAfter = response.headers().firstValue("Retry-After").flatMap(Notifier::seconds).orElse(null);
        }
        if (!retry || attempt >= config.maxAttempts()) {
            fail(canary, n, s, problem + (attempt > 1 ? " (after " + attempt + " attempts)" : ""), p.type(),
                    done);
            return;
        }
        Duration wait = retryAfter != null ? retryAfter : backoff(attempt);
        LOG.infof("%s/%s: notification to %s failed (%s); attempt %d of %d in %s", n.namespace(), n.name(),
                s.provider(), problem, attempt + 1, config.maxAttempts(), Durations.format(wait));
        try {
            scheduler.schedule(() -> attempt(canary, n, s, p, attempt + 1, done), wait.toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            if (done.complete(null)) {
                pending.decrementAndGet(); // shutting down
            }
        }
    }

    /** 1 s, 2 s, 4 s, ... up to the configured maximum. */
    private Duration backoff(int attempt) {
        Duration d = config.initialBackoff().multipliedBy(1L << Math.min(attempt - 1, 20));
        return d.compareTo(config.maxBackoff()) > 0 ? config.maxBackoff() : d;
    }

    private static Optional<Duration> seconds(String retryAfter) {
        try {
            Duration d = Duration.ofSeconds(Long.parseLong(retryAfter.trim()));
            return Optional.of(d.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : d);
        } catch (NumberFormatException e) {
            return Optional.empty(); // an HTTP date: the backoff is near enough
        }
    }

    /** Reads the provider and its Secret; the address and key never leave this method except in the request. */
    private Prepared prepare(Notification n, Subscription s) {
        NotificationProvider provider = client.resources(NotificationProvider.class).inNamespace(s.namespace())
                .withName(s.provider()).get();
        if (provider == null || provider.getSpec() == null) {
            throw new IllegalArgumentException(s.field() + ": NotificationProvider '" + s.provider()
                    + "' not found in namespace " + s.namespace());
        }
        NotificationProviderSpec spec = provider.getSpec();
        String where = "NotificationProvider " + s.namespace() + "/" + s.provider();
        if (spec.getType() == null) {
            throw new IllegalArgumentException(where + " spec.type: must be one of slack, msteams, discord, webhook");
        }
        if (spec.getSecretRef() == null || spec.getSecretRef().getName() == null) {
            throw new IllegalArgumentException(where + " spec.secretRef.name: required (the Secret holding the "
                    + "address)");
        }
        Secret secret = client.secrets().inNamespace(s.namespace()).withName(spec.getSecretRef().getName()).get();
        if (secret == null) {
            throw new IllegalArgumentException(where + " spec.secretRef: Secret " + s.namespace() + "/"
                    + spec.getSecretRef().getName() + " not found");
        }
        String address = Secrets.value(secret, "address");
        if (address == null || address.isBlank()) {
            throw new IllegalArgumentException(where + " spec.secretRef: Secret " + spec.getSecretRef().getName()
                    + " has no key 'address' (the URL to post to)");
        }
        URI uri = SpecValidator.httpUrl(address.trim()).orElseThrow(() -> new IllegalArgumentException(where
                + " spec.secretRef: key 'address' of Secret " + spec.getSecretRef().getName()
                + " is not an http(s) URL"));
        Duration timeout = config.timeout();
        if (spec.getTimeout() != null) {
            try {
                timeout = Durations.parse(spec.getTimeout());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + " spec.timeout: " + e.getMessage());
            }
            if (timeout.isZero() || timeout.compareTo(Duration.ofMinutes(1)) > 0) {
                throw new IllegalArgumentException(where + " spec.timeout must be more than 0 and at most 1m, got "
                        + spec.getTimeout());
            }
        }
        String cluster = spec.getCluster() == null ? config.clusterName() : spec.getCluster();
        String body = Payloads.render(n, new Payloads.Target(spec.getType(), cluster, spec.getChannel(),
                spec.getUsername()));
        String key = spec.getType() == ProviderType.webhook ? Secrets.value(secret, "hmacKey") : null;
        String signature = key == null || key.isEmpty()
                ? null
                : Signature.of(key, body.getBytes(StandardCharsets.UTF_8));
        return new Prepared(spec.getType(), uri, body, signature, timeout);
    }

    /** The address is a secret (Slack's URL is its credential): error texts that quote it lose it. */
    private static String redact(String text, URI address) {
        String out = text.replace(address.toString(), "<address>");
        String path = address.getRawPath();
        return path == null || path.length() < 2 ? out : out.replace(path, "<path>");
    }

    private void fail(Canary canary, Notification n, Subscription s, String problem, ProviderType type,
            CompletableFuture<Void> done) {
        if (!done.complete(null)) {
            return; // told already
        }
        pending.decrementAndGet();
        count("aegis.notifications.failed", s, type == null ? "unknown" : type.name());
        events.record(canary, RolloutEvent.warning("NotificationFailed", "the " + n.phase() + " notification to "
                + s.provider() + " was not delivered: " + problem));
    }

    private void count(String meter, Subscription s, String type) {
        Counter.builder(meter)
                .tags("namespace", s.namespace(), "provider", s.provider(), "type", type)
                .description(meter.endsWith("sent")
                        ? "Notifications delivered"
                        : meter.endsWith("dropped")
                                ? "Notifications dropped: too many waiting"
                                : "Notifications given up on after their retries")
                .register(registry).increment();
    }
}
