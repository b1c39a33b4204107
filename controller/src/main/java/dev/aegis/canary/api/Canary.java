package dev.aegis.canary.api;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.Type;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A progressive rollout of one workload: the spec comes from Git, the status is the rollout's whole memory. */
@Group(Canary.GROUP)
@Version(Canary.VERSION)
@ShortNames("cn")
@AdditionalPrinterColumn(name = "Target", jsonPath = ".spec.targetRef.name")
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase")
@AdditionalPrinterColumn(name = "Weight", jsonPath = ".status.weight", type = Type.INTEGER)
@AdditionalPrinterColumn(name = "Message", jsonPath = ".status.message")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = Type.DATE)
public class Canary extends CustomResource<CanarySpec, CanaryStatus> implements Namespaced {

    public static final String GROUP = "canary.aegis.dev";
    public static final String VERSION = "v1alpha1";

    @Override
    protected CanarySpec initSpec() {
        return new CanarySpec();
    }

    /** A spec that cannot be read becomes a stand-in naming the field, rather than stopping the informer. */
    @Override
    @JsonDeserialize(using = Unreadable.CanarySpecReader.class)
    public void setSpec(CanarySpec spec) {
        super.setSpec(spec);
    }
}
