package dev.aegis.canary.api;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A Prometheus query with declared args, used by the Canaries of its namespace. */
@Group(Canary.GROUP)
@Version(Canary.VERSION)
@ShortNames("at")
public class AnalysisTemplate extends CustomResource<AnalysisTemplateSpec, Void> implements Namespaced {

    /** A spec that cannot be read becomes a stand-in naming the field, rather than stopping the informer. */
    @Override
    @JsonDeserialize(using = Unreadable.TemplateSpecReader.class)
    public void setSpec(AnalysisTemplateSpec spec) {
        super.setSpec(spec);
    }
}
