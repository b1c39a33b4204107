package dev.aegis.canary.notify;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.rollout.RolloutEvent;

/**
 * Records rollout events as Kubernetes Events on the Canary (what {@code kubectl describe canary} shows) and in the
 * log. Best effort: a failed Event never fails a reconcile.
 */
@ApplicationScoped
public class KubernetesEvents {

    private static final Logger LOG = Logger.getLogger(KubernetesEvents.class);
    static final String COMPONENT = "aegis-canary";

    private final KubernetesClient client;
    private final AtomicLong sequence = new AtomicLong();

    public KubernetesEvents(KubernetesClient client) {
        this.client = client;
    }

    public void record(Canary canary, RolloutEvent event) {
        String namespace = canary.getMetadata().getNamespace();
        String name = canary.getMetadata().getName();
        if (event.warning()) {
            LOG.warnf("%s/%s %s: %s", namespace, name, event.reason(), event.message());
        } else {
            LOG.infof("%s/%s %s: %s", namespace, name, event.reason(), event.message());
        }
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        try {
            client.v1().events().inNamespace(namespace).resource(new EventBuilder()
                    .withNewMetadata()
                    .withName(name + "." + Long.toHexString(System.nanoTime()) + sequence.incrementAndGet())
                    .withNamespace(namespace)
                    .endMetadata()
                    .withInvolvedObject(new ObjectReferenceBuilder()
                            .withApiVersion(canary.getApiVersion())
                            .withKind(canary.getKind())
                            .withName(name)
                            .withNamespace(namespace)
                            .withUid(canary.getMetadata().getUid())
                            .withResourceVersion(canary.getMetadata().getResourceVersion())
                            .build())
                    .withType(event.warning() ? "Warning" : "Normal")
                    .withReason(event.reason())
                    .withMessage(truncate(event.message()))
                    .withFirstTimestamp(now)
                    .withLastTimestamp(now)
                    .withCount(1)
                    .withNewSource(COMPONENT, null)
                    .withReportingComponent(COMPONENT)
                    .build())
                    .create();
        } catch (KubernetesClientException e) {
            LOG.warnf("could not record Event %s on %s/%s: %s", event.reason(), namespace, name, e.getMessage());
        }
    }

    /** The API server refuses Event messages over 1 KiB. */
    private static String truncate(String message) {
        return message.length() <= 1024 ? message : message.substring(0, 1021) + "...";
    }
}
