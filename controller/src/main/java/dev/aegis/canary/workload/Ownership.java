package dev.aegis.canary.workload;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import jakarta.enterprise.context.ApplicationScoped;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import dev.aegis.canary.api.Canary;

/**
 * Which objects are a Canary's: those it created carry its label, and its owner reference while it lives. A deleted
 * Canary releases them (garbage collection then keeps them) and a Canary of the same name adopts them again.
 */
@ApplicationScoped
public class Ownership {

    private final KubernetesClient client;

    public Ownership(KubernetesClient client) {
        this.client = client;
    }

    /** True when the object was created by (or released from) the Canary of this name. */
    public static boolean isOwnedBy(HasMetadata object, Canary canary) {
        Map<String, String> labels = object.getMetadata().getLabels();
        return labels != null && canary.getMetadata().getName().equals(labels.get(Labels.CANARY));
    }

    /**
     * The metadata of a primary copy: the target's labels plus the Canary's, the revision it runs, owned by the
     * Canary.
     */
    public static ObjectMeta primaryMetadata(Canary canary, HasMetadata target, String name, String revision) {
        ObjectMeta meta = ownedMetadata(canary, target, name);
        meta.setAnnotations(Map.of(Labels.REVISION, revision));
        return meta;
    }

    /** Metadata of a copy the Canary owns: the source's labels and the Canary's. */
    public static ObjectMeta ownedMetadata(Canary canary, HasMetadata source, String name) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (source.getMetadata().getLabels() != null) {
            labels.putAll(source.getMetadata().getLabels());
        }
        labels.put(Labels.CANARY, canary.getMetadata().getName());
        labels.put(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE);
        return new ObjectMetaBuilder()
                .withName(name)
                .withNamespace(source.getMetadata().getNamespace())
                .withLabels(labels)
                .withOwnerReferences(ownerReference(canary))
                .build();
    }

    public static OwnerReference ownerReference(Canary canary) {
        return new OwnerReferenceBuilder()
                .withApiVersion(canary.getApiVersion())
                .withKind(canary.getKind())
                .withName(canary.getMetadata().getName())
                .withUid(canary.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build();
    }

    /** Takes over an object left by an earlier Canary of the same name. */
    public void adopt(Canary canary, HasMetadata object) {
        List<OwnerReference> refs = object.getMetadata().getOwnerReferences();
        if (refs != null && refs.stream().anyMatch(r -> Objects.equals(r.getUid(), canary.getMetadata().getUid()))) {
            return;
        }
        JsonPatch.create().set("/metadata/ownerReferences", List.of(ownerReference(canary))).applyTo(client, object);
    }

    /** Lets go of an object: without the owner reference, garbage collection keeps it. */
    public void release(HasMetadata object) {
        if (object.getMetadata().getOwnerReferences() == null || object.getMetadata().getOwnerReferences().isEmpty()) {
            return;
        }
        JsonPatch.create().remove("/metadata/ownerReferences").applyTo(client, object);
    }

    /** Deletes an object the controller created. */
    public void delete(HasMetadata object) {
        client.resource(object).delete();
    }
}
